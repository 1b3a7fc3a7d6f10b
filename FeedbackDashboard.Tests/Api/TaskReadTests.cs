using System.Net;
using System.Text.Json;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackDashboard.Tests.Api;

/// <summary>GET /api/tasks/{id} (what POST's Location points to), Idempotency-Key on POST /api/tasks, and comment states.</summary>
public sealed class TaskReadTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object Run(string repository, int pr = 12, Guid? id = null) => new
    {
        id,
        repository,
        installation_id = 77,
        pr_number = pr,
        pr_author = new { github_id = 501, login = "octo", association = "CONTRIBUTOR" },
        labels = new Dictionary<string, string> { ["model"] = "m-1" },
    };

    private Task<long> RunsAsync(string repository) =>
        db.ScalarAsync<long>($"select count(*) from tasks t join repositories r on r.id = t.repository_id where r.full_name = '{repository}'");

    [Fact]
    public async Task Location_of_a_new_run_answers_the_run_with_its_totals()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var writer = await app.WithKeyAsync(db, Scopes.ReviewWrite);
        var reader = await app.WithKeyAsync(db, Scopes.ReviewRead);

        var created = await writer.PostJsonAsync("/api/tasks", Run("acme/location"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("id").GetGuid();
        await db.CommentAsync(id, "inline", 71_001, DateTimeOffset.UtcNow);
        await db.ReactionAsync("inline", 71_001, 9, "-1");

        var run = await reader.GetAsync(created.Headers.Location, Ct);
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        var body = await run.JsonAsync();
        Assert.Equal(id, body.GetProperty("id").GetGuid());
        Assert.Equal("acme/location", body.GetProperty("repository").GetString());
        Assert.Equal(77, body.GetProperty("installation_id").GetInt64());
        Assert.Equal(12, body.GetProperty("pr_number").GetInt32());
        Assert.Equal("octo", body.GetProperty("pr_author").GetProperty("login").GetString());
        Assert.Equal("m-1", body.GetProperty("labels").GetProperty("model").GetString());
        Assert.Equal("api", body.GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("github_review_id").ValueKind);
        Assert.Equal(1, body.GetProperty("totals").GetProperty("down").GetInt32());
        Assert.Equal(0, body.GetProperty("totals").GetProperty("up").GetInt32());

        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"/api/tasks/{Guid.NewGuid()}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await reader.GetAsync("/api/tasks/not-a-uuid", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await writer.GetAsync($"/api/tasks/{id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task The_same_idempotency_key_answers_the_first_run_again_for_24_hours_and_creates_nothing()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = new AppFactory(db.ConnectionString, services: s => s.AddSingleton<TimeProvider>(time));
        var writer = await app.WithKeyAsync(db, Scopes.ReviewWrite);
        const string repository = "acme/idempotent";

        async Task<HttpResponseMessage> PostAsync(string key, object body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = JsonContent(body) };
            request.Headers.Add("Idempotency-Key", key);
            return await writer.SendAsync(request, Ct);
        }

        var first = await PostAsync("retry-1", Run(repository));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var id = (await first.JsonAsync()).GetProperty("id").GetGuid();

        // A client retrying after a lost answer, several times and at once: one run.
        var retries = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync("retry-1", Run(repository))));
        foreach (var retry in retries)
        {
            Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
            Assert.Equal(id, (await retry.JsonAsync()).GetProperty("id").GetGuid());
            Assert.Equal($"/api/tasks/{id}", retry.Headers.Location?.ToString());
            Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        }
        Assert.Equal(1, await RunsAsync(repository));

        var conflict = await PostAsync("retry-1", Run(repository, pr: 13));
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.True((await conflict.JsonAsync()).GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        Assert.Equal(1, await RunsAsync(repository));

        var other = await PostAsync("retry-2", Run(repository));
        Assert.NotEqual(id, (await other.JsonAsync()).GetProperty("id").GetGuid());
        Assert.Equal(2, await RunsAsync(repository));

        time.Advance(TimeSpan.FromHours(25));
        var later = await PostAsync("retry-1", Run(repository));
        Assert.Equal(HttpStatusCode.Created, later.StatusCode);
        Assert.NotEqual(id, (await later.JsonAsync()).GetProperty("id").GetGuid());
        Assert.Equal(3, await RunsAsync(repository));

        var bad = await PostAsync(new string('k', 256), Run(repository));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(3, await RunsAsync(repository));
    }

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body, ApiClients.Json), System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task Comments_carry_their_state_polled_gone_or_paused_when_the_repository_lost_access()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var reader = await app.WithKeyAsync(db, Scopes.ReviewRead);
        var now = DateTimeOffset.UtcNow;
        var task = await db.TaskAsync("acme/states", now);
        await db.CommentAsync(task, "inline", 72_001, now);
        await db.CommentAsync(task, "inline", 72_002, now);
        await db.ExecuteAsync("update review_comments set gone_at = now() where github_comment_id = 72002");

        async Task<Dictionary<long, string>> StatesAsync()
        {
            var feedback = await (await reader.GetAsync($"/api/tasks/{task}/feedback", Ct)).JsonAsync();
            return feedback.GetProperty("comments").EnumerateArray()
                .ToDictionary(c => c.GetProperty("github_comment_id").GetInt64(), c => c.GetProperty("state").GetString()!);
        }

        Assert.Equal(new Dictionary<long, string> { [72_001] = "polled", [72_002] = "gone" }, await StatesAsync());
        await db.ExecuteAsync("update repositories set access_lost_at = now() where full_name = 'acme/states'");
        Assert.Equal(new Dictionary<long, string> { [72_001] = "paused", [72_002] = "gone" }, await StatesAsync());
        await db.ExecuteAsync("update repositories set access_lost_at = null where full_name = 'acme/states'");
        Assert.Equal("polled", (await StatesAsync())[72_001]);
    }
}
