using System.Net;
using System.Text.Json;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

/// <summary>
/// The comment's text through capture (limits as the README says), and its signals through the feedback API and the
/// NDJSON export, with the names the README's API section gives.
/// </summary>
public sealed class SignalsApiTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Capture_takes_a_body_with_tabs_and_newlines_and_refuses_control_characters_or_overlong_text()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var client = await app.WithKeyAsync(db, Scopes.ReviewWrite);
        var id = (await (await client.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "acme/bodies"))).JsonAsync()).GetProperty("id").GetString();

        object[] bad =
        [
            new { kind = "inline", github_comment_id = 9101, body = "bell\u0007" },
            new { kind = "inline", github_comment_id = 9102, body = new string('b', CaptureValidation.Limits.Body + 1) },
        ];
        var response = await client.PostJsonAsync($"/api/tasks/{id}/comments", bad);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("[0].body", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("[1].body", out _), errors.ToString());

        var body = "Possible null dereference.\n\tif (user is null) return;\r\n" + new string('x', 1000);
        object[] good =
        [
            new { kind = "inline", github_comment_id = 9103, file = "a.cs", line = 3, body },
            new { kind = "inline", github_comment_id = 9104, body = new string('y', CaptureValidation.Limits.Body) },
        ];
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync($"/api/tasks/{id}/comments", good)).StatusCode);
        Assert.Equal(body, await db.ScalarAsync<string>("select body from review_comments where github_comment_id = 9103"));
        Assert.Equal(CaptureValidation.Limits.Body, await db.ScalarAsync<int>("select length(body) from review_comments where github_comment_id = 9104"));
    }

    [Fact]
    public async Task Feedback_and_export_carry_the_signals_with_the_contracts_names()
    {
        var t0 = DateTimeOffset.UtcNow.AddHours(-2);
        var task = await db.TaskAsync("Acme/Signals", t0, pr: 7);
        await db.CommentAsync(task, "inline", 9201, t0);
        await db.CommentAsync(task, "inline", 9202, t0);
        await db.CommentAsync(task, "reply", 9203, t0, file: null, line: null);
        await db.ExecuteAsync("""
            update review_comments set body = 'Use a guard clause.', html_url = 'https://github.com/acme/signals/pull/7#discussion_r9201',
                outdated = true, minimized = false, resolved = false, resolved_by_bot = false, human_replies = 2
            where github_comment_id = 9201;
            update review_comments set outdated = false, minimized = true, minimized_reason = 'off-topic', resolved = true,
                resolved_by = null, resolved_by_bot = true, human_replies = 0
            where github_comment_id = 9202;
            update review_comments set minimized = false where github_comment_id = 9203;
            """);
        await db.ReactionAsync("inline", 9202, 1, "+1");
        await db.ReactionAsync("inline", 9202, 2, "-1");
        await db.ReactionAsync("inline", 9201, 3, "+1");
        await db.ReactionAsync("inline", 9201, 3, "-1"); // one person both ways is not a dispute

        await using var app = new AppFactory(db.ConnectionString);
        var client = await app.WithKeyAsync(db, Scopes.ReviewRead);
        var feedback = await (await client.GetAsync($"/api/tasks/{task}/feedback", Ct)).JsonAsync();
        Assert.Equal(1, feedback.GetProperty("totals").GetProperty("addressed").GetInt32());
        var comments = feedback.GetProperty("comments").EnumerateArray().ToDictionary(c => c.GetProperty("github_comment_id").GetInt64());

        var one = comments[9201];
        Assert.Equal("Use a guard clause.", one.GetProperty("body").GetString());
        Assert.Equal("https://github.com/acme/signals/pull/7#discussion_r9201", one.GetProperty("html_url").GetString());
        Assert.True(one.GetProperty("outdated").GetBoolean());
        Assert.Equal(2, one.GetProperty("human_replies").GetInt32());
        Assert.True(one.GetProperty("addressed").GetBoolean());
        Assert.False(one.GetProperty("disputed").GetBoolean());

        var two = comments[9202];
        Assert.True(two.GetProperty("resolved").GetBoolean());
        Assert.Equal(JsonValueKind.Null, two.GetProperty("resolved_by").ValueKind);
        Assert.True(two.GetProperty("resolved_by_bot").GetBoolean());
        Assert.True(two.GetProperty("minimized").GetBoolean());
        Assert.Equal("off-topic", two.GetProperty("minimized_reason").GetString());
        Assert.False(two.GetProperty("addressed").GetBoolean()); // resolved by a bot is not addressed
        Assert.True(two.GetProperty("disputed").GetBoolean());

        // A reply (issue) comment has no thread: its thread fields are null.
        var reply = comments[9203];
        foreach (var field in new[] { "outdated", "resolved", "resolved_by", "resolved_by_bot", "human_replies", "body", "html_url" })
            Assert.Equal(JsonValueKind.Null, reply.GetProperty(field).ValueKind);
        Assert.False(reply.GetProperty("minimized").GetBoolean());

        var lines = (await client.GetStringAsync("/api/feedback/export?repository=acme/signals", Ct))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal(4, lines.Count);
        var exported = lines.First(l => l.GetProperty("github_comment_id").GetInt64() == 9202);
        Assert.True(exported.GetProperty("disputed").GetBoolean());
        Assert.True(exported.GetProperty("resolved_by_bot").GetBoolean());
        Assert.Equal("off-topic", exported.GetProperty("minimized_reason").GetString());
        Assert.False(exported.GetProperty("addressed").GetBoolean());
        var first = lines.First(l => l.GetProperty("github_comment_id").GetInt64() == 9201);
        Assert.True(first.GetProperty("addressed").GetBoolean());
        Assert.False(first.GetProperty("disputed").GetBoolean());
        Assert.Equal(2, first.GetProperty("human_replies").GetInt32());
        Assert.EndsWith("#discussion_r9201", first.GetProperty("html_url").GetString());
    }
}
