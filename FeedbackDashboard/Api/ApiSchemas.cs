using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Maintainers;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Repositories;
using FeedbackDashboard.Core.Runs;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using static FeedbackDashboard.Api.ApiQuery;

namespace FeedbackDashboard.Api;

/// <summary>
/// The schemas the OpenAPI generator cannot infer: request bodies as the validation accepts them (CaptureValidation),
/// closed sets of the answers as enums, every always-written answer field required, and problem+json as written.
/// </summary>
public static class ApiSchemas
{
    private static readonly string[] Associations = [.. Core.Model.Associations.Names.All.Order(StringComparer.Ordinal)];

    /// <summary>Closed sets of answer fields, by (declaring type, JSON name).</summary>
    private static readonly Dictionary<(Type, string), string[]> Enums = new()
    {
        [(typeof(CommentFeedback), "kind")] = [.. CommentKinds.Names.All],
        [(typeof(CommentFeedback), "state")] = [.. CommentStates.Names.All],
        [(typeof(CommentFeedback), "disposition")] = [.. DispositionNames.Names.All],
        [(typeof(CommentFeedback), "resolved_by_kind")] = [.. ResolverKinds.Names.All],
        [(typeof(TaskView), "source")] = [.. RunSources.Names.All],
        [(typeof(ReactionView), "content")] = [.. ReactionContents.Names.All],
        [(typeof(ReactionView), "reactor_association")] = Associations,
        [(typeof(PrAuthor), "association")] = Associations,
        [(typeof(MaintainerView), "association")] = [.. Core.Model.Associations.Names.All.Where(w => Core.Model.Associations.Parse(w)!.Value.IsMaintainer())],
        [(typeof(CaptureView), "status")] = [.. CaptureStatuses.Names.All],
        [(typeof(TasksApi.ReviewAccepted), "status")] = [.. CaptureStatuses.Names.All],
        [(typeof(FeedbackAnalytics), "bucket")] = ["day", "week"],
        [(typeof(FeedbackAnalytics), "role")] = ["all", "maintainers", "pr_author"],
        [(typeof(Comparison), "verdict")] = [.. Verdicts.CompareNames.All],
        [(typeof(RuleFigures), "verdict")] = [.. Verdicts.RuleNames.All],
        [(typeof(PollerHealth), "status")] = [.. HealthStatuses.Names.All],
        [(typeof(PollerHealth), "instance_role")] = ["serve", "poller"],
        [(typeof(JobHealth), "status")] = [.. HealthStatuses.Names.All],
        [(typeof(CycleView), "status")] = [.. CycleStatuses.Names.All],
        [(typeof(ConditionView), "kind")] = [.. ConditionKinds.Names.All],
        [(typeof(WebhookAck), "outcome")] = [.. DeliveryOutcomes.Names.All],
    };

    /// <summary>Closed sets of the export's row fields.</summary>
    internal static readonly Dictionary<string, string[]> ExportEnums = new()
    {
        ["comment_kind"] = [.. CommentKinds.Names.All],
        ["content"] = [.. ReactionContents.Names.All],
        ["reactor_association"] = Associations,
        ["disposition"] = [.. DispositionNames.Names.All],
        ["resolved_by_kind"] = [.. ResolverKinds.Names.All],
    };

    /// <summary>Schema transformer: enums on answer fields, and every field an answer always writes listed as required.</summary>
    public static Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (context.JsonPropertyInfo is { } property)
        {
            if (Enums.TryGetValue((property.DeclaringType, property.Name), out var values))
            {
                schema.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
                // A nullable field's enum lists null too, or a validator refuses the null it may hold.
                if (schema.Type is { } t && t.HasFlag(JsonSchemaType.Null)) schema.Enum.Add(null!);
            }
            return Task.CompletedTask;
        }
        var type = context.JsonTypeInfo.Type;
        if (schema.Properties is { Count: > 0 } && type.Namespace?.StartsWith("FeedbackDashboard", StringComparison.Ordinal) == true)
        {
            // The API writes every field (nulls included) unless the property says otherwise.
            schema.Required = new HashSet<string>(context.JsonTypeInfo.Properties
                .Where(p => p.Get is not null && !OmittedWhenNull(p))
                .Select(p => p.Name));
        }
        return Task.CompletedTask;
    }

    private static bool OmittedWhenNull(System.Text.Json.Serialization.Metadata.JsonPropertyInfo p) =>
        p.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), true)
            .OfType<JsonIgnoreAttribute>().Any(a => a.Condition != JsonIgnoreCondition.Never) == true;

    /// <summary>Schemas written by hand, added to the document's components under these names.</summary>
    public static IReadOnlyDictionary<string, Func<OpenApiSchema>> Components { get; } = new Dictionary<string, Func<OpenApiSchema>>
    {
        ["ProblemDetails"] = Problem,
        ["TaskInput"] = TaskInput,
        ["PrAuthorInput"] = PrAuthorInput,
        ["CommentInput"] = CommentInput,
        ["FindingInput"] = FindingInput,
        ["ReviewCaptureInput"] = ReviewCaptureInput,
        ["BotProfileInput"] = BotProfileInput,
        ["ExportRow"] = ExportWriter.RowSchema,
        ["WebhookDelivery"] = WebhookDelivery,
    };

    private static OpenApiSchema Nullable(OpenApiSchema schema)
    {
        schema.Type |= JsonSchemaType.Null;
        return schema;
    }

    private static OpenApiSchema Positive(string format = "int64") => new()
    {
        Type = JsonSchemaType.Integer,
        Format = format,
        Minimum = "1",
    };

    private static OpenApiSchema Object(string description, Dictionary<string, IOpenApiSchema> properties, params string[] required) => new()
    {
        Type = JsonSchemaType.Object,
        Description = description,
        Properties = properties,
        Required = new HashSet<string>(required),
    };

    private static OpenApiSchema Described(OpenApiSchema schema, string description)
    {
        schema.Description = description;
        return schema;
    }

    // A multi-line text field: tab, line feed and carriage return are its only control characters.
    private const string MultiLine = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";

    private static OpenApiSchema OptionalText(int max, string? pattern = NoControlCharacters)
    {
        var s = Nullable(Text(max, pattern));
        s.MinLength = null;
        return s;
    }

    public static OpenApiSchema Problem() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details.",
        Required = new HashSet<string> { "type", "title", "status", "trace_id" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri", Description = "What kind of problem (a link to its definition)." },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "400", Maximum = "599" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong, for a person to read." },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "By field (a JSON path such as `pr_author.login` or `[2].line`, or a query parameter's name; `$` is the whole body): what is wrong with it.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
            ["trace_id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The W3C trace id of the request, as logged." },
            ["reason"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "/readyz only: why the instance is not ready." },
        },
    };

    private static OpenApiSchema PrAuthorInput() => Object("The pull request's author.", new()
    {
        ["github_id"] = Positive(),
        ["login"] = Text(CaptureValidation.Limits.Login),
        ["association"] = Described(Enum(Associations), "GitHub's author_association of the author on the repository."),
    }, "github_id", "login", "association");

    private static OpenApiSchema TaskInput()
    {
        var id = Nullable(new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" });
        id.Description = "The run's id (not the empty uuid); a new one when omitted. Send one so a retried request updates the same run.";
        var createdAt = Nullable(Timestamp());
        createdAt.Description = "When the review ran (RFC 3339); now when omitted.";
        return Object("A review run to register or update.", new()
        {
            ["id"] = id,
            ["repository"] = Described(Text(CaptureValidation.Limits.Repository, RepositoryPattern), "`owner/name` as GitHub allows it."),
            ["installation_id"] = Described(Positive(), "The GitHub App installation the repository is installed under."),
            ["pr_number"] = Positive("int32"),
            ["pr_author"] = new OpenApiSchemaReference("PrAuthorInput"),
            ["created_at"] = createdAt,
            ["labels"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object | JsonSchemaType.Null,
                Description = "What produced the run (`bot_version`, `model`, `prompt`, …).",
                MaxProperties = CaptureValidation.MaxLabels,
                PropertyNames = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = LabelKeyPattern },
                AdditionalProperties = Text(CaptureValidation.Limits.LabelValue),
            },
        }, "repository", "installation_id", "pr_number", "pr_author");
    }

    private static Dictionary<string, IOpenApiSchema> Tags() => new()
    {
        ["rule"] = OptionalText(CaptureValidation.Limits.Rule),
        ["category"] = OptionalText(CaptureValidation.Limits.Category),
        ["severity"] = OptionalText(CaptureValidation.Limits.Severity),
        ["fingerprint"] = OptionalText(CaptureValidation.Limits.Fingerprint),
    };

    private static OpenApiSchema CommentInput()
    {
        var properties = new Dictionary<string, IOpenApiSchema>
        {
            ["kind"] = Described(Enum([.. CommentKinds.Names.All]), "`inline`: a pull-request review comment; `reply`: an issue comment on the pull request."),
            ["github_comment_id"] = Positive(),
            ["node_id"] = Described(OptionalText(CaptureValidation.Limits.NodeId), "GitHub's GraphQL node id of the comment."),
            ["file"] = OptionalText(CaptureValidation.Limits.File),
            ["line"] = Nullable(Positive("int32")),
            ["created_at"] = Nullable(Timestamp()),
            ["finding_id"] = OptionalText(CaptureValidation.Limits.FindingId),
            ["body"] = OptionalText(CaptureValidation.Limits.Body, MultiLine),
        };
        foreach (var (name, schema) in Tags()) properties[name] = schema;
        return Object("A comment the bot posted.", properties, "kind", "github_comment_id");
    }

    private static OpenApiSchema FindingInput()
    {
        var properties = new Dictionary<string, IOpenApiSchema>
        {
            ["file"] = Text(CaptureValidation.Limits.File),
            ["line"] = Positive("int32"),
            ["finding_id"] = OptionalText(CaptureValidation.Limits.FindingId),
        };
        foreach (var (name, schema) in Tags()) properties[name] = schema;
        return Object("A finding of the review, matched to its comment by (file, line).", properties, "file", "line");
    }

    /// <summary>CaptureView.unmatched_findings: the findings' JSON array as stored, null until the capture is done.</summary>
    public static OpenApiSchema UnmatchedFindings() => new()
    {
        Type = JsonSchemaType.Array | JsonSchemaType.Null,
        Items = UnmatchedFinding(),
        Description = "The findings no comment of the review matched (null until the capture is done).",
    };

    private static OpenApiSchema UnmatchedFinding()
    {
        var properties = new Dictionary<string, IOpenApiSchema>
        {
            ["file"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["line"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["finding_id"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
        };
        foreach (var name in Tags().Keys) properties[name] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null };
        return Object("A captured finding no comment of the review matched.", properties, [.. properties.Keys]);
    }

    private static OpenApiSchema ReviewCaptureInput() => Object("A review to capture by its id.", new()
    {
        ["github_review_id"] = Positive(),
        ["findings"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            MaxItems = CaptureValidation.MaxFindingsPerRequest,
            Items = new OpenApiSchemaReference("FindingInput"),
            Description = "May be empty.",
        },
    }, "github_review_id", "findings");

    private static OpenApiSchema BotProfileInput()
    {
        var pattern = OptionalText(Core.Bots.BotValidation.MaxPattern, MultiLine);
        pattern.MinLength = 1;
        pattern.Description = "A .NET regular expression the comment's body must also match (1 s timeout); for shared identities such as `github-actions[bot]`.";
        return Object("A bot profile: whose comments to observe.", new()
        {
            ["logins"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                MinItems = 1,
                MaxItems = Core.Bots.BotValidation.MaxLogins,
                Items = Text(CaptureValidation.Limits.Login, "^[^\\s\\u0000-\\u001f\\u007f-\\u009f]+$"),
                Description = "GitHub logins, matched exactly and case-insensitively (`coderabbitai[bot]`).",
            },
            ["body_pattern"] = pattern,
        }, "logins");
    }

    private static OpenApiSchema WebhookDelivery() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "A GitHub App webhook payload as GitHub sends it (its shape depends on X-GitHub-Event; see GitHub's webhook documentation). " +
                      "Read: installation, installation_repositories, repository, pull_request_review_comment, issue_comment, " +
                      "pull_request_review, pull_request_review_thread, pull_request, member, organization; other events are acknowledged and ignored.",
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["action"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["installation"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = new Dictionary<string, IOpenApiSchema> { ["id"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" } },
            },
        },
    };

    /// <summary>Example bodies for the three capture requests (the README's walkthrough).</summary>
    public static JsonNode? ExampleFor(Type body) => body.Name switch
    {
        "TaskInput" => JsonNode.Parse("""
            {"id": "5f0c6a7e-3b1d-4c2a-9e8f-1a2b3c4d5e6f", "repository": "acme/widgets", "installation_id": 77, "pr_number": 12,
             "pr_author": {"github_id": 501, "login": "octo", "association": "CONTRIBUTOR"},
             "created_at": "2026-11-01T09:30:00Z", "labels": {"bot_version": "1.4.0", "model": "gpt-5"}}
            """),
        "List`1" => JsonNode.Parse("""
            [{"kind": "inline", "github_comment_id": 9001, "node_id": "PRRC_kwDOAbc123", "file": "src/app.ts", "line": 42,
              "body": "Possible null dereference.", "rule": "null-check", "category": "correctness", "severity": "high"},
             {"kind": "reply", "github_comment_id": 9002, "body": "Summary: 1 finding."}]
            """),
        "BotProfileInput" => JsonNode.Parse("""
            {"logins": ["coderabbitai[bot]"]}
            """),
        "ReviewCaptureInput" => JsonNode.Parse("""
            {"github_review_id": 4242, "findings": [{"file": "src/app.ts", "line": 42, "finding_id": "F-1", "rule": "null-check"}]}
            """),
        _ => null,
    };
}
