using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

/// <summary>/api/openapi.json as generated clients and linters read it, and the checker every API test's answers go through.</summary>
public sealed class OpenApiDocumentTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonObject> DocumentAsync(HttpClient client, string? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/openapi.json");
        if (host is not null) request.Headers.Host = host;
        var response = await client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject();
    }

    private static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonObject doc) =>
        doc["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(o => (p.Key, o.Key, o.Value!.AsObject())));

    [Fact]
    public async Task Redocly_recommended_ruleset_finds_no_error_and_no_warning()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var doc = await DocumentAsync(app.CreateClient());
        var dir = Directory.CreateTempSubdirectory("fd-openapi-");
        try
        {
            var file = Path.Combine(dir.FullName, "openapi.json");
            await File.WriteAllTextAsync(file, doc.ToJsonString(), Ct);
            var environment = new Dictionary<string, string> { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" };
            var (exit, output, error) = await ApiTools.RunAsync(ApiTools.Bin("redocly"), ["lint", file, "--extends=recommended", "--format=stylish"],
                dir.FullName, environment, Ct);
            Assert.True(exit == 0, output + error);
            var (_, json, _) = await ApiTools.RunAsync(ApiTools.Bin("redocly"), ["lint", file, "--extends=recommended", "--format=json"],
                dir.FullName, environment, Ct);
            var totals = JsonNode.Parse(json)!["totals"]!;
            Assert.True(totals["errors"]!.GetValue<int>() == 0 && totals["warnings"]!.GetValue<int>() == 0, output + error);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Every_operation_has_an_id_every_problem_status_the_problem_schema_and_the_server_is_not_the_request_host()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var doc = await DocumentAsync(app.CreateClient(), host: "evil.example:8443");

        Assert.Equal("/", doc["servers"]![0]!["url"]!.GetValue<string>());
        Assert.DoesNotContain("evil.example", doc.ToJsonString());
        var ids = Operations(doc).Select(o => o.Operation["operationId"]?.GetValue<string>()).ToList();
        Assert.All(ids, id => Assert.False(string.IsNullOrEmpty(id)));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(doc["tags"]!.AsArray(), t => Assert.False(string.IsNullOrEmpty(t!["description"]?.GetValue<string>())));

        foreach (var (path, method, operation) in Operations(doc))
        {
            var responses = operation["responses"]!.AsObject();
            Assert.True(responses.ContainsKey("405"), $"{method} {path} declares no 405");
            foreach (var (status, response) in responses.Where(r => int.Parse(r.Key) >= 400))
                Assert.Equal("#/components/schemas/ProblemDetails", response!["content"]!["application/problem+json"]!["schema"]!["$ref"]!.GetValue<string>());
            var scoped = operation["security"]!.AsArray().Count > 0;
            if (scoped)
                foreach (var status in new[] { "401", "403", "503" }) Assert.True(responses.ContainsKey(status), $"{method} {path} declares no {status}");
        }
        var problem = doc["components"]!["schemas"]!["ProblemDetails"]!;
        Assert.Equal(["type", "title", "status", "trace_id"], problem["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.NotNull(problem["properties"]!["errors"]!["additionalProperties"]);

        var export = doc["paths"]!["/api/feedback/export"]!["get"]!;
        var ndjson = export["responses"]!["200"]!["content"]!["application/x-ndjson"]!["schema"]!;
        Assert.Equal("string", ndjson["type"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/ExportRow", ndjson["contentSchema"]!["$ref"]!.GetValue<string>());
        Assert.NotNull(export["responses"]!["200"]!["content"]!["text/csv"]);
        Assert.NotNull(export["responses"]!["429"]!["headers"]!["Retry-After"]);
        Assert.Equal(FeedbackDashboard.Api.ExportWriter.FieldNames, doc["components"]!["schemas"]!["ExportRow"]!["properties"]!.AsObject().Select(p => p.Key));

        var webhook = doc["paths"]!["/api/github/webhooks"]!["post"]!;
        Assert.Empty(webhook["security"]!.AsArray());
        Assert.Equal(["X-Hub-Signature-256", "X-GitHub-Event", "X-GitHub-Delivery"],
            webhook["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));
        Assert.NotNull(webhook["requestBody"]!["content"]!["application/json"]);
        Assert.NotNull(doc["paths"]!["/healthz"]!["get"]);
        Assert.NotNull(doc["paths"]!["/readyz"]!["get"]);
    }

    [Fact]
    public async Task Query_parameters_and_request_bodies_say_what_the_server_accepts()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var doc = await DocumentAsync(app.CreateClient());
        JsonNode Parameter(string path, string name) =>
            doc["paths"]![path]!["get"]!["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == name)!;

        var pageSize = Parameter("/api/tasks", "page_size")["schema"]!;
        Assert.Equal(200, pageSize["maximum"]!.GetValue<int>());
        Assert.Equal(1, pageSize["minimum"]!.GetValue<int>());
        var label = Parameter("/api/tasks", "label");
        Assert.Equal("deepObject", label["style"]!.GetValue<string>());
        Assert.Equal("object", label["schema"]!["type"]!.GetValue<string>());
        Assert.Equal(["ndjson", "csv"], Parameter("/api/feedback/export", "format")["schema"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(["all", "maintainers", "pr_author"], Parameter("/api/analytics/feedback", "role")["schema"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(["day", "week"], Parameter("/api/analytics/compare", "bucket")["schema"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.NotNull(Parameter("/api/analytics/feedback", "group_by")["schema"]!["anyOf"]);
        Assert.Equal(["date", "date-time"], Parameter("/api/rules", "from")["schema"]!["anyOf"]!.AsArray().Select(f => f!["format"]!.GetValue<string>()).Order());

        var schemas = doc["components"]!["schemas"]!;
        string[] Required(string name) => [.. schemas[name]!["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order()];
        Assert.Equal(["installation_id", "pr_author", "pr_number", "repository"], Required("TaskInput"));
        Assert.Equal(["github_comment_id", "kind"], Required("CommentInput"));
        Assert.Equal(["file", "line"], Required("FindingInput"));
        Assert.Equal(["findings", "github_review_id"], Required("ReviewCaptureInput"));
        Assert.Equal(CaptureValidation.Limits.Body, schemas["CommentInput"]!["properties"]!["body"]!["maxLength"]!.GetValue<int>());
        // Null is accepted only where the field is optional.
        Assert.Equal("string", schemas["TaskInput"]!["properties"]!["repository"]!["type"]!.GetValue<string>());
        Assert.Contains("null", schemas["CommentInput"]!["properties"]!["file"]!["type"]!.AsArray().Select(t => t!.GetValue<string>()));

        // Each hand-written body schema has exactly the record's fields.
        foreach (var (type, name) in new[] { (typeof(TaskInput), "TaskInput"), (typeof(CommentInput), "CommentInput"),
                     (typeof(FindingInput), "FindingInput"), (typeof(ReviewCaptureInput), "ReviewCaptureInput"), (typeof(PrAuthorInput), "PrAuthorInput") })
        {
            var fields = type.GetProperties().Where(p => p.DeclaringType == type && p.Name != "EqualityContract")
                .Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)).Order();
            Assert.Equal(fields, schemas[name]!["properties"]!.AsObject().Select(p => p.Key).Order());
        }
        foreach (var body in new[] { ("/api/tasks", "TaskInput"), ("/api/tasks/{id}/comments", "CommentInput"), ("/api/tasks/{id}/reviews", "ReviewCaptureInput") })
            Assert.NotNull(doc["paths"]![body.Item1]!["post"]!["requestBody"]!["content"]!["application/json"]!["example"]);

        var unmatched = schemas["CaptureView"]!["properties"]!["unmatched_findings"]!;
        Assert.Equal(["array", "null"], unmatched["type"]!.AsArray().Select(t => t!.GetValue<string>()).Order());
        Assert.Equal(["+1", "-1"], schemas["ReactionView"]!["properties"]!["content"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public async Task Every_date_filter_takes_the_readmes_date_and_any_rfc3339_offset_as_a_validating_proxy_reads_it()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var document = await ApiDocument.GetAsync(app.Server.CreateHandler());
        var dates = Operations(document.Root)
            .SelectMany(o => (o.Operation["parameters"]?.AsArray() ?? []).Select(p => (o.Path, Name: p!["name"]!.GetValue<string>(), Schema: p["schema"]!)))
            .Where(p => p.Schema.ToJsonString().Contains("\"date-time\"", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(dates, d => d is { Path: "/api/feedback/export", Name: "from" });
        Assert.Contains(dates, d => d is { Path: "/api/analytics/compare", Name: "b_to" });
        foreach (var (path, name, schema) in dates)
        {
            // Prism (ajv-formats) and JsonSchema.Net check formats alike; the README's own export filter sends a bare date.
            foreach (var value in new[] { "2026-11-01", "2026-11-01T00:00:00Z", "2026-11-01T00:00:00+02:00" })
                Assert.True(document.Validate($"{path} {name}", schema, JsonSerializer.Serialize(value)) is [], $"{path} {name}={value} refused");
            foreach (var value in new[] { "yesterday", "01/11/2026" })
                Assert.True(document.Validate($"{path} {name}", schema, JsonSerializer.Serialize(value)) is not [], $"{path} {name}={value} accepted");
        }

        // And the server reads what the document allows, and refuses what it does not.
        var client = await app.WithKeyAsync(db, Scopes.ReviewRead);
        var day = DateTime.UtcNow.AddDays(-10);
        foreach (var url in new[] { "/api/tasks", "/api/feedback/export", "/api/rules", "/api/analytics/feedback" })
        {
            foreach (var (value, status) in new[] { ($"{day:yyyy-MM-dd}", HttpStatusCode.OK), ($"{day:yyyy-MM-dd}T00:00:00%2B02:00", HttpStatusCode.OK), ("yesterday", HttpStatusCode.BadRequest) })
            {
                using var response = await client.GetAsync($"{url}?from={value}", HttpCompletionOption.ResponseHeadersRead, Ct);
                Assert.True(response.StatusCode == status, $"{url}?from={value}: {(int)response.StatusCode}");
            }
        }
    }

    [Fact]
    public async Task The_ndjson_export_is_text_to_a_validator_and_each_line_an_export_row()
    {
        var t0 = DateTimeOffset.UtcNow.AddDays(-2);
        var task = await db.TaskAsync("acme/ndjson-document", t0, pr: 5);
        await db.ExecuteAsync($"""
            insert into review_comments (kind, github_comment_id, task_id, file, line, created_at) values ('inline', 880001, '{task}', 'src/a.cs', 3, '{t0:O}');
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            values ('inline', 880001, 11, 'eleven', '+1', '{t0:O}'), ('inline', 880001, 12, 'twelve', '-1', '{t0:O}');
            """);
        await using var app = new AppFactory(db.ConnectionString);
        var client = await app.WithKeyAsync(db, Scopes.ReviewRead);
        using var response = await client.GetAsync("/api/feedback/export?repository=acme/ndjson-document", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(2, body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var document = await ApiDocument.GetAsync(app.Server.CreateHandler());
        var media = document.Root["paths"]!["/api/feedback/export"]!["get"]!["responses"]!["200"]!["content"]!["application/x-ndjson"]!["schema"]!;
        // A validating proxy (Prism) reads a body that is not JSON as text and checks it against the media type's schema.
        Assert.Empty(document.Validate("export body as text", media, JsonSerializer.Serialize(body)));
        Assert.Empty(document.Check("GET", "/api/feedback/export", 200, "application/x-ndjson", body));
        var broken = body.Replace("\"content\":\"-1\"", "\"content\":\"down\"", StringComparison.Ordinal);
        Assert.NotEqual(body, broken);
        Assert.NotEmpty(document.Check("GET", "/api/feedback/export", 200, "application/x-ndjson", broken));
    }

    [Fact]
    public async Task Feedback_comments_carry_only_fields_the_contract_names()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var doc = await DocumentAsync(app.CreateClient());
        string[] contract = ["kind", "github_comment_id", "file", "line", "body", "html_url", "rule", "category", "severity", "state", "up", "down",
            "outdated", "resolved", "resolved_by", "resolved_by_bot", "resolved_by_kind", "minimized", "minimized_reason", "human_replies",
            "addressed", "disputed", "suggestion", "applied", "applied_commit", "disposition", "reraise_of", "reactions"];
        // Served besides: when the comment was posted, its captured fingerprint, and gone (kept beside state).
        string[] besides = ["created_at", "fingerprint", "gone"];
        var fields = doc["components"]!["schemas"]!["CommentFeedback"]!["properties"]!.AsObject().Select(p => p.Key);
        Assert.Empty(fields.Except(contract).Except(besides));
    }

    [Fact]
    public async Task The_checker_refuses_answers_the_document_does_not_describe()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var document = await ApiDocument.GetAsync(app.Server.CreateHandler());
        const string page = """{"items":[],"page":1,"page_size":50,"total":0}""";
        Assert.Empty(document.Check("GET", "/api/tasks", 200, "application/json", page));

        Assert.NotEmpty(document.Check("GET", "/api/tasks", 418, "application/problem+json", "{}"));
        Assert.NotEmpty(document.Check("GET", "/api/tasks", 200, "application/json", """{"items":[],"page":"1","page_size":50,"total":0}"""));
        Assert.NotEmpty(document.Check("GET", "/api/tasks", 200, "application/json", """{"items":[],"page":1,"total":0}"""));
        Assert.NotEmpty(document.Check("GET", "/api/tasks", 200, "text/plain", "ok"));
        Assert.NotEmpty(document.Check("GET", "/api/unknown", 200, "application/json", "{}"));
        Assert.NotEmpty(document.Check("GET", "/api/tasks", 400, "application/problem+json", """{"title":"Bad","status":400}"""));
        Assert.NotEmpty(document.Check("GET", "/api/poller/health", 200, "application/json",
            """{"status":"sleeping","instance_role":"serve","checked_at":"2026-01-01T00:00:00Z","jobs":[],"conditions":[],"installations":[],"webhooks":{"deliveries_last_hour":{},"rejected_signatures":0,"last_delivery_at":null}}"""));
        Assert.Empty(document.Check("GET", "/api/poller/health", 200, "application/json",
            """{"status":"healthy","instance_role":"serve","checked_at":"2026-01-01T00:00:00Z","jobs":[],"conditions":[],"installations":[],"webhooks":{"deliveries_last_hour":{},"rejected_signatures":0,"last_delivery_at":null}}"""));

        // And the test clients use it: an answer the document does not describe throws in the test that received it.
        var client = await app.WithKeyAsync(db, Scopes.ReviewRead);
        var ok = await client.GetAsync("/api/tasks?page_size=200&label[model]=x", Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Wrong_json_types_are_named_in_json_terms_without_dotnet_type_names_and_label_filters_take_both_forms()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var writer = await app.WithKeyAsync(db, Scopes.ReviewWrite);
        var reader = await app.WithKeyAsync(db, Scopes.ReviewRead);

        foreach (var (body, field, expected) in new[]
                 {
                     ("""{"repository":"acme/types","installation_id":77,"pr_number":1,"pr_author":5}""", "pr_author", "an object"),
                     ("""{"repository":"acme/types","installation_id":"77","pr_number":1}""", "installation_id", "an integer"),
                     ("""{"repository":"acme/types","installation_id":77,"pr_number":1,"labels":[1]}""", "labels", "an object"),
                     ("""[1]""", "$", "an object"),
                 })
        {
            var response = await writer.PostRawAsync("/api/tasks", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.JsonAsync();
            var detail = problem.GetProperty("detail").GetString()!;
            Assert.DoesNotContain("FeedbackDashboard.", detail);
            Assert.DoesNotContain("System.", detail);
            Assert.True(detail.Contains(expected, StringComparison.Ordinal), detail);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field} not in {problem}");
        }

        var labelled = await writer.PostJsonAsync("/api/tasks", new
        {
            id = Guid.NewGuid(),
            repository = "acme/labels-forms",
            installation_id = 77,
            pr_number = 3,
            pr_author = new { github_id = 5, login = "octo", association = "NONE" },
            labels = new Dictionary<string, string> { ["model"] = "m-7" },
        });
        Assert.Equal(HttpStatusCode.Created, labelled.StatusCode);
        var id = (await labelled.JsonAsync()).GetProperty("id").GetGuid();
        foreach (var query in new[] { "label.model=m-7", "label[model]=m-7", "label%5Bmodel%5D=m-7" })
        {
            var page = await (await reader.GetAsync($"/api/tasks?repository=acme/labels-forms&{query}", Ct)).JsonAsync();
            Assert.Equal(id, Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        }
        var none = await (await reader.GetAsync("/api/tasks?repository=acme/labels-forms&label[model]=other", Ct)).JsonAsync();
        Assert.Empty(none.GetProperty("items").EnumerateArray());
        var bad = await reader.GetAsync("/api/tasks?label[Bad Key]=x", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
