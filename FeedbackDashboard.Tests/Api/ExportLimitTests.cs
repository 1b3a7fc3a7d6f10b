using System.Net;
using System.Net.Http.Headers;
using FeedbackDashboard.Api;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

public sealed class ExportLimitTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{

    [Fact]
    public async Task Slow_export_readers_hit_the_limit_with_429_and_the_pages_and_api_keep_answering()
    {
        // Far more NDJSON than the in-memory server buffers: a reader that never reads holds its export open.
        var t0 = DateTimeOffset.UtcNow.AddDays(-2);
        var task = await db.TaskAsync("acme/slow", t0);
        await db.ExecuteAsync($"""
            insert into review_comments (kind, github_comment_id, task_id, file, line, created_at)
            select 'inline', g, '{task}', 'src/file' || g || '.cs', 1, '{t0:O}' from generate_series(1, 2000) g;
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select 'inline', c, u, 'user' || u, '+1', '{t0:O}'::timestamptz + c * interval '1 second'
            from generate_series(1, 2000) c, generate_series(1, 10) u;
            """);
        await using var app = new AppFactory(db.ConnectionString);
        var keys = new ApiKeyService(db.DbFactory, TimeProvider.System);
        async Task<HttpClient> ClientAsync(string name)
        {
            var client = app.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await keys.CreateAsync(name, [Scopes.ReviewRead]));
            return client;
        }
        var a = await ClientAsync("reader-a");
        var b = await ClientAsync("reader-b");
        var c = await ClientAsync("reader-c");
        var d = await ClientAsync("reader-d");

        var slow = new List<HttpResponseMessage>();
        try
        {
            foreach (var client in new[] { a, a, b, c })
            {
                var open = await client.GetAsync("/api/feedback/export", HttpCompletionOption.ResponseHeadersRead, Ct);
                Assert.Equal(HttpStatusCode.OK, open.StatusCode);
                slow.Add(open); // never read
            }
            Assert.Equal(ExportLimits.Total, slow.Count);

            var perKey = await a.GetAsync("/api/feedback/export", Ct);
            Assert.Equal(HttpStatusCode.TooManyRequests, perKey.StatusCode);
            Assert.Equal("application/problem+json", perKey.Content.Headers.ContentType?.MediaType);
            Assert.True(perKey.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            var total = await d.GetAsync("/api/feedback/export", Ct);
            Assert.Equal(HttpStatusCode.TooManyRequests, total.StatusCode);
            Assert.NotNull(total.Headers.RetryAfter);

            // Everything else answers, many times over, while the exports hang: the hung readers hold their permits
            // for as long as this block runs, so a request queued behind them would never finish, and the bound
            // below only has to tell "finished" from "never", not measure speed on a busy machine.
            var others = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => (i % 3) switch
            {
                0 => d.GetAsync("/api/tasks", Ct),
                1 => d.GetAsync($"/api/tasks/{task}/feedback", Ct),
                _ => app.CreateClient().GetAsync("/", Ct),
            })).WaitAsync(TimeSpan.FromMinutes(2), Ct);
            Assert.All(others, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        }
        finally
        {
            foreach (var r in slow) r.Dispose();
        }

        // The readers went away: their permits are back.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        HttpStatusCode status;
        do
        {
            using var again = await d.GetAsync("/api/feedback/export?repository=acme/slow&from=" + Uri.EscapeDataString(t0.AddSeconds(1990).ToString("O")), Ct);
            status = again.StatusCode;
            if (status == HttpStatusCode.OK) break;
            await Task.Delay(200, Ct);
        } while (DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, status);
    }
}
