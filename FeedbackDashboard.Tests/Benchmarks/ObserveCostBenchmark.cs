using System.Text.Json.Serialization;
using FeedbackDashboard.Core.Bots;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Benchmarks;

/// <summary>
/// GitHub cost of the observed-bots sweep: requests and core points of its first 14-day backfill, of an hourly sweep
/// when nothing changed (with the installation token GitHub rotates hourly, and within one token's life), and of one
/// with new comments, beside the floor (2 requests per repository, ⌈new / 100⌉ pages); the fake GitHub charges as
/// GitHub does (a 304 is free, ETags belong to the token), on a fake clock.
/// </summary>
public sealed class ObserveCostBenchmark
{
    [Theory(Explicit = true)]
    [Trait("Category", "Benchmark")]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(1_000)]
    public async Task Observe_cost(int repositories)
    {
        var rows = await ObserveCostScenario.RunAsync(repositories, TestContext.Current.CancellationToken);
        foreach (var row in rows)
        {
            BenchReport.Row("Observed-bots sweep cost (fake GitHub with GitHub's cost rules, fake clock)", new()
            {
                ["repositories"] = row.Repositories,
                ["case"] = row.Case,
                ["new comments"] = row.NewComments,
                ["PRs first seen"] = row.PullRequestsFirstSeen,
                ["sweeps"] = row.Sweeps,
                ["requests"] = row.Requests,
                ["floor requests"] = row.FloorRequests,
                ["points"] = row.Points,
                ["304s"] = row.NotModified,
                ["max points/hour"] = row.MaxPointsInHour,
                ["budget/hour"] = row.BudgetPerHour,
            });
            BenchReport.KeyRow("observe_cost", row);
        }
        ObserveCostScenario.AssertGoals(rows);
    }
}

/// <summary>One measured case of the observe_cost benchmark (the bench.json row).</summary>
public sealed record ObserveCostRow(
    [property: JsonPropertyName("repositories")] int Repositories,
    [property: JsonPropertyName("new_comments")] int NewComments,
    [property: JsonPropertyName("requests")] int Requests,
    [property: JsonPropertyName("points")] int Points,
    [property: JsonPropertyName("not_modified")] int NotModified,
    [property: JsonPropertyName("case")] string Case,
    [property: JsonPropertyName("pull_requests_first_seen")] int PullRequestsFirstSeen,
    [property: JsonPropertyName("floor_requests")] int FloorRequests,
    [property: JsonPropertyName("sweeps")] int Sweeps,
    [property: JsonPropertyName("max_points_in_hour")] int MaxPointsInHour,
    [property: JsonPropertyName("budget_per_hour")] int BudgetPerHour);

/// <summary>
/// The observe_cost scenario: one installation of N repositories; each gets a bot-reviewed pull request every 3.5
/// days (a review of 4 inline comments and 1 conversation comment), so 14 days hold 20 comments per repository and an
/// hour brings about N × 0.06 new ones. Hourly sweeps on a fake clock; GitHub's token lives an hour.
/// </summary>
public static class ObserveCostScenario
{
    public const long Installation = 77;
    private const string Bot = "coderabbitai[bot]";
    private const int InlinePerReview = 4;
    private static readonly TimeSpan ReviewEvery = TimeSpan.FromDays(3.5);

    public static async Task<List<ObserveCostRow>> RunAsync(int repositories, CancellationToken ct)
    {
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        await using var gh = await GitHubHarness.StartAsync();
        var fake = gh.Fake;
        fake.Installations.Add(Installation);
        var settings = SweepHarness.Settings(backfillDays: 14);
        var budget = (int)Math.Floor(settings.PollerBudgetShare * fake.RateLimit);
        await new BotProfiles(db.DataSource, gh.Time).PutAsync("coderabbit", new BotProfileInput([Bot]), ct);
        var names = Enumerable.Range(0, repositories).Select(i => $"acme/r{i:D4}").ToList();
        foreach (var name in names) await db.InstalledRepoAsync(fake, name, Installation);

        // History: each repository's reviews 3.5 days apart, repositories staggered over that period.
        var start = gh.Time.GetUtcNow();
        var nextId = 1L;
        var nextPr = new int[repositories];
        var events = new List<(DateTimeOffset At, int Repo)>();
        for (var r = 0; r < repositories; r++)
        {
            var offset = TimeSpan.FromTicks(ReviewEvery.Ticks / repositories * r);
            for (var at = start + offset; at < start + TimeSpan.FromDays(14); at += ReviewEvery) events.Add((at, r));
        }
        foreach (var (at, r) in events.OrderBy(e => e.At))
        {
            gh.FakeTime.SetUtcNow(at);
            Review(fake, names[r], ++nextPr[r], ref nextId, InlinePerReview);
        }
        gh.FakeTime.SetUtcNow(start + TimeSpan.FromDays(14) + TimeSpan.FromHours(1));
        var sweep = SweepHarness.Sweep(db, gh, settings);
        var rows = new List<ObserveCostRow>();

        async Task<Measured> SweepAsync()
        {
            fake.ClearLog();
            var report = await sweep.RunAsync(ct);
            var requests = fake.Requests.Where(r => r.Route != "token").ToList();
            return new Measured(requests.Count, requests.Sum(r => r.Points), requests.Count(r => r.Status == 304), report);
        }

        // The first backfill: hourly sweeps until every repository is caught up (the budget may need several hours).
        int requestsTotal = 0, pointsTotal = 0, notModified = 0, sweeps = 0, maxHour = 0, pullsSeen = 0;
        var backfilled = await db.ScalarAsync<long>($"select count(*) from review_comments");
        while (true)
        {
            var m = await SweepAsync();
            (requestsTotal, pointsTotal, notModified, sweeps) = (requestsTotal + m.Requests, pointsTotal + m.Points, notModified + m.NotModified, sweeps + 1);
            maxHour = Math.Max(maxHour, m.Points);
            pullsSeen += m.Report.PullRequestsFetched;
            if (!m.Report.BudgetSpent && m.Report.ReposOk == repositories) break;
            if (sweeps > 48) throw new InvalidOperationException("the backfill did not end in 48 hourly sweeps");
            gh.FakeTime.Advance(TimeSpan.FromHours(1));
        }
        var stored = (int)(await db.ScalarAsync<long>("select count(*) from review_comments") - backfilled);
        rows.Add(new ObserveCostRow(repositories, stored, requestsTotal, pointsTotal, notModified, "backfill_14d", pullsSeen,
            2 * repositories + (int)Math.Ceiling(stored / 100.0), sweeps, maxHour, budget));

        // Quiet: the first quiet sweep learns each list's empty-page ETag; the next hour's token is a new one, so its
        // sweep pays for each list again; a sweep within the same token's life answers 304 throughout.
        gh.FakeTime.Advance(TimeSpan.FromHours(1));
        await SweepAsync();
        gh.FakeTime.Advance(TimeSpan.FromHours(1));
        var hourly = await SweepAsync();
        rows.Add(Row(repositories, "quiet_hourly_new_token", 0, 0, hourly, budget));
        gh.FakeTime.Advance(TimeSpan.FromMinutes(10));
        var sameToken = await SweepAsync();
        rows.Add(Row(repositories, "quiet_same_token", 0, 0, sameToken, budget));

        // An hour's new comments at the scenario's rate, then a burst: three 100-comment reviews on one repository.
        gh.FakeTime.Advance(TimeSpan.FromMinutes(20));
        var newReviews = Math.Max(1, (int)Math.Round(repositories * TimeSpan.FromHours(1) / ReviewEvery));
        for (var i = 0; i < newReviews; i++)
        {
            var r = i * repositories / newReviews;
            Review(fake, names[r], ++nextPr[r], ref nextId, InlinePerReview);
            gh.FakeTime.Advance(TimeSpan.FromSeconds(7));
        }
        gh.FakeTime.Advance(TimeSpan.FromMinutes(30));
        var hour = await SweepAsync();
        rows.Add(Row(repositories, "new_comments_hour", newReviews * (InlinePerReview + 1), hour.Report.PullRequestsFetched, hour, budget));

        for (var i = 0; i < 3; i++)
        {
            Review(fake, names[0], ++nextPr[0], ref nextId, 99);
            gh.FakeTime.Advance(TimeSpan.FromSeconds(30));
        }
        gh.FakeTime.Advance(TimeSpan.FromMinutes(10));
        var burst = await SweepAsync();
        rows.Add(Row(repositories, "new_comments_burst", 300, burst.Report.PullRequestsFetched, burst, budget));
        return rows;
    }

    private sealed record Measured(int Requests, int Points, int NotModified, SweepReport Report);

    private static ObserveCostRow Row(int repositories, string name, int newComments, int pullsSeen, Measured m, int budget) =>
        new(repositories, newComments, m.Requests, m.Points, m.NotModified, name, pullsSeen,
            2 * repositories + (int)Math.Ceiling(newComments / 100.0), 1, m.Points, budget);

    /// <summary>A bot's review on a new pull request: <paramref name="inline"/> inline comments and one conversation comment.</summary>
    private static void Review(FakeGitHub fake, string repo, int pr, ref long nextId, int inline)
    {
        var review = nextId;
        for (var i = 0; i < inline; i++)
            fake.AddBotComment(repo, CommentKind.Inline, nextId++, Bot, prNumber: pr, reviewId: review, line: 10 + i, body: $"Finding {i} of review {review}.");
        fake.AddBotComment(repo, CommentKind.Reply, nextId++, Bot, prNumber: pr, body: $"Summary of review {review}.");
    }

    /// <summary>
    /// The goals that hold under GitHub's rules: a quiet sweep within one token's life costs nothing; a sweep with N new
    /// comments makes at most 2 × repositories + ⌈N / 100⌉ + pull requests first seen requests; no hour spends more than
    /// the budget's share. A quiet sweep after the hourly token change pays one point per list (ETags belong to the token).
    /// </summary>
    public static void AssertGoals(IReadOnlyList<ObserveCostRow> rows)
    {
        var sameToken = rows.Single(r => r.Case == "quiet_same_token");
        Assert.Equal(0, sameToken.Points);
        Assert.Equal(2 * sameToken.Repositories, sameToken.NotModified);
        var hourly = rows.Single(r => r.Case == "quiet_hourly_new_token");
        Assert.True(hourly.Points <= 2 * hourly.Repositories, $"quiet hourly sweep: {hourly.Points} points for {hourly.Repositories} repositories");
        foreach (var r in rows.Where(r => r.Case.StartsWith("new_comments", StringComparison.Ordinal)))
            Assert.True(r.Requests <= r.FloorRequests + r.PullRequestsFirstSeen, $"{r.Case}: {r.Requests} requests, goal {r.FloorRequests} + {r.PullRequestsFirstSeen}");
        Assert.All(rows, r => Assert.True(r.MaxPointsInHour <= r.BudgetPerHour, $"{r.Case}: {r.MaxPointsInHour} points in an hour, budget {r.BudgetPerHour}"));
    }
}
