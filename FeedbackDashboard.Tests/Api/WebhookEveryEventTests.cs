using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FeedbackDashboard.Core.Webhooks;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

/// <summary>Every event and action the receiver handles, through the same three doors: unsigned, signed, replayed.</summary>
public sealed class WebhookEveryEventTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private const string Secret = "every-event";
    private AppFactory _app = null!;
    private HttpClient _client = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = new AppFactory(db.ConnectionString, new Dictionary<string, string?> { ["GITHUB_WEBHOOK_SECRET"] = Secret });
        _client = _app.CreateClient();
        // What the payloads name, once for the class: a registered repository (id 700001, acme/a) with the comments 11, 12 and 13.
        if (await db.ScalarAsync<long>("select count(*) from review_comments") > 0) return;
        var task = await db.TaskAsync("acme/a", DateTimeOffset.UtcNow);
        await db.ExecuteAsync("update repositories set github_id = 700001 where full_name = 'acme/a'");
        foreach (var (kind, id) in new[] { ("inline", 11L), ("reply", 12L), ("inline", 13L) })
            await db.CommentAsync(task, kind, id, DateTimeOffset.UtcNow);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    public static TheoryData<int> Payloads => [.. Enumerable.Range(0, WebhookPayloads.OneOfEach().Count())];

    private async Task<(HttpStatusCode Status, string? Outcome)> PostAsync(string eventName, JsonNode payload, string guid, string? signature)
    {
        var json = payload.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/github/webhooks") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", guid);
        if (signature is not null) request.Headers.Add(WebhookSignature.Header, signature);
        using var response = await _client.SendAsync(request, Ct);
        return (response.StatusCode, response.IsSuccessStatusCode ? (await response.JsonAsync()).GetProperty("outcome").GetString() : null);
    }

    private Task<string> StateAsync() => db.ScalarAsync<string>("""
        select (select string_agg(full_name || case when access_lost_at is null then '' else ' lost' end || coalesce(' ' || github_id, ''), ',' order by id) from repositories)
            || '|' || (select string_agg(kind || github_comment_id || ' ' || coalesce(gone_at::text, '-') || ' ' || coalesce(body, '-') || ' ' || coalesce(resolved::text, '-'), ',' order by github_comment_id) from review_comments)
            || '|' || (select coalesce(string_agg(repo_full_name || github_id || association, ','), '') from maintainers)
            || '|' || (select count(*) from poller_conditions)
        """);

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task Unsigned_changes_nothing_signed_applies_and_a_replay_is_acknowledged_and_ignored(int index)
    {
        var (eventName, payload) = WebhookPayloads.OneOfEach().ElementAt(index);
        var guid = Guid.NewGuid().ToString();
        var body = Encoding.UTF8.GetBytes(payload.ToJsonString());
        var before = await StateAsync();

        Assert.Equal((HttpStatusCode.Unauthorized, null), await PostAsync(eventName, payload, guid, signature: null));
        Assert.Equal(before, await StateAsync());

        Assert.Equal((HttpStatusCode.OK, "applied"), await PostAsync(eventName, payload, guid, WebhookSignature.Sign(Secret, body)));
        var after = await StateAsync();
        Assert.Equal((HttpStatusCode.OK, "replay"), await PostAsync(eventName, payload, guid, WebhookSignature.Sign(Secret, body)));
        Assert.Equal(after, await StateAsync());
        Assert.Equal(1L, await db.ScalarAsync<long>($"select count(*) from webhook_deliveries where guid = '{guid}'"));
    }
}
