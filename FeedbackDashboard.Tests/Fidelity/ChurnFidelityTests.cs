using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Reactions;
using FeedbackDashboard.Core.Runs;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackDashboard.Tests.Fidelity;

/// <summary>
/// 10,000 comments, random react / un-react / swap for 200 cycles on a fake clock: every comment a cycle polls
/// ends the cycle exactly as GitHub has it, no comment is staler than its tier allows (1 / 12 / 72 cycles), and once
/// people stop reacting one full sweep brings the whole table to GitHub's truth.
/// </summary>
public sealed class ChurnFidelityTests : IAsyncLifetime
{
    public const int CommentCount = 10_000;
    public const int Cycles = 200;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(300);
    /// <summary>A fixed start on a cycle boundary: the same tiers line up the same way on every run.</summary>
    public static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-11-02T00:00:00Z");
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

    /// <summary>
    /// Both schedules. The budget one runs at a tenth of the limit (about 2,000 of the 10,000 comments a cycle), so its
    /// priorities are exercised rather than its spare budget, and for fewer cycles: it sweeps the window in a few.
    /// </summary>
    [Theory]
    [InlineData(FeedbackDashboard.Core.PollerSchedule.Tiers, Cycles, 72)]
    [InlineData(FeedbackDashboard.Core.PollerSchedule.Budget, 60, 12)]
    public async Task Database_never_drifts_from_github_under_churn(FeedbackDashboard.Core.PollerSchedule schedule, int cycles, int sweepCycles)
    {
        var result = await RunAsync(_db, _gh, CommentCount, cycles, TestContext.Current.CancellationToken, schedule, sweepCycles);

        Assert.Equal(0, result.DriftDuringChurn);
        Assert.Equal(0, result.DriftAfterSweep);
        Assert.True(result.WorstStaleness[1] <= 1, $"<1 day tier: {result.WorstStaleness[1]} cycles");
        Assert.True(result.WorstStaleness[12] <= 12, $"1-3 day tier: {result.WorstStaleness[12]} cycles");
        Assert.True(result.WorstStaleness[72] <= 72, $"older tier: {result.WorstStaleness[72]} cycles");
        Assert.Equal(0, result.NeverPolled);
        // The analytics rollup the triggers keep equals a recount from scratch after all that churn.
        Assert.Equal(0L, await _db.ScalarAsync<long>("""
            select count(*) from (
                select (created_at at time zone 'UTC')::date as day, repository_id, count(*)::int as comments,
                       (count(*) filter (where up + down > 0))::int as reacted, sum(up)::int as up, sum(down)::int as down
                from review_comments group by 1, 2
                except
                select day, repository_id, comments, reacted, up, down from analytics_daily) drift
            """));
        Assert.Equal(0L, await _db.ScalarAsync<long>("""
            select count(*) from review_comments c
            left join (select kind, github_comment_id, count(*) filter (where content = '+1') as up,
                              count(*) filter (where content = '-1') as down
                       from review_feedback group by 1, 2) f on f.kind = c.kind and f.github_comment_id = c.github_comment_id
            where c.up <> coalesce(f.up, 0) or c.down <> coalesce(f.down, 0)
            """));
        Assert.True(result.PolledComments > CommentCount / 2);
        Assert.True(result.Changes > 0);
    }

    public sealed record FidelityResult(int Cycles, long PolledComments, long Changes, int DriftDuringChurn, int DriftAfterSweep,
        Dictionary<int, long> WorstStaleness, int Requests, int NeverPolled);

    /// <summary>Shared with the benchmark, which prints these figures.</summary>
    public static async Task<FidelityResult> RunAsync(PostgresDatabase db, GitHubHarness gh, int comments, int cycles, CancellationToken ct,
        FeedbackDashboard.Core.PollerSchedule schedule = FeedbackDashboard.Core.PollerSchedule.Tiers, int sweepCycles = 72)
    {
        var scenario = new ChurnScenario(gh.Fake, db);
        await scenario.SeedAsync(comments, gh.Time.GetUtcNow());
        var poller = PollerHarness.Poller(db, gh, PollerHarness.Settings(FeedbackDashboard.Core.PollerStrategy.GraphQl,
            schedule: schedule, budgetShare: 0.1));
        var lastPolled = new Dictionary<long, long>();
        var worst = new Dictionary<int, long> { [1] = 0, [12] = 0, [72] = 0 };
        int drift = 0;
        long polled = 0, changes = 0;
        var requestsBefore = gh.Fake.Requests.Count;

        for (var c = 0; c < cycles; c++)
        {
            var churn = 25;
            scenario.Churn(churn);
            changes += churn;
            var now = gh.Time.GetUtcNow();
            var cycle = PollSelection.CycleNumber(now, Interval);
            var report = await poller.RunCycleAsync(ct);
            Assert.True(report.Status == CycleStatus.Ok, string.Join(" | ", report.Errors));

            // Every comment polled this cycle must now match GitHub exactly.
            var polledNow = await PolledAtAsync(db, now);
            foreach (var id in polledNow) lastPolled[id] = cycle;
            polled += polledNow.Count;
            var keys = scenario.Comments.Where(k => polledNow.Contains(k.Id)).ToList();
            drift += Diff(await FeedbackOfAsync(db, keys.Select(k => k.Id)), scenario.Truth(keys));

            // Staleness: cycles since each comment's last poll, against its tier's period now.
            foreach (var (id, age) in await AgesAsync(db, now))
            {
                var tier = age < TimeSpan.FromDays(1) ? 1 : age <= TimeSpan.FromDays(3) ? 12 : 72;
                if (!lastPolled.TryGetValue(id, out var last)) continue; // not yet due since the start
                worst[tier] = Math.Max(worst[tier], cycle - last + 1);
            }
            gh.FakeTime.Advance(Interval);
        }
        // Every comment still inside the window was polled at some point (the 72-tier comes round in 72 cycles).
        var stillPolled = await InWindowAsync(db, gh.Time.GetUtcNow());
        var neverPolled = stillPolled.Count(id => !lastPolled.ContainsKey(id));

        // People stop reacting; one full sweep (72 cycles for the tiers) later the table equals GitHub's truth.
        for (var c = 0; c < sweepCycles; c++)
        {
            await poller.RunCycleAsync(ct);
            gh.FakeTime.Advance(Interval);
        }
        var windowed = await InWindowAsync(db, gh.Time.GetUtcNow());
        var keysInWindow = scenario.Comments.Where(k => windowed.Contains(k.Id)).ToList();
        var afterSweep = Diff(await FeedbackOfAsync(db, keysInWindow.Select(k => k.Id)), scenario.Truth(keysInWindow));
        return new FidelityResult(cycles, polled, changes, drift, afterSweep, worst, gh.Fake.Requests.Count - requestsBefore, neverPolled);
    }

    private static int Diff(List<string> db, List<string> truth) =>
        db.Except(truth).Count() + truth.Except(db).Count();

    private static async Task<HashSet<long>> PolledAtAsync(PostgresDatabase db, DateTimeOffset cycleStart)
    {
        var ids = new HashSet<long>();
        await using var cmd = db.DataSource.CreateCommand("select github_comment_id from review_comments where polled_at >= @at");
        cmd.Parameters.AddWithValue("at", cycleStart);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) ids.Add(r.GetInt64(0));
        return ids;
    }

    private static async Task<List<(long Id, TimeSpan Age)>> AgesAsync(PostgresDatabase db, DateTimeOffset now)
    {
        var list = new List<(long, TimeSpan)>();
        await using var cmd = db.DataSource.CreateCommand("""
            select c.github_comment_id, c.created_at from review_comments c join tasks t on t.id = c.task_id
            where t.created_at > @now - interval '14 days'
            """);
        cmd.Parameters.AddWithValue("now", now);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add((r.GetInt64(0), now - r.GetFieldValue<DateTimeOffset>(1)));
        return list;
    }

    private static async Task<HashSet<long>> InWindowAsync(PostgresDatabase db, DateTimeOffset now) =>
        (await AgesAsync(db, now)).Select(a => a.Id).ToHashSet();

    private static async Task<List<string>> FeedbackOfAsync(PostgresDatabase db, IEnumerable<long> ids)
    {
        var rows = new List<string>();
        await using var cmd = db.DataSource.CreateCommand(
            "select kind, github_comment_id, reactor_id, reactor_login, content from review_feedback where github_comment_id = any(@ids)");
        cmd.Parameters.AddWithValue("ids", ids.ToArray());
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) rows.Add($"{r.GetString(0)}/{r.GetInt64(1)}/{r.GetInt64(2)}/{r.GetString(3)}/{r.GetString(4)}");
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }
}
