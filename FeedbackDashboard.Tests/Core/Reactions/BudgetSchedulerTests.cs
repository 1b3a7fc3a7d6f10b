using FeedbackDashboard.Core;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Reactions;
using FeedbackDashboard.Core.Repositories;
using FeedbackDashboard.Core.Runs;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackDashboard.Tests.Core.Reactions;

/// <summary>POLLER_SCHEDULE=budget: the arithmetic, the priorities under a scarce budget, adaptation, and the plan at 200,000.</summary>
public sealed class BudgetSchedulerTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(300);
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-11-02T00:00:00Z");
    private readonly PostgresDatabase _db = new();
    private GitHubHarness _gh = null!;

    public async ValueTask InitializeAsync()
    {
        await _db.InitializeAsync();
        _gh = await GitHubHarness.StartAsync(new FakeTimeProvider(Start));
    }

    public async ValueTask DisposeAsync()
    {
        await _gh.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public void A_cycle_spends_its_share_of_the_hour_and_less_when_others_spend_too()
    {
        var now = Start;
        // 50 % of 5,000 an hour in 12 cycles: 208.3 points, 20,800 comments at 1 point per 100 (whole requests).
        var fresh = PollScheduling.Plan(null, null, null, now, Interval, 0.5, PollScheduling.GraphQlPointsPerComment, 40_000);
        Assert.Equal(208.33, fresh.PointsAllowed, 2);
        Assert.Equal(20_800, fresh.Capacity);
        Assert.True(fresh.Limited);
        // Our own steady spending leaves exactly the share: 4 cycles into the hour, 5000 − 4 × 208.3 remain.
        var steady = PollScheduling.Plan(5000, 5000 - 833, now.AddMinutes(40), now, Interval, 0.5, PollScheduling.GraphQlPointsPerComment, 100);
        Assert.Equal(208.33, steady.PointsAllowed, 1);
        Assert.False(steady.Limited);
        // Another tool spent 2,000 early: what is left above the other half, over the 8 cycles to the reset.
        var shared = PollScheduling.Plan(5000, 2900, now.AddMinutes(40), now, Interval, 0.5, PollScheduling.GraphQlPointsPerComment, 20_000);
        Assert.Equal((2900 - 2500) / 8.0, shared.PointsAllowed, 2);
        Assert.Equal(5_000, shared.Capacity);
        // Nothing left above the others' half: nothing this cycle.
        Assert.Equal(0, PollScheduling.Plan(5000, 2400, now.AddMinutes(40), now, Interval, 0.5, 0.02, 10).Capacity);
        // REST: one point a comment.
        Assert.Equal(208, PollScheduling.Plan(null, null, null, now, Interval, 0.5, PollScheduling.RestPointsPerComment, 10).Capacity);
    }

    [Fact]
    public void Expected_lag_is_one_interval_with_budget_to_spare_and_grows_with_age_when_short()
    {
        var spare = PollScheduling.Expect(new WindowCounts(100, 200, 700), 1000, Interval);
        Assert.Equal(new ExpectedLag(300, 300, 300), spare);
        var short_ = PollScheduling.Expect(new WindowCounts(100, 200, 700), 300, Interval);
        Assert.Equal(300, short_.Lt1d);
        Assert.True(short_.D1To3 > 300 && short_.Gt3d > short_.D1To3, $"{short_}");
    }

    private async Task<(ChurnScenario Scenario, FeedbackDashboard.Core.Reactions.ReactionsPoller Poller)> SeedAsync(int comments, double share)
    {
        var scenario = new ChurnScenario(_gh.Fake, _db);
        await scenario.SeedAsync(comments, _gh.Time.GetUtcNow());
        var settings = PollerHarness.Settings(PollerStrategy.GraphQl, schedule: PollerSchedule.Budget, budgetShare: share);
        return (scenario, PollerHarness.Poller(_db, _gh, settings));
    }

    [Fact]
    public async Task With_budget_to_spare_every_comment_in_the_window_is_polled_every_cycle()
    {
        var (_, poller) = await SeedAsync(1_000, 0.5);

        for (var c = 0; c < 3; c++)
        {
            _gh.Fake.ClearLog();
            var report = await poller.RunCycleAsync(Ct);
            Assert.Equal(1_000, report.CommentsSelected);
            Assert.Equal(1_000, report.CommentsChecked);
            // Ten nodes requests of 100 comments; the review threads spend from what is left (GraphQlPointsLeft).
            Assert.Equal(10, _gh.Fake.GraphQlAsked.Count(d => d.Contains("reactions(")));
            _gh.FakeTime.Advance(Interval);
        }
        Assert.DoesNotContain(await new PollConditions(_db.DataSource, _gh.Time).OpenAsync(Ct), c => c.Kind == ConditionKind.BudgetLimited);
        var budget = Assert.Single(await new PollBudgets(_db.DataSource, new PollSelection(_db.DataSource),
            new PollConditions(_db.DataSource, _gh.Time), PollerHarness.Settings()).AllAsync(_gh.Time.GetUtcNow(), Ct));
        Assert.Equal((5000, 1_000), (budget.Limit, budget.CommentsInWindow));
        // 3 cycles × 10 requests × 1 point, and the review threads' points: all that GitHub charged, all counted.
        Assert.Equal(_gh.Fake.GraphQlPoints, budget.PointsPerHour);
        Assert.InRange(budget.PointsPerHour, 31, 3 * 208);
        Assert.Equal(new ExpectedLag(300, 300, 300), budget.ExpectedLagS);
    }

    [Fact]
    public async Task With_too_little_the_youngest_keep_their_cadence_the_oldest_stretch_and_the_budget_holds()
    {
        // 120 points an hour, half for us: 5 points a cycle = 500 comments of the 3,000 (1 point per 100).
        _gh.Fake.GraphQlRateLimit = 120;
        var (_, poller) = await SeedAsync(3_000, 0.5);
        var young = await _db.ScalarAsync<long>($"select count(*) from review_comments where created_at > '{Start.AddDays(-1):O}'");
        Assert.InRange(young, 100, 400);

        var youngPolls = new List<long>();
        var selectedCounts = new List<int>();
        var spent = new List<int>();
        for (var c = 0; c < 24; c++) // two hours
        {
            var before = _gh.Fake.GraphQlPoints;
            var now = _gh.Time.GetUtcNow();
            var report = await poller.RunCycleAsync(Ct);
            Assert.Equal(CycleStatus.Ok, report.Status);
            spent.Add(_gh.Fake.GraphQlPoints - before);
            selectedCounts.Add(report.CommentsSelected);
            youngPolls.Add(await _db.ScalarAsync<long>(
                $"select count(*) from review_comments where created_at > '{now.AddDays(-1):O}' and polled_at is distinct from '{now:O}'"));
            _gh.FakeTime.Advance(Interval);
        }

        // Every young comment, every cycle: none under a day old was left out.
        Assert.True(youngPolls.All(n => n == 0), $"young left out: {string.Join(",", youngPolls)}; selected {string.Join(",", selectedCounts)}");
        // Never above the share: 60 points in any hour (12 consecutive cycles).
        for (var h = 0; h + 12 <= spent.Count; h++) Assert.True(spent.Skip(h).Take(12).Sum() <= 60, $"hour from cycle {h}: {spent.Skip(h).Take(12).Sum()}");
        // The older ones stretch but come round: every comment was polled within the two hours.
        Assert.Equal(0L, await _db.ScalarAsync<long>($"""
            select count(*) from review_comments c join tasks t on t.id = c.task_id
            where c.polled_at is null and t.created_at > '{_gh.Time.GetUtcNow().AddDays(-14):O}'
            """));
        var limited = Assert.Single(await new PollConditions(_db.DataSource, _gh.Time).OpenAsync(Ct), c => c.Kind == ConditionKind.BudgetLimited);
        Assert.Matches(@"^5 points this cycle poll 500 of \d{4} comments; expected worst lag 5 min under a day old", limited.Detail);
    }

    [Fact]
    public async Task When_another_tool_spends_the_installations_points_the_scheduler_polls_less()
    {
        var (_, poller) = await SeedAsync(3_000, 0.5);
        await poller.RunCycleAsync(Ct); // reads GitHub's budget
        _gh.FakeTime.Advance(Interval);
        var full = await poller.RunCycleAsync(Ct);
        _gh.FakeTime.Advance(Interval);

        // Someone else leaves 2,540 of 5,000 with 50 minutes to the reset: 40 points above their half over 10 cycles.
        _gh.Fake.SetRemaining(ChurnScenario.Installation, RateBucket.GraphQl, 2_540);
        await poller.RunCycleAsync(Ct); // reads the new remaining
        _gh.FakeTime.Advance(Interval);
        var shared = await poller.RunCycleAsync(Ct);

        Assert.Equal(3_000, full.CommentsSelected);
        Assert.InRange(shared.CommentsSelected, 100, 600);
        Assert.Contains(await new PollConditions(_db.DataSource, _gh.Time).OpenAsync(Ct), c => c.Kind == ConditionKind.BudgetLimited);
    }

    [Fact]
    public async Task Selection_walks_indexes_and_never_scans_the_window_at_200_000_comments()
    {
        // 20,000 runs over 20 days (six of them outside the window), ten comments each, polled at scattered times.
        await _db.ExecuteAsync($"""
            insert into repositories (owner, name, full_name, installation_id) values ('acme', 'big', 'acme/big', 77), ('acme', 'other', 'acme/other', 78);
            insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login, pr_author_association, created_at)
            select gen_random_uuid(), (select id from repositories where full_name = case when n % 10 = 0 then 'acme/other' else 'acme/big' end),
                   case when n % 10 = 0 then 78 else 77 end, n, 1, 'a', 'NONE', '{Start:O}'::timestamptz - interval '86 seconds' * n
            from generate_series(1, 20000) n;
            insert into review_comments (kind, github_comment_id, task_id, created_at, polled_at, next_due_at)
            select 'inline', t.n * 10 + k, t.id, t.created_at + interval '10 minutes', t.created_at + interval '1 hour',
                   '{Start:O}'::timestamptz - make_interval(secs => ((t.n * 10 + k) * 7919) % 86400)
            from (select id, created_at, row_number() over (order by created_at) as n from tasks) t, generate_series(0, 9) k;
            """, timeoutSeconds: 300);
        foreach (var table in new[] { "review_comments", "tasks", "repositories" }) await _db.ExecuteAsync($"vacuum analyze {table}");
        Assert.Equal(200_000L, await _db.ScalarAsync<long>("select count(*) from review_comments"));

        var lines = await ExplainAsync(PollSelection.BudgetSql, 10_400);
        var plan = string.Join("\n", lines);
        Assert.True(lines.Any(l => l.Contains("Index Scan using review_comments_due")), plan);
        // The young part reads the last day's comments through the created_at index (a day's worth, not the window).
        Assert.True(lines.Any(l => l.Contains("on review_comments_period")), plan);
        Assert.False(lines.Any(l => l.Contains("Seq Scan on review_comments") || l.Contains("Sort Key: c.next_due_at")), plan);
    }

    private async Task<List<string>> ExplainAsync(string sql, int capacity)
    {
        await using var cmd = _db.DataSource.CreateCommand("explain " + sql);
        cmd.Parameters.AddWithValue("inst", 77L);
        cmd.Parameters.AddWithValue("now", Start);
        cmd.Parameters.AddWithValue("window", 14);
        cmd.Parameters.AddWithValue("capacity", capacity);
        var lines = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(Ct);
        while (await r.ReadAsync(Ct)) lines.Add(r.GetString(0));
        return lines;
    }
}
