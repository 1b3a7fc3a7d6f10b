using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

/// <summary>
/// GitHub's deliveries, made from its published examples, signed and POSTed by the fake GitHub to the real app on a
/// real database: the signature rules, once per delivery, and each event's effect, checked within one second of sending.
/// </summary>
public sealed class WebhookTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private const string Secret = "It's a Secret to Everybody";
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(1);
    private AppFactory _app = null!;
    private FakeGitHub _fake = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = new AppFactory(db.ConnectionString, new Dictionary<string, string?> { ["GITHUB_WEBHOOK_SECRET"] = Secret });
        _fake = await FakeGitHub.StartAsync();
        _fake.WebhookSecret = Secret;
        _fake.WebhookTarget = _app.CreateClient();
        // The host starts on its first request: a ping first, so the timings below measure deliveries, not the start.
        Assert.Equal(200, await _fake.DeliverAsync("ping", new JsonObject { ["zen"] = "Speak like a human." }));
    }

    public async ValueTask DisposeAsync()
    {
        _fake.WebhookTarget?.Dispose();
        await _fake.DisposeAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Delivers, expects a 2xx, and waits (at most a second) until <paramref name="visible"/> holds; returns the time it took.</summary>
    private async Task<TimeSpan> DeliverAsync(string eventName, JsonNode payload, Func<Task<bool>> visible, string? guid = null)
    {
        var clock = Stopwatch.StartNew();
        var status = await _fake.DeliverAsync(eventName, payload, guid);
        Assert.Equal(200, status);
        while (!await visible())
        {
            Assert.True(clock.Elapsed < Visible, $"{eventName}.{payload["action"]}: no effect within {Visible.TotalSeconds} s");
            await Task.Delay(10, Ct);
        }
        Assert.True(clock.Elapsed < Visible, $"{eventName}.{payload["action"]}: visible only after {clock.Elapsed.TotalMilliseconds:F0} ms");
        TestContext.Current.TestOutputHelper?.WriteLine($"{eventName}.{payload["action"]}: visible after {clock.Elapsed.TotalMilliseconds:F0} ms");
        return clock.Elapsed;
    }

    private Task<bool> Is(string sql) => db.ScalarAsync<bool>(sql);

    private async Task<(long RepoId, Guid Task)> RepoWithCommentsAsync(string fullName, long githubId, params (string Kind, long Id)[] comments)
    {
        var task = await db.TaskAsync(fullName, DateTimeOffset.UtcNow.AddHours(-1));
        var repoId = await db.ScalarAsync<long>($"update repositories set github_id = {githubId} where full_name = '{fullName}' returning id");
        foreach (var (kind, id) in comments) await db.CommentAsync(task, kind, id, DateTimeOffset.UtcNow.AddHours(-1));
        return (repoId, task);
    }

    [Fact]
    public async Task Without_a_secret_the_endpoint_answers_404()
    {
        await using var app = new AppFactory(db.ConnectionString);
        using var client = app.CreateClient();
        var response = await client.PostRawAsync("/api/github/webhooks", "{}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_missing_or_wrong_signature_is_a_counted_401_problem_and_changes_nothing()
    {
        await RepoWithCommentsAsync("sig/repo", 810001, ("inline", 8101));
        var payload = WebhookPayloads.Comment("pull_request_review_comment", "deleted", 8101);
        var before = await db.ScalarAsync<long>("select coalesce(sum(rejected), 0)::bigint from webhook_rejections");

        var guid = Guid.NewGuid().ToString();
        _fake.WebhookSecret = null;
        Assert.Equal(401, await _fake.DeliverAsync("pull_request_review_comment", payload, guid));
        Assert.Equal(401, await _fake.DeliverAsync("pull_request_review_comment", payload, guid, signature: "sha256=" + new string('0', 64)));
        Assert.Equal(401, await _fake.DeliverAsync("pull_request_review_comment", payload, guid, signature: "sha256=zz"));
        _fake.WebhookSecret = "another secret";
        Assert.Equal(401, await _fake.DeliverAsync("pull_request_review_comment", payload, guid));
        _fake.WebhookSecret = Secret;

        using var client = _app.CreateClient();
        var raw = await client.PostRawAsync("/api/github/webhooks", payload.ToJsonString());
        Assert.Equal(HttpStatusCode.Unauthorized, raw.StatusCode);
        Assert.Equal("application/problem+json", raw.Content.Headers.ContentType?.MediaType);
        Assert.Contains("X-Hub-Signature-256", (await raw.JsonAsync()).GetProperty("detail").GetString());

        Assert.True(await Is("select gone_at is null from review_comments where github_comment_id = 8101"));
        Assert.Equal(before + 5, await db.ScalarAsync<long>("select coalesce(sum(rejected), 0)::bigint from webhook_rejections"));
        Assert.False(await Is($"select exists (select 1 from webhook_deliveries where guid = '{guid}')"));
    }

    [Fact]
    public async Task Each_delivery_is_applied_once_and_a_replay_is_acknowledged_and_ignored()
    {
        await RepoWithCommentsAsync("once/repo", 820001, ("reply", 8201));
        var guid = Guid.NewGuid().ToString();
        await DeliverAsync("issue_comment", WebhookPayloads.Comment("issue_comment", "edited", 8201, "first"),
            () => Is("select body = 'first' from review_comments where github_comment_id = 8201"), guid);

        // The same delivery again (GitHub's redelivery), even with another body: acknowledged, nothing changes.
        using var client = _app.CreateClient();
        Assert.Equal(200, await _fake.DeliverAsync("issue_comment", WebhookPayloads.Comment("issue_comment", "edited", 8201, "second"), guid));
        Assert.Equal("first", await db.ScalarAsync<string>("select body from review_comments where github_comment_id = 8201"));
        Assert.Equal(1L, await db.ScalarAsync<long>($"select count(*) from webhook_deliveries where guid = '{guid}'"));
    }

    [Fact]
    public async Task Unknown_events_and_actions_and_unusable_payloads_are_acknowledged()
    {
        var push = Guid.NewGuid().ToString();
        Assert.Equal(200, await _fake.DeliverAsync("push", new JsonObject { ["ref"] = "refs/heads/main" }, push));
        var created = Guid.NewGuid().ToString();
        Assert.Equal(200, await _fake.DeliverAsync("issue_comment", WebhookPayloads.Example("issue_comment", "created"), created));
        var broken = Guid.NewGuid().ToString();
        var payload = WebhookPayloads.InstallationRepositories("removed", 77, (1, "x/y"));
        payload.Remove("repositories_removed");
        Assert.Equal(200, await _fake.DeliverAsync("installation_repositories", payload, broken));
        var notJson = Guid.NewGuid().ToString();
        Assert.Equal(200, await _fake.DeliverAsync("installation", JsonValue.Create("not an object")!, notJson));

        Assert.Equal("ignored", await db.ScalarAsync<string>($"select outcome from webhook_deliveries where guid = '{push}'"));
        Assert.Equal("ignored", await db.ScalarAsync<string>($"select outcome from webhook_deliveries where guid = '{created}'"));
        Assert.Equal("failed", await db.ScalarAsync<string>($"select outcome from webhook_deliveries where guid = '{broken}'"));
        Assert.Equal("failed", await db.ScalarAsync<string>($"select outcome from webhook_deliveries where guid = '{notJson}'"));
    }

    [Fact]
    public async Task A_repository_removed_from_the_installation_pauses_and_comes_back_when_added()
    {
        var (repoId, _) = await RepoWithCommentsAsync("access/one", 830001, ("inline", 8301));
        await RepoWithCommentsAsync("access/two", 830002, ("inline", 8302));
        await db.ExecuteAsync("update review_comments set next_due_at = now() + interval '1 day' where github_comment_id = 8301");

        await DeliverAsync("installation_repositories", WebhookPayloads.InstallationRepositories("removed", 77, (830001, "access/one")),
            () => Is($"select access_lost_at is not null from repositories where id = {repoId}"));
        Assert.True(await Is($"select exists (select 1 from poller_conditions where repository_id = {repoId} and kind = 'access_lost')"));
        Assert.True(await Is("select access_lost_at is null from repositories where full_name = 'access/two'"));
        Assert.True(await Is("select gone_at is null from review_comments where github_comment_id = 8301"));

        await DeliverAsync("installation_repositories", WebhookPayloads.InstallationRepositories("added", 77, (830001, "access/one")),
            () => Is($"select access_lost_at is null from repositories where id = {repoId}"));
        Assert.False(await Is($"select exists (select 1 from poller_conditions where repository_id = {repoId} and kind = 'access_lost')"));
        Assert.True(await Is("select next_due_at <= now() from review_comments where github_comment_id = 8301"));
    }

    [Fact]
    public async Task A_suspended_or_deleted_installation_pauses_all_its_repositories_and_unsuspend_resumes_them()
    {
        await db.TaskAsync("susp/a", DateTimeOffset.UtcNow, installation: 4501);
        await db.TaskAsync("susp/b", DateTimeOffset.UtcNow, installation: 4501);
        await db.TaskAsync("susp/other", DateTimeOffset.UtcNow, installation: 4502);
        const string paused = "select count(*) = 2 from repositories where installation_id = 4501 and access_lost_at is not null";

        await DeliverAsync("installation", WebhookPayloads.Installation("suspend", 4501), () => Is(paused));
        Assert.True(await Is("select count(*) = 2 from poller_conditions where installation_id = 4501 and kind = 'access_lost'"));
        Assert.True(await Is("select access_lost_at is null from repositories where full_name = 'susp/other'"));

        await DeliverAsync("installation", WebhookPayloads.Installation("unsuspend", 4501),
            () => Is("select count(*) = 0 from repositories where installation_id = 4501 and access_lost_at is not null"));
        await DeliverAsync("installation", WebhookPayloads.Installation("deleted", 4501), () => Is(paused));
    }

    [Fact]
    public async Task A_renamed_or_transferred_repository_follows_by_its_numeric_id_with_its_maintainers()
    {
        var (repoId, _) = await RepoWithCommentsAsync("move/old", 840001, ("inline", 8401));
        await db.MaintainerAsync("move/old", 9001, "keeper", "COLLABORATOR");

        await DeliverAsync("repository", WebhookPayloads.RepositoryRenamed(840001, "move/old", "move/New"),
            () => Is($"select full_name = 'move/new' from repositories where id = {repoId}"));
        Assert.True(await Is("select exists (select 1 from maintainers where repo_full_name = 'move/new' and github_id = 9001)"));
        Assert.True(await Is($"select exists (select 1 from poller_conditions where repository_id = {repoId} and kind = 'renamed')"));

        await DeliverAsync("repository", WebhookPayloads.RepositoryTransferred(840001, "move/new", "elsewhere/new"),
            () => Is($"select full_name = 'elsewhere/new' and owner = 'elsewhere' from repositories where id = {repoId}"));
        Assert.True(await Is("select exists (select 1 from maintainers where repo_full_name = 'elsewhere/new' and github_id = 9001)"));

        // Late: a rename already followed (by a poll or an earlier delivery) changes nothing.
        Assert.Equal(200, await _fake.DeliverAsync("repository", WebhookPayloads.RepositoryTransferred(840001, "move/new", "elsewhere/new")));
        Assert.True(await Is($"select full_name = 'elsewhere/new' from repositories where id = {repoId}"));
    }

    [Fact]
    public async Task A_deleted_repository_retires_its_comments_and_keeps_their_feedback()
    {
        await RepoWithCommentsAsync("gone/repo", 850001, ("inline", 8501), ("reply", 8502));
        await db.ReactionAsync("inline", 8501, 10, "+1");

        await DeliverAsync("repository", WebhookPayloads.RepositoryDeleted(850001, "gone/repo"),
            () => Is("select count(*) = 2 from review_comments where github_comment_id in (8501, 8502) and gone_at is not null"));
        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from review_feedback where github_comment_id = 8501"));
    }

    [Theory]
    [InlineData("pull_request_review_comment", "inline", 8601)]
    [InlineData("issue_comment", "reply", 8602)]
    public async Task A_comment_edited_updates_its_text_and_deleted_retires_it_keeping_feedback(string eventName, string kind, long id)
    {
        await RepoWithCommentsAsync($"cmt/{kind}", 860000 + id, (kind, id));
        await db.ReactionAsync(kind, id, 10, "-1");

        await DeliverAsync(eventName, WebhookPayloads.Comment(eventName, "edited", id, "Fixed: use a parameter\nhere"),
            () => Is($"select body = E'Fixed: use a parameter\\nhere' from review_comments where kind = '{kind}' and github_comment_id = {id}"));
        await DeliverAsync(eventName, WebhookPayloads.Comment(eventName, "deleted", id),
            () => Is($"select gone_at is not null from review_comments where kind = '{kind}' and github_comment_id = {id}"));
        Assert.Equal(1L, await db.ScalarAsync<long>($"select count(*) from review_feedback where kind = '{kind}' and github_comment_id = {id}"));
    }

    [Fact]
    public async Task A_thread_resolved_or_unresolved_updates_its_comments_with_who_resolved_it()
    {
        await RepoWithCommentsAsync("thread/repo", 870001, ("inline", 8701), ("inline", 8702), ("inline", 8703));
        const string state = "select string_agg(github_comment_id || ':' || coalesce(resolved::text, '-') || ':' || coalesce(resolved_by, '-') || ':' || coalesce(resolved_by_bot::text, '-'), ' ' order by github_comment_id) from review_comments where github_comment_id in (8701, 8702, 8703)";

        await DeliverAsync("pull_request_review_thread", WebhookPayloads.Thread("resolved", [8701, 8702], "alice", threadNodeId: "PRRT_t1"),
            async () => await db.ScalarAsync<string>(state) == "8701:true:alice:false 8702:true:alice:false 8703:-:-:-");
        Assert.True(await Is("select thread_node_id = 'PRRT_t1' from review_comments where github_comment_id = 8701"));

        await DeliverAsync("pull_request_review_thread", WebhookPayloads.Thread("unresolved", [8701, 8702], "bob"),
            async () => await db.ScalarAsync<string>(state) == "8701:false:-:- 8702:false:-:- 8703:-:-:-");

        await DeliverAsync("pull_request_review_thread", WebhookPayloads.Thread("resolved", [8703], "review-bot[bot]", "Bot"),
            async () => (await db.ScalarAsync<string>(state)).EndsWith("8703:true:review-bot[bot]:true"));
    }

    [Fact]
    public async Task A_collaborator_added_or_removed_changes_that_persons_maintainers_row_at_once()
    {
        await RepoWithCommentsAsync("team/repo", 880001);
        await db.MaintainerAsync("team/repo", 9102, "orgperson", "MEMBER");
        const string rows = "select coalesce(string_agg(github_id || ':' || login || ':' || association, ' ' order by github_id), '') from maintainers where repo_full_name = 'team/repo'";

        await DeliverAsync("member", WebhookPayloads.Member("added", 880001, "team/repo", 9101, "carol"),
            async () => await db.ScalarAsync<string>(rows) == "9101:carol:COLLABORATOR 9102:orgperson:MEMBER");
        // An org member made a collaborator too keeps the stronger role; edited keeps the row.
        await DeliverAsync("member", WebhookPayloads.Member("added", 880001, "team/repo", 9102, "orgperson"),
            async () => await db.ScalarAsync<string>(rows) == "9101:carol:COLLABORATOR 9102:orgperson:MEMBER");
        await DeliverAsync("member", WebhookPayloads.Member("edited", 880001, "team/repo", 9101, "carol2"),
            async () => await db.ScalarAsync<string>(rows) == "9101:carol2:COLLABORATOR 9102:orgperson:MEMBER");
        await DeliverAsync("member", WebhookPayloads.Member("removed", 880001, "team/repo", 9101, "carol2"),
            async () => await db.ScalarAsync<string>(rows) == "9102:orgperson:MEMBER");
    }

    [Fact]
    public async Task An_org_member_added_or_removed_changes_their_rows_on_every_registered_repository_of_the_org()
    {
        await RepoWithCommentsAsync("guild/one", 890001);
        await RepoWithCommentsAsync("guild/two", 890002);
        await RepoWithCommentsAsync("outsiders/three", 890003);
        await db.MaintainerAsync("guild/two", 9201, "dave", "OWNER");
        const string rows = "select coalesce(string_agg(repo_full_name || ':' || association, ' ' order by repo_full_name), '') from maintainers where github_id = 9201";

        await DeliverAsync("organization", WebhookPayloads.OrgMember("member_added", "Guild", 9201, "dave"),
            async () => await db.ScalarAsync<string>(rows) == "guild/one:MEMBER guild/two:OWNER");
        await DeliverAsync("organization", WebhookPayloads.OrgMember("member_removed", "guild", 9201, "dave"),
            async () => await db.ScalarAsync<string>(rows) == "guild/two:OWNER");

        // A member who is a direct collaborator too stays one when they leave the org; removed as a collaborator
        // after that, their row goes.
        await DeliverAsync("organization", WebhookPayloads.OrgMember("member_added", "guild", 9202, "erin"),
            async () => await db.ScalarAsync<long>("select count(*) from maintainers where github_id = 9202") == 2);
        await DeliverAsync("member", WebhookPayloads.Member("added", 890001, "guild/one", 9202, "erin"),
            async () => await db.ScalarAsync<bool>("select collaborator from maintainers where github_id = 9202 and repo_full_name = 'guild/one'"));
        const string erin = "select coalesce(string_agg(repo_full_name || ':' || association, ' ' order by repo_full_name), '') from maintainers where github_id = 9202";
        Assert.Equal("guild/one:MEMBER guild/two:MEMBER", await db.ScalarAsync<string>(erin));
        await DeliverAsync("organization", WebhookPayloads.OrgMember("member_removed", "guild", 9202, "erin"),
            async () => await db.ScalarAsync<string>(erin) == "guild/one:COLLABORATOR");
        await DeliverAsync("member", WebhookPayloads.Member("removed", 890001, "guild/one", 9202, "erin"),
            async () => await db.ScalarAsync<string>(erin) == "");
    }

    [Fact]
    public async Task Two_hundred_concurrent_deliveries_all_answer_2xx_and_each_is_applied_once()
    {
        var comments = Enumerable.Range(0, 150).Select(i => ("reply", 900_000L + i)).ToArray();
        await RepoWithCommentsAsync("busy/repo", 900001, comments);
        var deliveries = comments.Select(c => (Guid: Guid.NewGuid().ToString(), Id: c.Item2)).ToList();
        // 150 deliveries and 50 of them twice at the same time, as GitHub's retries and redeliveries can overlap.
        var sends = deliveries.Concat(deliveries.Take(50)).OrderBy(_ => Random.Shared.Next())
            .Select(d => Task.Run(() => _fake.DeliverAsync("issue_comment", WebhookPayloads.Comment("issue_comment", "edited", d.Id, $"text {d.Id}"), d.Guid)))
            .ToList();
        var clock = Stopwatch.StartNew();
        var statuses = await Task.WhenAll(sends);
        TestContext.Current.TestOutputHelper?.WriteLine($"200 concurrent deliveries answered in {clock.ElapsedMilliseconds} ms");

        Assert.All(statuses, s => Assert.InRange(s, 200, 299));
        var guids = string.Join(",", deliveries.Select(d => $"'{d.Guid}'"));
        Assert.Equal(150L, await db.ScalarAsync<long>($"select count(*) from webhook_deliveries where guid in ({guids}) and outcome = 'applied'"));
        Assert.Equal(150L, await db.ScalarAsync<long>("select count(*) from review_comments where github_comment_id between 900000 and 900149 and body = 'text ' || github_comment_id"));
    }

    [Fact]
    public async Task Poller_health_shows_deliveries_by_event_rejected_signatures_and_the_last_delivery()
    {
        Assert.Equal(200, await _fake.DeliverAsync("ping", new JsonObject { ["zen"] = "Keep it logically awesome." }));
        Assert.Equal(200, await _fake.DeliverAsync("ping", new JsonObject { ["zen"] = "Design for failure." }));
        Assert.Equal(401, await _fake.DeliverAsync("ping", new JsonObject(), signature: "sha256=bad"));

        using var client = await _app.WithKeyAsync(db, Scopes.ReviewRead);
        var webhooks = (await (await client.GetAsync("/api/poller/health", Ct)).JsonAsync()).GetProperty("webhooks");
        Assert.True(webhooks.GetProperty("deliveries_last_hour").GetProperty("ping").GetInt32() >= 2);
        Assert.True(webhooks.GetProperty("rejected_signatures").GetInt32() >= 1);
        Assert.True(DateTimeOffset.UtcNow - webhooks.GetProperty("last_delivery_at").GetDateTimeOffset() < TimeSpan.FromMinutes(1));
    }
}
