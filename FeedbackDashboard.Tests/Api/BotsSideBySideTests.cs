using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

/// <summary>
/// Issue 32's bots side by side: compare paired=true and the leaderboard. One repository of installation 77, on 2026-11-10:
/// PR 1: alpha 10 comments (5 👍, 5 👎), beta 10 (5 👍, 5 👎), gamma 1 (no reaction);
/// PR 3: alpha only, 30 comments each 👍 (alpha looks better unpaired, only because of a pull request beta never saw);
/// PR 4: beta 2 comments (no reaction), gamma 20 each 👍.
/// A run of installation 88 in the same repository (delta, 5 comments each 👍) is out of reach of a key limited to 77.
/// </summary>
public sealed class BotsSideBySideTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private static readonly DateTimeOffset Day = DateTimeOffset.Parse("2026-11-10T10:00:00Z");
    private const string Period = "from=2026-11-01&to=2026-11-15";

    private AppFactory _app = null!;
    private HttpClient _reader = null!;
    private readonly string _repo = "acme/sbs" + Guid.NewGuid().ToString("N")[..8];
    private readonly long _base = Random.Shared.NextInt64(1, 1_000_000) * 1000;
    private int _next;

    public async ValueTask InitializeAsync()
    {
        _app = new AppFactory(db.ConnectionString);
        _reader = await _app.WithKeyAsync(db, Scopes.ReviewRead);
        // Installation 88 first: registering the repository again under 77 leaves it there.
        await BotRunAsync("delta", 1, 5, up: 5, down: 0, installation: 88);
        await BotRunAsync("alpha", 1, 10, up: 5, down: 5);
        await BotRunAsync("beta", 1, 10, up: 5, down: 5);
        await BotRunAsync("gamma", 1, 1, up: 0, down: 0);
        await BotRunAsync("alpha", 3, 30, up: 30, down: 0);
        await BotRunAsync("beta", 4, 2, up: 0, down: 0);
        await BotRunAsync("gamma", 4, 20, up: 20, down: 0);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>An observed run of a bot on a pull request: its comments, the first `up` drawing a 👍, the next `down` a 👎.</summary>
    private async Task BotRunAsync(string bot, int pr, int comments, int up, int down, long installation = 77)
    {
        var task = await db.TaskAsync(_repo, Day, pr, installation: installation);
        await db.ExecuteAsync($"update tasks set labels = jsonb_build_object('bot', '{bot}'), source = 'observed' where id = '{task}'");
        var first = _base + _next;
        _next += comments;
        await db.ExecuteAsync($"""
            insert into review_comments (kind, github_comment_id, task_id, file, line, created_at)
            select 'inline', {first} + i, '{task}', 'src/a.cs', i, '{Day:O}'::timestamptz + i * interval '1 minute'
            from generate_series(1, {comments}) i;
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select 'inline', {first} + i, 9000 + i, 'user' || i, case when i <= {up} then '+1' else '-1' end, '{Day:O}'
            from generate_series(1, {up + down}) i;
            """);
    }

    private async Task<JsonElement> GetJsonAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url, Ct);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return await response.JsonAsync();
    }

    private static (int Comments, int Up, int Down) Counts(JsonElement group) =>
        (group.GetProperty("comments").GetInt32(), group.GetProperty("up").GetInt32(), group.GetProperty("down").GetInt32());

    [Fact]
    public async Task Paired_compare_counts_only_the_pull_requests_both_bots_commented_on_and_can_change_the_verdict()
    {
        var compare = $"/api/analytics/compare?repository={_repo}&{Period}&label=bot&a=alpha&b=beta";
        var unpaired = await GetJsonAsync(_reader, compare);
        Assert.Equal((40, 35, 5), Counts(unpaired.GetProperty("a")));
        Assert.Equal((12, 5, 5), Counts(unpaired.GetProperty("b")));
        Assert.Equal(3, unpaired.GetProperty("pull_requests").GetInt32());
        Assert.Equal("a_better", unpaired.GetProperty("verdict").GetString());

        var paired = await GetJsonAsync(_reader, compare + "&paired=true");
        Assert.Equal((10, 5, 5), Counts(paired.GetProperty("a")));
        Assert.Equal((10, 5, 5), Counts(paired.GetProperty("b")));
        Assert.Equal(1, paired.GetProperty("pull_requests").GetInt32());
        Assert.Equal(0.0, paired.GetProperty("acceptance_diff").GetDouble());
        Assert.Equal("no_difference", paired.GetProperty("verdict").GetString());
        Assert.Equal(10, paired.GetProperty("a_series").EnumerateArray().Sum(p => p.GetProperty("comments").GetInt32()));

        // alpha and gamma share PR 1 only; paired=false is the unpaired answer.
        var gamma = await GetJsonAsync(_reader, $"/api/analytics/compare?repository={_repo}&{Period}&label=bot&a=alpha&b=gamma&paired=true");
        Assert.Equal(((10, 5, 5), (1, 0, 0), 1), (Counts(gamma.GetProperty("a")), Counts(gamma.GetProperty("b")), gamma.GetProperty("pull_requests").GetInt32()));
        Assert.Equal(3, (await GetJsonAsync(_reader, compare + "&paired=false")).GetProperty("pull_requests").GetInt32());
    }

    [Fact]
    public async Task Paired_compare_refuses_bad_input_with_a_problem_naming_the_field()
    {
        foreach (var (url, field) in new[]
                 {
                     ($"/api/analytics/compare?repository={_repo}&label=bot&a=alpha&b=beta&paired=yes", "paired"),
                     ($"/api/analytics/compare?repository={_repo}&a_from=2026-11-01&a_to=2026-11-05&b_from=2026-11-05&b_to=2026-11-10&paired=true", "paired"),
                 })
        {
            using var response = await _reader.GetAsync(url, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _), url);
        }
    }

    [Fact]
    public async Task Leaderboard_ranks_bots_by_the_low_end_of_acceptance_and_counts_shared_pull_requests()
    {
        var board = await GetJsonAsync(_reader, $"/api/bots/leaderboard?repository={_repo}&{Period}");
        var bots = board.GetProperty("bots").EnumerateArray().ToList();
        Assert.Equal(["gamma", "alpha", "delta", "beta"], bots.Select(b => b.GetProperty("bot").GetString()));
        var alpha = bots.Single(b => b.GetProperty("bot").GetString() == "alpha");
        Assert.Equal((40, 35, 5), Counts(alpha));
        Assert.Equal(2, alpha.GetProperty("pull_requests").GetInt32());
        Assert.Equal("alpha", alpha.GetProperty("key").GetString());
        Assert.True(alpha.GetProperty("acceptance_low").GetDouble() < 0.875 && alpha.GetProperty("acceptance_high").GetDouble() > 0.875);
        Assert.Equal(2, bots.Single(b => b.GetProperty("bot").GetString() == "gamma").GetProperty("pull_requests").GetInt32());

        // The leaderboard's figures are group_by=bot's, field for field.
        var groups = (await GetJsonAsync(_reader, $"/api/analytics/feedback?repository={_repo}&{Period}&group_by=bot")).GetProperty("groups");
        foreach (var group in groups.EnumerateArray())
        {
            var standing = bots.Single(b => b.GetProperty("bot").GetString() == group.GetProperty("key").GetString());
            foreach (var field in group.EnumerateObject())
                Assert.Equal(field.Value.ToString(), standing.GetProperty(field.Name).ToString());
        }

        var overlap = board.GetProperty("overlap").EnumerateArray()
            .ToDictionary(o => (o.GetProperty("a").GetString(), o.GetProperty("b").GetString()), o => o.GetProperty("shared_pull_requests").GetInt32());
        Assert.Equal(new Dictionary<(string?, string?), int>
        {
            [("alpha", "beta")] = 1,
            [("alpha", "delta")] = 1,
            [("alpha", "gamma")] = 1,
            [("beta", "delta")] = 1,
            [("beta", "gamma")] = 2,
            [("delta", "gamma")] = 1,
        }, overlap);

        // The analytics filters apply: one bot, or a period without comments.
        var beta = await GetJsonAsync(_reader, $"/api/bots/leaderboard?repository={_repo}&{Period}&bot=beta");
        Assert.Equal(["beta"], beta.GetProperty("bots").EnumerateArray().Select(b => b.GetProperty("bot").GetString()));
        Assert.Empty(beta.GetProperty("overlap").EnumerateArray());
        var empty = await GetJsonAsync(_reader, $"/api/bots/leaderboard?repository={_repo}&from=2026-10-01&to=2026-10-15");
        Assert.Empty(empty.GetProperty("bots").EnumerateArray());

        using var bad = await _reader.GetAsync($"/api/bots/leaderboard?repository={_repo}&bot=Not%20A%20Bot&role=nobody", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("bot", out _) && errors.TryGetProperty("role", out _));
    }

    [Fact]
    public async Task A_key_limited_to_installations_sees_only_their_runs_on_the_leaderboard()
    {
        var key = await new ApiKeyService(db.DbFactory, TimeProvider.System).CreateAsync("limited-" + Guid.NewGuid().ToString("N")[..6],
            [Scopes.ReviewRead], [77], Ct);
        var limited = _app.CreateClient();
        limited.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        var board = await GetJsonAsync(limited, $"/api/bots/leaderboard?repository={_repo}&{Period}");
        Assert.Equal(["gamma", "alpha", "beta"], board.GetProperty("bots").EnumerateArray().Select(b => b.GetProperty("bot").GetString()));
        Assert.DoesNotContain(board.GetProperty("overlap").EnumerateArray(), o => o.GetProperty("b").GetString() == "delta");

        using var everywhere = await limited.GetAsync($"/api/bots/leaderboard?{Period}", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, everywhere.StatusCode);
        await db.RepoAsync("acme/elsewhere" + _base, 99);
        using var elsewhere = await limited.GetAsync($"/api/bots/leaderboard?repository=acme/elsewhere{_base}&{Period}", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.StatusCode);

        // Paired compare for the same key: delta's comments are not its to see, so no pull request is shared with it.
        var compare = await GetJsonAsync(limited, $"/api/analytics/compare?repository={_repo}&{Period}&label=bot&a=alpha&b=delta&paired=true");
        Assert.Equal((0, 0, 0, 0), (Counts(compare.GetProperty("a")).Comments, Counts(compare.GetProperty("b")).Comments,
            compare.GetProperty("pull_requests").GetInt32(), Counts(compare.GetProperty("a")).Up));
    }
}
