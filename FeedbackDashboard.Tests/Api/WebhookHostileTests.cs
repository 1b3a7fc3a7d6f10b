using System.Text.Json.Nodes;
using FeedbackDashboard.Core.Webhooks;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

/// <summary>
/// Signed deliveries that violate GitHub's schema on purpose (nulls, wrong types) or name another installation's data:
/// every one is answered 2xx and recorded, and a delivery changes only rows of its own installation.
/// </summary>
public sealed class WebhookHostileTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private const string Secret = "hostile-secret";
    private AppFactory _app = null!;
    private HttpClient _client = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = new AppFactory(db.ConnectionString, new Dictionary<string, string?> { ["GITHUB_WEBHOOK_SECRET"] = Secret });
        _client = _app.CreateClient();
        await Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    private Task<bool> Is(string sql) => db.ScalarAsync<bool>(sql);

    /// <summary>Delivers (signed, straight to the app: the fake's own log expects well-formed ids) and returns the recorded outcome; the answer must be 2xx.</summary>
    private async Task<string> DeliverAsync(string eventName, JsonNode payload)
    {
        var guid = Guid.NewGuid().ToString();
        var json = payload.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/github/webhooks")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", guid);
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(Secret, System.Text.Encoding.UTF8.GetBytes(json)));
        using var response = await _client.SendAsync(request, Ct);
        var status = (int)response.StatusCode;
        Assert.True(status is >= 200 and < 300, $"{eventName}.{(payload as JsonObject)?["action"]?.ToJsonString()}: {status} for {json[..Math.Min(400, json.Length)]}");
        return await db.ScalarAsync<string>($"select coalesce((select outcome from webhook_deliveries where guid = '{guid}'), 'not recorded')");
    }

    private async Task<(long RepoId, Guid Task)> RepoAsync(string fullName, long githubId, long installation, params (string Kind, long Id)[] comments)
    {
        var task = await db.TaskAsync(fullName, DateTimeOffset.UtcNow.AddHours(-1), installation: installation);
        var repoId = await db.ScalarAsync<long>($"update repositories set github_id = {githubId} where full_name = '{fullName}' returning id");
        foreach (var (kind, id) in comments) await db.CommentAsync(task, kind, id, DateTimeOffset.UtcNow.AddHours(-1));
        return (repoId, task);
    }

    [Fact]
    public async Task An_installation_repositories_delivery_with_a_null_full_name_is_answered_2xx_and_recorded()
    {
        var (repoId, _) = await RepoAsync("hostile/nullname", 610001, 6101);
        var payload = WebhookPayloads.InstallationRepositories("removed", 6101, (610001, "hostile/nullname"));
        payload["repositories_removed"]![0]!["full_name"] = null;

        Assert.NotEqual("not recorded", await DeliverAsync("installation_repositories", payload));
        // The numeric id is enough to know the repository.
        Assert.True(await Is($"select access_lost_at is not null from repositories where id = {repoId}"));
    }

    [Fact]
    public async Task Every_handled_delivery_with_a_field_nulled_or_of_the_wrong_type_is_answered_2xx_and_recorded()
    {
        await RepoAsync("acme/a", 700001, 77, ("inline", 11), ("reply", 12), ("inline", 13));
        var sent = 0;
        foreach (var (eventName, original) in WebhookPayloads.OneOfEach())
        {
            foreach (var path in Paths(original))
            {
                foreach (var hostile in new Func<JsonNode?>[] { () => null, () => JsonValue.Create("x"), () => JsonValue.Create(-1), () => new JsonArray(), () => new JsonObject() })
                {
                    var value = hostile();
                    var payload = original.DeepClone();
                    var (parent, key) = Locate(payload, path);
                    if (parent is JsonObject o) o[(string)key] = value;
                    else ((JsonArray)parent)[(int)key] = value;
                    Assert.NotEqual("not recorded", await DeliverAsync(eventName, payload));
                    sent++;
                }
            }
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{sent} hostile deliveries, every one 2xx and recorded");
    }

    // The fields the receiver reads and the objects that hold them, wherever they sit in the payload.
    private static readonly HashSet<string> Read =
    [
        "action", "installation", "id", "repositories_added", "repositories_removed", "full_name", "name", "repository", "owner", "login",
        "changes", "from", "user", "organization", "comment", "body", "thread", "comments", "node_id", "sender", "type", "member", "membership",
    ];

    private static IEnumerable<List<object>> Paths(JsonNode node, List<object>? at = null)
    {
        at ??= [];
        if (node is JsonObject o)
        {
            foreach (var (key, child) in o)
            {
                if (!Read.Contains(key)) continue;
                var path = new List<object>(at) { key };
                yield return path;
                if (child is not null) foreach (var p in Paths(child, path)) yield return p;
            }
        }
        else if (node is JsonArray a && a.Count > 0)
        {
            var path = new List<object>(at) { 0 };
            yield return path;
            if (a[0] is { } first) foreach (var p in Paths(first, path)) yield return p;
        }
    }

    private static (JsonNode Parent, object Key) Locate(JsonNode root, List<object> path)
    {
        var node = root;
        for (var i = 0; i < path.Count - 1; i++) node = path[i] is string s ? node[s]! : node[(int)path[i]]!;
        return (node, path[^1]);
    }

    [Theory]
    [InlineData("pull_request_review_comment", "inline", 620001)]
    [InlineData("issue_comment", "reply", 620002)]
    public async Task A_comment_deleted_or_edited_delivery_of_another_installation_changes_nothing(string eventName, string kind, long id)
    {
        await RepoAsync($"victim/{kind}", 620000 + id, 6201, (kind, id));
        await db.ExecuteAsync($"update review_comments set body = 'original' where kind = '{kind}' and github_comment_id = {id}");

        await DeliverAsync(eventName, WebhookPayloads.Comment(eventName, "deleted", id, installation: 999));
        await DeliverAsync(eventName, WebhookPayloads.Comment(eventName, "edited", id, "rewritten", installation: 999));
        Assert.True(await Is($"select gone_at is null and body = 'original' from review_comments where kind = '{kind}' and github_comment_id = {id}"));

        // The same deliveries from the comment's own installation apply.
        await DeliverAsync(eventName, WebhookPayloads.Comment(eventName, "edited", id, "rewritten", installation: 6201));
        await DeliverAsync(eventName, WebhookPayloads.Comment(eventName, "deleted", id, installation: 6201));
        Assert.True(await Is($"select gone_at is not null and body = 'rewritten' from review_comments where kind = '{kind}' and github_comment_id = {id}"));
    }

    [Fact]
    public async Task Thread_repository_member_and_organization_deliveries_of_another_installation_change_nothing()
    {
        var (repoId, _) = await RepoAsync("victimorg/repo", 630001, 6301, ("inline", 630011), ("reply", 630012));
        await db.MaintainerAsync("victimorg/repo", 6399, "keeper", "MEMBER");
        const string snapshot = """
            select (select string_agg(github_comment_id || ':' || coalesce(resolved::text, '-') || ':' || coalesce(gone_at::text, '-'), ' ' order by github_comment_id)
                    from review_comments where github_comment_id in (630011, 630012))
                || '|' || coalesce((select string_agg(github_id || ':' || association, ' ' order by github_id) from maintainers where repo_full_name = 'victimorg/repo'), '-')
                || '|' || (select full_name || ':' || coalesce(access_lost_at::text, '-') from repositories where id = {0})
            """;
        var before = await db.ScalarAsync<string>(string.Format(snapshot, repoId));

        await DeliverAsync("pull_request_review_thread", WebhookPayloads.Thread("resolved", [630011], "mallory", installation: 999));
        await DeliverAsync("member", WebhookPayloads.Member("added", 630001, "victimorg/repo", 6398, "mallory", installation: 999));
        await DeliverAsync("member", WebhookPayloads.Member("removed", 630001, "victimorg/repo", 6399, "keeper", installation: 999));
        await DeliverAsync("organization", WebhookPayloads.OrgMember("member_added", "victimorg", 6397, "mallory2", installation: 999));
        await DeliverAsync("organization", WebhookPayloads.OrgMember("member_removed", "victimorg", 6399, "keeper", installation: 999));
        await DeliverAsync("repository", WebhookPayloads.RepositoryRenamed(630001, "victimorg/repo", "victimorg/stolen", installation: 999));
        await DeliverAsync("repository", WebhookPayloads.RepositoryDeleted(630001, "victimorg/repo", installation: 999));

        Assert.Equal(before, await db.ScalarAsync<string>(string.Format(snapshot, repoId)));

        // From its own installation the same thread delivery applies.
        await DeliverAsync("pull_request_review_thread", WebhookPayloads.Thread("resolved", [630011], "alice", installation: 6301));
        Assert.True(await Is("select resolved from review_comments where github_comment_id = 630011"));
    }

    [Fact]
    public async Task A_repository_GitHub_adds_to_another_installation_moves_there_with_its_comments_and_the_api_follows()
    {
        var (repoId, task) = await RepoAsync("moving/repo", 640001, 6401, ("inline", 640011));
        await db.ExecuteAsync($"update repositories set access_lost_at = now() where id = {repoId}");
        await db.ExecuteAsync($"insert into poller_conditions (installation_id, repository_id, kind, since, detail, updated_at) values (6401, {repoId}, 'access_lost', now(), 'gone', now())");
        var payload = WebhookPayloads.InstallationRepositories("added", 6402, (640001, "moving/repo"));

        Assert.Equal("applied", await DeliverAsync("installation_repositories", payload));
        Assert.True(await Is($"select installation_id = 6402 and access_lost_at is null from repositories where id = {repoId}"));
        Assert.True(await Is("select installation_id = 6402 from review_comments where github_comment_id = 640011"));
        Assert.True(await Is($"select not exists (select 1 from poller_conditions where repository_id = {repoId})"));
        // The run keeps the installation it was recorded under; new runs name the repository's new one.
        Assert.True(await Is($"select installation_id = 6401 from tasks where id = '{task}'"));
        using var api = await _app.WithKeyAsync(db, FeedbackDashboard.Core.ApiKeys.Scopes.ReviewWrite);
        Assert.Equal(System.Net.HttpStatusCode.Created, (await api.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "moving/repo", installation: 6402))).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, (await api.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "moving/repo", installation: 6401))).StatusCode);
    }
}
