using System.Net;
using System.Text.Json;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

/// <summary>
/// Issue 33's figures at the API, over a known set in its own repository. The per-comment columns (suggested lines,
/// applied commit, disposition, re-raise link) are set with SQL, as the GitHub detection would leave them.
/// Run A (bot rabbit) posts 20 comments on 2026-11-10 (a whole day: read from the rollups), run B (bot copilot) 20 on
/// 2026-11-12 08:00 (a partial day at the period's end: read from the comments).
/// A: 1-10 rule r-a with a suggestion, 11-20 rule r-b; 1-8 applied; 9-12 addressed, 13-15 dismissed, 16-20 open;
/// 16-18 re-raise 13-15. B: all rule r-a; 1-10 with a suggestion, 1-2 applied; 3 dismissed, the rest open;
/// 11-14 re-raise 3. So: 40 comments, 20 suggestions, 10 applied (50 %), 7 re-raised, dispositions 10/4/4/22.
/// </summary>
public sealed class DispositionFiguresTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private static readonly DateTimeOffset DayA = DateTimeOffset.Parse("2026-11-10T06:00:00Z");
    private static readonly DateTimeOffset DayB = DateTimeOffset.Parse("2026-11-12T08:00:00Z");
    private const string Period = "from=2026-11-09T12:00:00Z&to=2026-11-12T12:00:00Z";
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";

    private AppFactory _app = null!;
    private HttpClient _writer = null!;
    private HttpClient _reader = null!;
    private readonly string _repo = "acme/disp" + Guid.NewGuid().ToString("N")[..8];
    private readonly long _base = Random.Shared.NextInt64(1, 1_000_000) * 1000;
    private Guid _a, _b;

    public async ValueTask InitializeAsync()
    {
        _app = new AppFactory(db.ConnectionString);
        _writer = await _app.WithKeyAsync(db, Scopes.ReviewWrite);
        _reader = await _app.WithKeyAsync(db, Scopes.ReviewRead);
        _a = await RunAsync("rabbit", DayA, i => i <= 10 ? "r-a" : "r-b", 0);
        _b = await RunAsync("copilot", DayB, _ => "r-a", 100);
        await db.ExecuteAsync($"""
            update review_comments set suggested_lines = 'return x;' where github_comment_id between {A(1)} and {A(10)};
            update review_comments set applied_commit = '{Sha}', disposition = 'applied' where github_comment_id between {A(1)} and {A(8)};
            update review_comments set disposition = 'addressed' where github_comment_id between {A(9)} and {A(12)};
            update review_comments set disposition = 'dismissed' where github_comment_id between {A(13)} and {A(15)};
            update review_comments set reraise_of = github_comment_id - 3 where github_comment_id between {A(16)} and {A(18)};
            update review_comments set suggested_lines = E'a\nb' where github_comment_id between {B(1)} and {B(10)};
            update review_comments set applied_commit = '{Sha}', disposition = 'applied' where github_comment_id between {B(1)} and {B(2)};
            update review_comments set disposition = 'dismissed' where github_comment_id = {B(3)};
            update review_comments set reraise_of = {B(3)} where github_comment_id between {B(11)} and {B(14)};
            """);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private long A(int i) => _base + i;
    private long B(int i) => _base + 100 + i;

    private async Task<Guid> RunAsync(string bot, DateTimeOffset at, Func<int, string> rule, int offset)
    {
        var created = await _writer.PostJsonAsync("/api/tasks", new
        {
            repository = _repo,
            installation_id = 77,
            pr_number = 3,
            created_at = at,
            pr_author = new { github_id = 501, login = "octo", association = "CONTRIBUTOR" },
            labels = new Dictionary<string, string> { ["bot"] = bot },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("id").GetGuid();
        var list = Enumerable.Range(1, 20).Select(i => new
        {
            kind = "inline",
            github_comment_id = _base + offset + i,
            file = "src/a.cs",
            line = i,
            created_at = at.AddMinutes(i),
            rule = rule(i),
        }).ToArray();
        Assert.Equal(HttpStatusCode.OK, (await _writer.PostJsonAsync($"/api/tasks/{id}/comments", list)).StatusCode);
        return id;
    }

    private async Task<JsonElement> GetJsonAsync(string url)
    {
        var response = await _reader.GetAsync(url, Ct);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return await response.JsonAsync();
    }

    private static JsonElement Group(JsonElement groups, string key) => groups.EnumerateArray().Single(g => g.GetProperty("key").GetString() == key);

    private static void AssertFigures(JsonElement f, int comments, int suggestions, int applied, int reraised, (double Low, double High)? appliedInterval,
        (double Low, double High) reraiseInterval, string context)
    {
        Assert.True(comments == f.GetProperty("comments").GetInt32(), $"{context}: comments");
        Assert.True(suggestions == f.GetProperty("suggestions").GetInt32(), $"{context}: suggestions");
        Assert.True(applied == f.GetProperty("applied").GetInt32(), $"{context}: applied");
        Assert.True(reraised == f.GetProperty("reraised").GetInt32(), $"{context}: reraised");
        if (appliedInterval is { } ai)
        {
            Assert.Equal((double)applied / suggestions, f.GetProperty("applied_rate").GetDouble(), 1e-9);
            Assert.Equal(ai.Low, f.GetProperty("applied_low").GetDouble(), 1e-4);
            Assert.Equal(ai.High, f.GetProperty("applied_high").GetDouble(), 1e-4);
        }
        else
        {
            Assert.Equal(JsonValueKind.Null, f.GetProperty("applied_rate").ValueKind);
            Assert.Equal(JsonValueKind.Null, f.GetProperty("applied_low").ValueKind);
        }
        Assert.Equal((double)reraised / comments, f.GetProperty("reraise_rate").GetDouble(), 1e-9);
        Assert.Equal(reraiseInterval.Low, f.GetProperty("reraise_low").GetDouble(), 1e-4);
        Assert.Equal(reraiseInterval.High, f.GetProperty("reraise_high").GetDouble(), 1e-4);
    }

    private static void AssertDispositions(JsonElement f, int applied, int addressed, int dismissed, int open)
    {
        var d = f.GetProperty("dispositions");
        Assert.Equal([applied, addressed, dismissed, open],
            new[] { "applied", "addressed", "dismissed", "open" }.Select(k => d.GetProperty(k).GetInt32()).ToArray());
    }

    [Fact]
    public async Task Analytics_carry_applied_and_reraise_rates_with_wilson_intervals_and_the_dispositions()
    {
        var answer = await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}");
        // Reference intervals: Wilson 95 % by hand (10 of 20: 0.2993-0.7007; 7 of 40: 0.0875-0.3195).
        var current = answer.GetProperty("current");
        AssertFigures(current, 40, 20, 10, 7, (0.29930, 0.70070), (0.08745, 0.31950), "top level");
        AssertDispositions(current, 10, 4, 4, 22);
        // The previous equal period had nothing.
        var previous = answer.GetProperty("previous");
        Assert.Equal(0, previous.GetProperty("suggestions").GetInt32());
        Assert.Equal(JsonValueKind.Null, previous.GetProperty("applied_rate").ValueKind);
        AssertDispositions(previous, 0, 0, 0, 0);

        // The series: the whole day A from the rollup, the partial day B from the comments.
        var series = answer.GetProperty("series").EnumerateArray().ToList();
        var dayA = series.Single(p => p.GetProperty("bucket").GetDateTimeOffset() == DateTimeOffset.Parse("2026-11-10T00:00:00Z"));
        Assert.Equal((10, 8, 0.8, 3), (dayA.GetProperty("suggestions").GetInt32(), dayA.GetProperty("applied").GetInt32(),
            dayA.GetProperty("applied_rate").GetDouble(), dayA.GetProperty("reraised").GetInt32()));
        Assert.Equal(0.49016, dayA.GetProperty("applied_low").GetDouble(), 1e-4);
        var dayB = series.Single(p => p.GetProperty("bucket").GetDateTimeOffset() == DateTimeOffset.Parse("2026-11-12T00:00:00Z"));
        Assert.Equal((10, 2, 4), (dayB.GetProperty("suggestions").GetInt32(), dayB.GetProperty("applied").GetInt32(), dayB.GetProperty("reraised").GetInt32()));
        Assert.Equal(0.2, dayB.GetProperty("reraise_rate").GetDouble(), 1e-9);

        // The same figures when whose judgement counts is restricted (read from the comments and their reactions).
        AssertFigures((await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&role=maintainers")).GetProperty("current"),
            40, 20, 10, 7, (0.29930, 0.70070), (0.08745, 0.31950), "role=maintainers");
    }

    [Fact]
    public async Task Groups_by_bot_rule_and_label_carry_the_figures()
    {
        var byBot = (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&group_by=bot")).GetProperty("groups");
        AssertFigures(Group(byBot, "rabbit"), 20, 10, 8, 3, (0.49016, 0.94332), (0.05237, 0.36042), "bot rabbit");
        AssertDispositions(Group(byBot, "rabbit"), 8, 4, 3, 5);
        AssertFigures(Group(byBot, "copilot"), 20, 10, 2, 4, (0.05668, 0.50984), (0.08066, 0.41602), "bot copilot");
        AssertDispositions(Group(byBot, "copilot"), 2, 0, 1, 17);
        // label:bot is the same rollup under its own name.
        var byLabel = (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&group_by=label:bot")).GetProperty("groups");
        Assert.Equal(8, Group(byLabel, "rabbit").GetProperty("applied").GetInt32());

        var byRule = (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&group_by=rule")).GetProperty("groups");
        AssertFigures(Group(byRule, "r-a"), 30, 20, 10, 4, (0.29930, 0.70070), (0.05310, 0.29681), "rule r-a");
        AssertFigures(Group(byRule, "r-b"), 10, 0, 0, 3, null, (0.10779, 0.60322), "rule r-b");
        AssertDispositions(Group(byRule, "r-b"), 0, 2, 3, 5);

        // A filter and a grouping together are read from the comments: the same sums.
        var rabbitRules = (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&bot=rabbit&group_by=rule")).GetProperty("groups");
        AssertFigures(Group(rabbitRules, "r-a"), 10, 10, 8, 0, (0.49016, 0.94332), (0, 0.27753), "bot=rabbit rule r-a");
        var byRepository = (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&group_by=repository")).GetProperty("groups");
        AssertFigures(Group(byRepository, _repo), 40, 20, 10, 7, (0.29930, 0.70070), (0.08745, 0.31950), "repository");
    }

    [Fact]
    public async Task Compare_gives_applied_diff_and_its_p_value()
    {
        var compare = await GetJsonAsync($"/api/analytics/compare?repository={_repo}&{Period}&label=bot&a=rabbit&b=copilot");
        // 8 of 10 against 2 of 10: pooled z-test (every expected count is 5), p = 0.00729 (R: prop.test(c(8, 2), c(10, 10), correct = FALSE)).
        Assert.Equal(0.6, compare.GetProperty("applied_diff").GetDouble(), 1e-9);
        Assert.Equal(0.00729, compare.GetProperty("applied_p_value").GetDouble(), 1e-4);
        Assert.Equal(8, compare.GetProperty("a").GetProperty("applied").GetInt32());
        Assert.Equal(0.2, compare.GetProperty("b").GetProperty("applied_rate").GetDouble(), 1e-9);
        Assert.Equal(4, compare.GetProperty("b").GetProperty("reraised").GetInt32());
        AssertDispositions(compare.GetProperty("a"), 8, 4, 3, 5);
    }

    [Fact]
    public async Task Rollups_follow_a_disposition_an_applied_commit_and_a_reraise_set_later_and_a_relabel()
    {
        // Whole day A is read from the rollups: these updates must reach them through the triggers.
        await db.ExecuteAsync($"""
            update review_comments set disposition = 'dismissed' where github_comment_id = {A(16)};
            update review_comments set applied_commit = '{Sha}', disposition = 'applied' where github_comment_id = {A(9)};
            update review_comments set reraise_of = {A(1)} where github_comment_id = {A(19)};
            update review_comments set reraise_of = null where github_comment_id = {A(16)};
            update review_comments set suggested_lines = null, applied_commit = null, disposition = 'open' where github_comment_id = {A(1)};
            """);
        var byBot = (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&group_by=bot")).GetProperty("groups");
        // Suggestions 10 - 1 = 9; applied 8 + 1 (9) - 1 (1) = 8; re-raised 3 + 1 - 1 = 3.
        AssertFigures(Group(byBot, "rabbit"), 20, 9, 8, 3, (0.56500, 0.98011), (0.05237, 0.36042), "rabbit after updates");
        AssertDispositions(Group(byBot, "rabbit"), 8, 3, 4, 5);
        var top = (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}")).GetProperty("current");
        Assert.Equal((19, 10, 7), (top.GetProperty("suggestions").GetInt32(), top.GetProperty("applied").GetInt32(), top.GetProperty("reraised").GetInt32()));

        // Both rollups equal a recount of the comments, day by day and group by group.
        Assert.Equal(0L, await db.ScalarAsync<long>($"""
            select count(*) from (
                select (created_at at time zone 'UTC')::date, repository_id, count(*) filter (where suggested_lines is not null)::int,
                       count(*) filter (where suggested_lines is not null and applied_commit is not null)::int,
                       count(*) filter (where reraise_of is not null)::int, count(*) filter (where disposition = 'applied')::int,
                       count(*) filter (where disposition = 'addressed')::int, count(*) filter (where disposition = 'dismissed')::int
                from review_comments where task_id in ('{_a}', '{_b}') group by 1, 2
                except
                select day, repository_id, suggestions, applied, reraised, disposition_applied, disposition_addressed, disposition_dismissed
                from analytics_daily where repository_id = (select id from repositories where full_name = '{_repo}')) drift
            """));

        // A run relabelled takes its figures to the new group.
        await db.ExecuteAsync($"update tasks set labels = '{{\"bot\": \"hare\"}}' where id = '{_a}'");
        byBot = (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&group_by=bot")).GetProperty("groups");
        Assert.DoesNotContain(byBot.EnumerateArray(), g => g.GetProperty("key").GetString() == "rabbit");
        AssertDispositions(Group(byBot, "hare"), 8, 3, 4, 5);
        Assert.Equal(8, Group(byBot, "hare").GetProperty("applied").GetInt32());
    }

    [Fact]
    public async Task Rules_carry_applied_and_reraise_rates_and_a_rule_reraised_after_a_thumbs_down_is_noisy()
    {
        // Rule r-b: A's 16-18 re-raise 13-15. A 👎 on 13 and 14 before the re-raises were posted makes r-b noisy with only
        // 2 reactions (not enough for a verdict by acceptance); a 👎 on 15 after its re-raise was posted does not count.
        var rules = await GetJsonAsync($"/api/repos/{_repo}/rules?{Period}");
        var before = rules.EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "r-b");
        Assert.Equal("not_enough_data", before.GetProperty("verdict").GetString());

        await db.ReactionAsync("inline", A(15), 9, "-1", at: DayA.AddHours(5));
        rules = await GetJsonAsync($"/api/repos/{_repo}/rules?{Period}");
        Assert.Equal("not_enough_data", rules.EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "r-b").GetProperty("verdict").GetString());
        await db.ReactionAsync("inline", A(13), 9, "-1", at: DayA.AddMinutes(14));
        rules = await GetJsonAsync($"/api/repos/{_repo}/rules?{Period}");
        Assert.Equal("not_enough_data", rules.EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "r-b").GetProperty("verdict").GetString());
        await db.ReactionAsync("inline", A(14), 9, "-1", at: DayA.AddMinutes(15));

        rules = await GetJsonAsync($"/api/repos/{_repo}/rules?{Period}");
        var rb = rules.EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "r-b");
        Assert.Equal("noisy", rb.GetProperty("verdict").GetString());
        Assert.Equal(2, rb.GetProperty("reraised_after_down").GetInt32());
        Assert.Equal(3, rb.GetProperty("reraised").GetInt32());
        Assert.Equal(0.3, rb.GetProperty("reraise_rate").GetDouble(), 1e-9);
        Assert.Equal(JsonValueKind.Null, rb.GetProperty("applied_rate").ValueKind);
        // Noisiest first: the re-raised rule leads.
        Assert.Equal("r-b", rules[0].GetProperty("rule").GetString());

        var ra = rules.EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "r-a");
        Assert.Equal((20, 10), (ra.GetProperty("suggestions").GetInt32(), ra.GetProperty("applied").GetInt32()));
        Assert.Equal(0.5, ra.GetProperty("applied_rate").GetDouble(), 1e-9);
        Assert.Equal("not_enough_data", ra.GetProperty("verdict").GetString());
        var all = await GetJsonAsync($"/api/rules?repository={_repo}&{Period}");
        Assert.Equal("noisy", all.EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "r-b").GetProperty("verdict").GetString());
    }
}
