using System.Net;
using System.Text.Json;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

public sealed class OperateTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{

    [Fact]
    public async Task Openapi_document_describes_every_endpoint_with_summary_and_scope_and_the_reference_page_serves()
    {
        await using var app = new AppFactory(db.ConnectionString);
        using var client = app.CreateClient();

        var response = await client.GetAsync("/api/openapi.json", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        var paths = doc.GetProperty("paths");
        string[] expected =
        [
            "/api/tasks", "/api/tasks/{id}/comments", "/api/tasks/{id}/reviews", "/api/tasks/{id}/feedback",
            "/api/feedback/export", "/api/analytics/feedback", "/api/repos/{owner}/{name}/maintainers", "/api/poller/health",
        ];
        foreach (var path in expected) Assert.True(paths.TryGetProperty(path, out _), $"missing {path}");
        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                Assert.False(string.IsNullOrWhiteSpace(operation.Value.GetProperty("summary").GetString()), $"{operation.Name} {path.Name} has no summary");
                Assert.Contains("Scope ", operation.Value.GetProperty("description").GetString());
            }
        }
        var register = paths.GetProperty("/api/tasks").GetProperty("post");
        Assert.True(register.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.Contains("bearer", doc.GetProperty("components").GetProperty("securitySchemes").GetRawText());

        var docs = await client.GetAsync("/api/docs", Ct);
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("FeedbackDashboard API", await docs.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Metrics_expose_http_requests_and_the_poller_figures_in_prometheus_text()
    {
        await using var app = new AppFactory(db.ConnectionString);
        using var client = app.CreateClient();
        await client.GetAsync("/healthz", Ct);
        await client.GetStringAsync("/metrics", Ct); // the first scrape starts the meter adapter

        // One real cycle in this process, so the poller's meters have values.
        await using var gh = await GitHubHarness.StartAsync();
        gh.Fake.Installations.Add(77);
        var task = await db.TaskAsync("acme/metrics", gh.Time.GetUtcNow());
        gh.Fake.AddComment("acme/metrics", CommentKind.Inline, 1);
        gh.Fake.React(CommentKind.Inline, 1, 10, "+1");
        await db.CommentAsync(task, "inline", 1, gh.Time.GetUtcNow(), nodeId: "PRRC_1");
        await PollerHarness.Poller(db, gh, PollerHarness.Settings()).RunCycleAsync(Ct);

        var text = await client.GetStringAsync("/metrics", Ct);

        Assert.Contains("http_requests_received_total", text);
        Assert.Contains("feedbackdashboard_poll_cycle_duration", text);
        Assert.Contains("feedbackdashboard_reactions_inserted", text);
        Assert.Contains("feedbackdashboard_comments_checked", text);
        Assert.Contains("feedbackdashboard_github_requests", text);
        Assert.Contains("feedbackdashboard_github_rate_limit_remaining", text);
        Assert.Contains("installation=\"77\"", text);
        // Observable instruments (read at scrape time) are exported; the libraries' per-request instruments are not:
        // adapting each of their measurements cost a tenth of the API's CPU (README, Performance).
        Assert.Contains("system_runtime_dotnet_gc_collections", text);
        Assert.DoesNotContain("microsoft_aspnetcore_hosting_http_server_request_duration", text);
        Assert.DoesNotContain("microsoft_aspnetcore_server_kestrel_kestrel_connection_duration", text);
    }
}
