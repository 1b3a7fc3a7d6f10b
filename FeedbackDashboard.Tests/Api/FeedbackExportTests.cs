using System.Net;
using System.Text.Json;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

public sealed class FeedbackExportTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Export_streams_ten_thousand_reactions_as_ndjson_and_filters()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = DateTimeOffset.UtcNow.AddDays(-3);
        var task = await db.TaskAsync("Acme/Export", t0, pr: 42);
        var other = await db.TaskAsync("Other/Export", t0, pr: 1);
        await db.ExecuteAsync($"""
            insert into review_comments (kind, github_comment_id, task_id, file, line, created_at)
            select 'inline', g, '{task}', 'src/f' || g || '.cs', g % 300 + 1, '{t0:O}' from generate_series(1, 2000) g;
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select 'inline', c, u, 'user' || u, case when u % 4 = 0 then '-1' else '+1' end,
                   '{t0:O}'::timestamptz + (c * 5 + u) * interval '1 second'
            from generate_series(1, 2000) c, generate_series(1, 5) u;
            insert into review_comments (kind, github_comment_id, task_id, created_at) values ('reply', 1, '{other}', '{t0:O}');
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            values ('reply', 1, 9, 'nine', '+1', '{t0:O}');
            """);
        await db.MaintainerAsync("acme/export", 3, "user3", "COLLABORATOR");

        await using var app = new AppFactory(db.ConnectionString);
        var client = await app.WithKeyAsync(db, Scopes.ReviewRead);

        var response = await client.GetAsync("/api/feedback/export?repository=acme/export", HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        var rows = new List<JsonElement>();
        while (await reader.ReadLineAsync(ct) is { } line) rows.Add(JsonDocument.Parse(line).RootElement.Clone());

        Assert.Equal(10_000, rows.Count);
        Assert.All(rows, r => Assert.Equal(task, r.GetProperty("task_id").GetGuid()));
        Assert.Equal(2_000, rows.Count(r => r.GetProperty("content").GetString() == "-1"));
        var first = rows[0];
        Assert.Equal("acme/export", first.GetProperty("repository").GetString());
        Assert.Equal(42, first.GetProperty("pr_number").GetInt32());
        Assert.Equal("inline", first.GetProperty("comment_kind").GetString());
        Assert.True(first.GetProperty("github_comment_id").GetInt64() > 0);
        Assert.StartsWith("src/f", first.GetProperty("file").GetString());
        Assert.True(first.GetProperty("line").GetInt32() > 0);
        Assert.True(first.TryGetProperty("reacted_at", out _));
        Assert.All(rows.Where(r => r.GetProperty("reactor_id").GetInt64() == 3),
            r => Assert.Equal("COLLABORATOR", r.GetProperty("reactor_association").GetString()));

        var from = Uri.EscapeDataString(t0.AddSeconds(5 * 1000).ToString("O"));
        var windowed = await client.GetStringAsync($"/api/feedback/export?from={from}", ct);
        var count = windowed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.InRange(count, 5_000, 5_010);

        var bad = await client.GetAsync("/api/feedback/export?repository=bad", ct);
        await TasksApiTests.AssertProblemAsync(bad, HttpStatusCode.BadRequest, "repository");
    }
}
