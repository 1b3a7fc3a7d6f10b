using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Tests.Infrastructure;
using FeedbackDashboard.Core.Model;

namespace FeedbackDashboard.Tests.Core.GitHub;

/// <summary>
/// Every GraphQL document the product sends, checked by graphql-js against GitHub's published schema
/// (@octokit/graphql-schema), and the fake GitHub's cost (<see cref="GraphQlCost"/>) checked against a schema-aware
/// count by GitHub's documented formula. All documents go to node in one run, cached for the class.
/// </summary>
public sealed class GitHubSchemaTests
{
    /// <summary>Every public const string of GraphQlDocuments, so a new document is covered without touching this file.</summary>
    private static readonly IReadOnlyDictionary<string, string> ProductDocuments = typeof(GraphQlDocuments)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f is { IsLiteral: true } && f.FieldType == typeof(string))
        .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);

    public static TheoryData<string> DocumentNames => [.. ProductDocuments.Keys];

    // GitHub's cost examples: the issue's (two 100-reaction connections on 100 nodes) and the docs' (5101 requests).
    private const string TwoConnectionsOnNodes =
        "query($ids:[ID!]!){nodes(ids:$ids){...on IssueComment{" +
        "up:reactions(content:THUMBS_UP,first:100){totalCount} down:reactions(content:THUMBS_DOWN,first:100){totalCount}}}}";
    private const string OneConnectionOnNode =
        "query($id:ID!){node(id:$id){...on Reactable{reactions(first:100){totalCount}}}}";
    private const string DocsExample =
        "query{viewer{login repositories(first:100){edges{node{id issues(first:50){edges{node{id labels(first:60){" +
        "edges{node{id name}}}}}}}}}}}";

    /// <summary>
    /// Parser corners, cross-checked with graphql-js: comments, named operation, variable default, last, literal ids,
    /// an inline fragment without type condition, fragments spread in fragments on two types, an enum/object/list
    /// argument, braces inside a string and a block string, a top-level connection.
    /// </summary>
    private const string Corners = """"
        # a comment { with braces }
        query Corners($n: Int = 30, $ids: [ID!]!) {
          rateLimit { cost }
          a: nodes(ids: $ids) { ...F }
          b: nodes(ids: ["x", "y", "z"]) {
            ... { ...on Issue { comments(last: $n) { nodes { reactions(first: 10) { totalCount } } } } }
          }
          search(query: "is:pr {not a brace}", type: ISSUE, first: 20) {
            nodes { ...on PullRequest { reviews(first: 10, states: [APPROVED]) { totalCount } } }
          }
          other: search(query: """a "quoted" } block""", type: ISSUE, first: 5) { issueCount }
        }
        fragment F on Node { ...G ...on Issue { labels(first: 5) { totalCount } } }
        fragment G on Repository {
          issues(first: $n, labels: ["bug"], orderBy: {field: CREATED_AT, direction: DESC}) { nodes { title } }
        }
        """";

    private const string Misspelt = "query($id:ID!){node(id:$id){...on IssueComment{reactons(first:100){totalCount}}}}";

    private static readonly IReadOnlyDictionary<string, string> OtherDocuments = new Dictionary<string, string>
    {
        ["example:two connections on 100 nodes"] = TwoConnectionsOnNodes,
        ["example:one connection on a node"] = OneConnectionOnNode,
        ["example:GitHub docs"] = DocsExample,
        ["corners"] = Corners,
        ["misspelt"] = Misspelt,
    };

    private static readonly Lazy<Task<Dictionary<string, JsonElement>>> Checked = new(CheckAllAsync);

    private static async Task<Dictionary<string, JsonElement>> CheckAllAsync()
    {
        var documents = ProductDocuments.Concat(OtherDocuments)
            .Select(d => new { name = d.Key, query = d.Value, variables = SampleVariables(d.Value) });
        // Not the first test's token: the answer is shared by every test of the class.
        var answer = await GitHubSchemaNode.RunAsync(new { graphql = documents }, CancellationToken.None);
        return answer.GetProperty("graphql").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
    }

    private static async Task<JsonElement> CheckedAsync(string name) => (await Checked.Value)[name];

    /// <summary>
    /// A valid value for each declared variable without a default, as the poller would send: 100 ids for a list of
    /// IDs (a full batch), a first page (after: null), a kind of reaction, a page size.
    /// </summary>
    private static JsonObject SampleVariables(string query)
    {
        var variables = new JsonObject();
        foreach (var (name, type, hasDefault) in GraphQlCost.Variables(query))
        {
            if (hasDefault) continue;
            variables[name] = type.TrimEnd('!') switch
            {
                "[ID!]" or "[ID]" => new JsonArray([.. Enumerable.Range(1, 100).Select(i => JsonValue.Create($"IC_kwDOmadeUp{i:000}"))]),
                "ID" => "PRRC_kwDOmadeUp001",
                "String" when type.EndsWith('!') => "Y3Vyc29yOnYyOpHOAAAAAQ==",
                "String" => null,
                "ReactionContent" => "THUMBS_UP",
                "Int" => 100,
                "Boolean" => true,
                _ => throw new InvalidOperationException($"no sample value for ${name}: {type}; add one to SampleVariables"),
            };
        }
        return variables;
    }

    private static string[] Strings(JsonElement result, string property) =>
        [.. result.GetProperty(property).EnumerateArray().Select(e => e.GetString()!)];

    private static JsonElement Json(JsonObject variables) => JsonSerializer.SerializeToElement(variables);

    [Theory]
    [MemberData(nameof(DocumentNames))]
    public async Task Product_document_is_valid_against_GitHubs_published_schema(string name)
    {
        var result = await CheckedAsync(name);
        Assert.True(Strings(result, "errors").Length == 0,
            $"GraphQlDocuments.{name} does not validate against @octokit/graphql-schema:\n  " + string.Join("\n  ", Strings(result, "errors")));
        Assert.True(Strings(result, "variableErrors").Length == 0,
            $"the sample variables of GraphQlDocuments.{name} are not valid for its declared types:\n  " +
            string.Join("\n  ", Strings(result, "variableErrors")));
    }

    [Theory]
    [MemberData(nameof(DocumentNames))]
    public async Task Product_document_uses_no_deprecated_field(string name)
    {
        var deprecations = Strings(await CheckedAsync(name), "deprecations");
        Assert.True(deprecations.Length == 0, $"GraphQlDocuments.{name} uses fields GitHub will remove:\n  " + string.Join("\n  ", deprecations));
    }

    [Theory]
    [MemberData(nameof(DocumentNames))]
    public async Task Fake_charges_for_product_document_what_graphql_js_counts_by_GitHubs_formula(string name)
    {
        var query = ProductDocuments[name];
        var result = await CheckedAsync(name);
        Assert.True(result.GetProperty("requests").ValueKind == JsonValueKind.Number,
            $"graphql-js could not count GraphQlDocuments.{name}: " + string.Join("; ", Strings(result, "errors")));
        var variables = Json(SampleVariables(query));
        Assert.Equal(result.GetProperty("requests").GetInt64(), GraphQlCost.Requests(query, variables));
        Assert.Equal(result.GetProperty("cost").GetInt32(), GraphQlCost.Of(query, variables));
    }

    [Fact]
    public async Task Worked_examples_cost_2_1_and_51_points_in_CSharp_and_graphql_js()
    {
        foreach (var (name, query, expected) in new[]
                 {
                     ("example:two connections on 100 nodes", TwoConnectionsOnNodes, 2),
                     ("example:one connection on a node", OneConnectionOnNode, 1),
                     ("example:GitHub docs", DocsExample, 51),
                 })
        {
            var result = await CheckedAsync(name);
            Assert.Empty(Strings(result, "errors"));
            Assert.Equal(expected, result.GetProperty("cost").GetInt32());
            Assert.Equal(expected, GraphQlCost.Of(query, Json(SampleVariables(query))));
        }
        Assert.Equal(200, GraphQlCost.Requests(TwoConnectionsOnNodes, Json(SampleVariables(TwoConnectionsOnNodes))));
        Assert.Equal(5101, GraphQlCost.Requests(DocsExample, default));
    }

    [Fact]
    public async Task Cost_follows_fragments_aliases_literals_and_defaults_as_graphql_js_does()
    {
        var result = await CheckedAsync("corners");
        Assert.Empty(Strings(result, "errors"));
        var variables = Json(SampleVariables(Corners));
        // a: 100 ids × (Repository: issues | Issue: labels) = 100; b: 3 ids × comments(last: 30) = 3, then 90 reactions;
        // search: 1 + 20 reviews; other: 1.
        Assert.Equal(215, result.GetProperty("requests").GetInt64());
        Assert.Equal(215, GraphQlCost.Requests(Corners, variables));
        Assert.Equal(2, GraphQlCost.Of(Corners, variables));
    }

    [Fact]
    public async Task Validation_reports_a_misspelt_field()
    {
        var errors = Strings(await CheckedAsync("misspelt"), "errors");
        Assert.Contains(errors, e => e.Contains("Cannot query field \"reactons\" on type \"IssueComment\"", StringComparison.Ordinal));
    }
}
