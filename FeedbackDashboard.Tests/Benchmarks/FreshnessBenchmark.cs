using System.Diagnostics;
using System.Text.Json.Serialization;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Runs;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackDashboard.Tests.Benchmarks;

/// <summary>
/// Freshness per rate-limit point: 24 simulated hours of one installation (GitHub's 5,000 points an hour, the fake
/// charging GitHub's cost formula, a fake clock, no sleeping) under the seed's tiers and the budget scheduler. Comments
/// are spread over the 14-day window and keep being posted during the day; reactions come mostly within hours of a
/// comment's posting, some at any age. For every change on GitHub the lag until the database has it is measured
/// (the first cycle that polls that comment after the change).
/// </summary>
public sealed class FreshnessBenchmark
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-11-02T00:00:00Z");
    private const string Repo = "acme/fresh";
    private const long Installation = 77;

    public static int Hours => int.TryParse(Environment.GetEnvironmentVariable("FRESHNESS_HOURS"), out var h) ? h : 24;

    [Theory(Explicit = true)]
    [Trait("Category", "Benchmark")]
    [InlineData(1_000, PollerSchedule.Tiers)]
    [InlineData(1_000, PollerSchedule.Budget)]
    [InlineData(10_000, PollerSchedule.Tiers)]
    [InlineData(10_000, PollerSchedule.Budget)]
    [InlineData(50_000, PollerSchedule.Tiers)]
    [InlineData(50_000, PollerSchedule.Budget)]
    [InlineData(200_000, PollerSchedule.Tiers)]
    [InlineData(200_000, PollerSchedule.Budget)]
    public async Task Lag_from_github_to_the_database(int n, PollerSchedule schedule)
    {
        // FRESHNESS_MIN/MAX_COMMENTS and FRESHNESS_SCHEDULE pick rows, FRESHNESS_HOURS shortens the day (each row says how many hours it ran).
        if (int.TryParse(Environment.GetEnvironmentVariable("FRESHNESS_MIN_COMMENTS"), out var min) && n < min) Assert.Skip($"below {min}");
        if (int.TryParse(Environment.GetEnvironmentVariable("FRESHNESS_MAX_COMMENTS"), out var max) && n > max) Assert.Skip($"above {max}");
        if (Environment.GetEnvironmentVariable("FRESHNESS_SCHEDULE") is { Length: > 0 } only && !only.Equals(schedule.ToString(), StringComparison.OrdinalIgnoreCase))
            Assert.Skip($"only {only}");
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        await using var gh = await GitHubHarness.StartAsync(new FakeTimeProvider(Start));
        gh.Fake.Installations.Add(Installation);
        var random = new Random(7);
        var wall = Stopwatch.StartNew();

        // 13/14 of the comments were posted over the 13 days before the start, the last 14th during the simulated day.
        var posted = Enumerable.Range(0, n).Select(i => (Id: 5_000_000L + i,
                At: i < n * 13 / 14 ? Start - TimeSpan.FromSeconds(random.NextDouble() * 13 * Day.TotalSeconds)
                                    : Start + TimeSpan.FromSeconds(random.NextDouble() * Hours * 3600)))
            .OrderBy(c => c.At).ToList();
        var tasks = new Dictionary<int, Guid>();
        async Task<Guid> TaskFor(DateTimeOffset at)
        {
            var hour = (int)Math.Floor((at - Start).TotalHours);
            if (!tasks.TryGetValue(hour, out var task))
                tasks[hour] = task = await db.TaskAsync(Repo, Start + TimeSpan.FromHours(hour), pr: hour + 400, installation: Installation);
            return task;
        }
        async Task PostAsync(IEnumerable<(long Id, DateTimeOffset At)> batch)
        {
            var rows = new List<string>();
            foreach (var (id, at) in batch)
            {
                gh.Fake.AddComment(Repo, CommentKind.Inline, id);
                rows.Add($"('inline', {id}, '{await TaskFor(at)}', '{FakeGitHub.NodeIdFor(CommentKind.Inline, id)}', '{at:O}')");
            }
            foreach (var chunk in rows.Chunk(5000))
                await db.ExecuteAsync($"insert into review_comments (kind, github_comment_id, task_id, node_id, created_at) values {string.Join(",", chunk)}");
        }
        await PostAsync(posted.Where(c => c.At <= Start));
        var toPost = new Queue<(long Id, DateTimeOffset At)>(posted.Where(c => c.At > Start));
        await db.ExecuteAsync("vacuum analyze review_comments");

        // Changes: one for every five comments over the day; three in four within six hours of posting, the rest at any age.
        var events = new List<(DateTimeOffset At, long Id)>();
        var end = Start + TimeSpan.FromHours(Hours);
        for (var e = 0; e < n / 5 * Hours / 24; e++)
        {
            var c = posted[random.Next(posted.Count)];
            var from = c.At > Start ? c.At : Start;
            var at = random.Next(4) > 0 && c.At + TimeSpan.FromHours(6) > Start
                ? Max(from, c.At + TimeSpan.FromSeconds(random.NextDouble() * 6 * 3600))
                : from + TimeSpan.FromSeconds(random.NextDouble() * (end - from).TotalSeconds);
            if (at < end) events.Add((at, c.Id));
        }
        events.Sort((a, b) => a.At.CompareTo(b.At));

        var settings = PollerHarness.Settings(PollerStrategy.GraphQl, schedule: schedule, budgetShare: 0.5);
        var poller = PollerHarness.Poller(db, gh, settings);
        var pending = new Dictionary<long, List<DateTimeOffset>>();
        var lags = new List<(double Seconds, TimeSpan Age)>();
        var pointsByHour = new int[Hours];
        var next = 0;
        for (var now = Start; now < end; now += Interval)
        {
            gh.FakeTime.SetUtcNow(now);
            var arriving = new List<(long, DateTimeOffset)>();
            while (toPost.Count > 0 && toPost.Peek().At <= now) arriving.Add(toPost.Dequeue());
            if (arriving.Count > 0) await PostAsync(arriving);
            for (; next < events.Count && events[next].At <= now; next++)
            {
                var (at, id) = events[next];
                var current = gh.Fake.ReactionsOf(CommentKind.Inline, id);
                if (current.Count > 0 && random.Next(2) == 0) gh.Fake.Unreact(CommentKind.Inline, id, current[0].UserId, current[0].Content.ToWire());
                else gh.Fake.React(CommentKind.Inline, id, 100 + random.Next(100_000), random.Next(4) == 0 ? "-1" : "+1");
                (pending.TryGetValue(id, out var list) ? list : pending[id] = []).Add(at);
            }

            var before = gh.Fake.GraphQlPoints;
            var report = await poller.RunCycleAsync(Ct);
            Assert.NotEqual(CycleStatus.Failed, report.Status);
            pointsByHour[(int)((now - Start).TotalHours)] += gh.Fake.GraphQlPoints - before;

            await using var cmd = db.DataSource.CreateCommand("select github_comment_id, created_at from review_comments where polled_at = @now");
            cmd.Parameters.AddWithValue("now", now);
            await using var r = await cmd.ExecuteReaderAsync(Ct);
            while (await r.ReadAsync(Ct))
            {
                if (!pending.Remove(r.GetInt64(0), out var changes)) continue;
                var age = now - r.GetFieldValue<DateTimeOffset>(1);
                lags.AddRange(changes.Select(at => ((now - at).TotalSeconds, age)));
            }
        }
        // Changes never picked up by the end count at their lag so far: a scheduler can't hide them by starving.
        lags.AddRange(pending.SelectMany(p => p.Value.Select(at => ((end - at).TotalSeconds, end - posted.First(c => c.Id == p.Key).At))));

        static Dictionary<string, double> By(List<(double Seconds, TimeSpan Age)> all, Func<List<double>, double> stat) => new()
        {
            ["lt_1d"] = stat(all.Where(l => l.Age < Day).Select(l => l.Seconds).Order().ToList()),
            ["d1_3"] = stat(all.Where(l => l.Age >= Day && l.Age < 3 * Day).Select(l => l.Seconds).Order().ToList()),
            ["gt_3d"] = stat(all.Where(l => l.Age >= 3 * Day).Select(l => l.Seconds).Order().ToList()),
            ["all"] = stat(all.Select(l => l.Seconds).Order().ToList()),
        };
        double P(List<double> s, double p) => s.Count == 0 ? 0 : Math.Round(BenchReport.Percentile(s, p));
        var p50 = By(lags, s => P(s, 50));
        var p95 = By(lags, s => P(s, 95));
        var worst = By(lags, s => s.Count == 0 ? 0 : Math.Round(s[^1]));
        var perHour = (int)Math.Round(pointsByHour.Average());

        BenchReport.Row("Freshness: lag from a change on GitHub to the database (simulated hours, one installation, 5,000 points/h)", new()
        {
            ["schedule"] = schedule == PollerSchedule.Budget ? "budget" : "tiers",
            ["comments"] = n,
            ["changes"] = lags.Count,
            ["pts/h avg"] = perHour,
            ["pts/h max"] = pointsByHour.Max(),
            ["p50 <1d s"] = p50["lt_1d"], ["p95 <1d s"] = p95["lt_1d"],
            ["p50 1-3d s"] = p50["d1_3"], ["p95 1-3d s"] = p95["d1_3"],
            ["p50 >3d s"] = p50["gt_3d"], ["p95 >3d s"] = p95["gt_3d"],
            ["p95 all s"] = p95["all"], ["max all s"] = worst["all"], ["hours"] = Hours,
            ["wall s"] = Math.Round(wall.Elapsed.TotalSeconds),
        });
        BenchReport.KeyRow("freshness", new FreshnessRow(schedule == PollerSchedule.Budget ? "budget" : "tiers", n, 0.5, perHour, p50, p95, worst, Hours));
        if (schedule == PollerSchedule.Budget) Assert.True(pointsByHour.Max() <= 2_500, $"budget exceeded: {pointsByHour.Max()} points in an hour");
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private sealed record FreshnessRow(
        [property: JsonPropertyName("schedule")] string Schedule,
        [property: JsonPropertyName("comments")] int Comments,
        [property: JsonPropertyName("budget_share")] double BudgetShare,
        [property: JsonPropertyName("points_per_hour")] int PointsPerHour,
        [property: JsonPropertyName("lag_p50_s")] Dictionary<string, double> LagP50,
        [property: JsonPropertyName("lag_p95_s")] Dictionary<string, double> LagP95,
        [property: JsonPropertyName("lag_max_s")] Dictionary<string, double> LagMax,
        [property: JsonPropertyName("simulated_hours")] int SimulatedHours);
}
