using System.Text.Json;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Core.GitHub;

/// <summary>
/// The REST operations the product calls exist in GitHub's published description (@octokit/openapi, api.github.com),
/// and <see cref="OpenApiShapes"/> tells a body with GitHub's shape from one without. One node run for the class.
/// </summary>
public sealed class GitHubRestSchemaTests
{
    /// <summary>Every REST operation the product calls, as GitHub's description names it (no /api/v3 prefix).</summary>
    private static readonly (string Method, string Path)[] ProductOperations =
    [
        ("POST", "/app/installations/{installation_id}/access_tokens"),
        ("GET", "/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions"),
        ("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"),
        ("GET", "/repos/{owner}/{repo}/pulls/comments/{comment_id}"),
        ("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
        ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments"),
        ("GET", "/repos/{owner}/{repo}/pulls/comments"),
        ("GET", "/repos/{owner}/{repo}/issues/comments"),
        ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}"),
        ("GET", "/repos/{owner}/{repo}"),
        ("GET", "/repos/{owner}/{repo}/collaborators"),
        ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits"),
        ("GET", "/repos/{owner}/{repo}/commits/{ref}"),
        ("GET", "/orgs/{org}/members"),
        ("GET", "/installation/repositories"),
        ("GET", "/app/hook/deliveries"),
        ("POST", "/app/hook/deliveries/{delivery_id}/attempts"),
    ];

    private const string ReactionsPath = "/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions";

    // GitHub percent-encodes a login in its URLs (a bot's "[bot]" is "%5Bbot%5D"): raw brackets fail format "uri".
    private static string User(long id, string login, string type = "User")
    {
        var path = Uri.EscapeDataString(login);
        return JsonSerializer.Serialize(new
        {
            login,
            id,
            node_id = "U_kgDOmadeUp",
            avatar_url = $"https://avatars.githubusercontent.com/u/{id}?v=4",
            gravatar_id = "",
            url = $"https://api.github.com/users/{path}",
            html_url = $"https://github.com/{path}",
            followers_url = $"https://api.github.com/users/{path}/followers",
            following_url = $"https://api.github.com/users/{path}/following{{/other_user}}",
            gists_url = $"https://api.github.com/users/{path}/gists{{/gist_id}}",
            starred_url = $"https://api.github.com/users/{path}/starred{{/owner}}{{/repo}}",
            subscriptions_url = $"https://api.github.com/users/{path}/subscriptions",
            organizations_url = $"https://api.github.com/users/{path}/orgs",
            repos_url = $"https://api.github.com/users/{path}/repos",
            events_url = $"https://api.github.com/users/{path}/events{{/privacy}}",
            received_events_url = $"https://api.github.com/users/{path}/received_events",
            type,
            user_view_type = "public",
            site_admin = false,
        });
    }

    /// <summary>A page of reactions as GitHub sends it: a person's 👍, a bot's 👎, and a deleted account's (user null).</summary>
    private static readonly string GoodReactions =
        $$"""
        [
          {"id":1,"node_id":"REA_lATOmadeUp1","user":{{User(101, "octocat")}},"content":"+1","created_at":"2025-05-20T20:09:31Z"},
          {"id":2,"node_id":"REA_lATOmadeUp2","user":{{User(41898282, "github-actions[bot]", "Bot")}},"content":"-1","created_at":"2025-05-20T20:10:00Z"},
          {"id":3,"node_id":"REA_lATOmadeUp3","user":null,"content":"heart","created_at":"2025-05-21T08:00:00Z"}
        ]
        """;

    /// <summary>Three ways to get it wrong: GraphQL's enum instead of REST's content, a string id, a user without a login.</summary>
    private static readonly string BadReactions =
        $$"""
        [
          {"id":1,"node_id":"REA_1","user":{{User(101, "octocat")}},"content":"THUMBS_UP","created_at":"2025-05-20T20:09:31Z"},
          {"id":"2","node_id":"REA_2","user":{"id":7},"content":"-1","created_at":"yesterday"}
        ]
        """;

    private static readonly Lazy<Task<JsonElement>> Checked = new(() => GitHubSchemaNode.RunAsync(new
    {
        restPaths = ProductOperations.Select(o => new { method = o.Method, path = o.Path }),
        restShapes = new[]
        {
            new { method = "GET", path = ReactionsPath, status = 200, json = GoodReactions },
            new { method = "GET", path = ReactionsPath, status = 200, json = BadReactions },
        },
    }, CancellationToken.None)); // not the first test's token: the answer is shared by the class

    private static async Task<string[]> ShapeErrorsAsync(int index) =>
        [.. (await Checked.Value).GetProperty("restShapes")[index].GetProperty("errors").EnumerateArray().Select(e => e.GetString()!)];

    [Fact]
    public async Task Every_REST_operation_the_product_calls_is_in_GitHubs_description()
    {
        var missing = (await Checked.Value).GetProperty("restPaths").EnumerateArray()
            .Where(r => !r.GetProperty("exists").GetBoolean())
            .Select(r => $"{r.GetProperty("method").GetString()} {r.GetProperty("path").GetString()}" +
                         $" (documented with that shape: {string.Join(", ", r.GetProperty("similar").EnumerateArray())})")
            .ToList();
        Assert.True(missing.Count == 0, "not in @octokit/openapi's api.github.com:\n  " + string.Join("\n  ", missing));
        Assert.Equal(ProductOperations.Length, (await Checked.Value).GetProperty("restPaths").GetArrayLength());
    }

    [Fact]
    public async Task A_reaction_list_as_GitHub_sends_it_has_the_documented_shape()
    {
        var errors = await ShapeErrorsAsync(0);
        Assert.True(errors.Length == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task A_reaction_list_with_a_wrong_shape_is_rejected_with_each_fault_named()
    {
        var errors = await ShapeErrorsAsync(1);
        Assert.Contains(errors, e => e.StartsWith("/0/content must be equal to one of the allowed values", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("/1/id must be integer", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("/1/user must have required property 'login'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("/1/created_at must match format \"date-time\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenApiShapes_checks_answers_for_the_fake_GitHubs_tests()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Empty(await OpenApiShapes.ValidateAsync("GET", ReactionsPath, 200, GoodReactions, ct));
        // A response given as a $ref (404 is #/components/responses/not_found) is resolved too.
        var results = await OpenApiShapes.ValidateManyAsync(
        [
            new("GET", ReactionsPath, 404, """{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}"""),
            new("GET", ReactionsPath, 404, """{"message":7}"""),
            new("GET", "/repos/{owner}/{repo}/pulls/comments/{comment_id}/likes", 200, "[]"),
        ], ct);
        Assert.Empty(results[0]);
        Assert.Contains(results[1], e => e.StartsWith("/message must be string", StringComparison.Ordinal));
        Assert.Contains(results[2], e => e.Contains("is not in GitHub's description", StringComparison.Ordinal));
    }
}
