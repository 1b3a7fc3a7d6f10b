using System.Diagnostics;
using System.Text.Json.Serialization;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Reactions;
using FeedbackDashboard.Core.Runs;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Benchmarks;

/// <summary>
/// GitHub cost of one poll cycle and of an hour, for (a) the seed's design (REST, one request per selected comment,
/// no ETag), (b) POLLER_STRATEGY=rest with ETags, (c) graphql, against the fake GitHub with 50 ms per request, points
/// by GitHub's own accounting (core: a request unless 304; graphql: the cost formula), tokens rotating hourly.
/// </summary>
public sealed class GitHubCostBenchmark
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(50);
    // A review of about ten comments per pull request: review threads are read per pull request, so their cost
    // follows the number of pull requests.
    private const int CommentsPerRun = 10;

    [Theory(Explicit = true)]
    [Trait("Category", "Benchmark")]
    [InlineData(1_000)]
    [InlineData(10_000)]
    [InlineData(50_000)]
    public async Task Cost_per_cycle_and_per_hour(int n)
    {
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        await using var gh = await GitHubHarness.StartAsync();
        // Demand, not throttling, is measured: the seed's design asks for more than GitHub's 5,000 an hour at 10,000
        // comments, which a real installation would answer with 403s.
        gh.Fake.RateLimit = gh.Fake.GraphQlRateLimit = 1_000_000;
        gh.FakeTime.SetUtcNow(DateTimeOffset.FromUnixTimeSeconds((gh.FakeTime.GetUtcNow().ToUnixTimeSeconds() / 300 + 1) * 300));
        var scenario = new ChurnScenario(gh.Fake, db);
        await scenario.SeedAsync(n, gh.Time.GetUtcNow(), commentsPerRun: CommentsPerRun);
        var now = gh.Time.GetUtcNow();
        var selection = new PollSelection(db.DataSource);
        var selected = (await selection.SelectAsync(now, TimeSpan.FromSeconds(300), 14, Ct)).Count;

        // Warm-up at latency 0: the REST strategy stores an ETag per comment, as after its first sweep.
        await CycleAsync(db, gh, PollerStrategy.Rest);
        scenario.Churn(Math.Max(1, n / 200)); // a little activity between two polls

        var rest = await CycleAsync(db, gh, PollerStrategy.Rest, Latency);
        await db.ExecuteAsync("update review_comments set etag = null");
        var seed = await CycleAsync(db, gh, PollerStrategy.Rest, Latency);
        var graphql = await CycleAsync(db, gh, PollerStrategy.GraphQl, Latency);

        // An hour is 12 cycles: the seed's design asks once per selected comment (the tiers make cycles differ).
        long hourSelected = 0;
        for (var c = 0; c < 12; c++)
            hourSelected += (await selection.SelectAsync(now.AddSeconds(300 * c), TimeSpan.FromSeconds(300), 14, Ct)).Count;
        // The strategies run for a real (simulated) hour, with activity between polls and the installation token
        // rotating as GitHub's do after an hour: an ETag answered to the old token is not sent with the new one.
        var restHour = await HourAsync(db, gh, scenario, PollerStrategy.Rest, n);
        var graphqlHour = await HourAsync(db, gh, scenario, PollerStrategy.GraphQl, n);

        // A full sweep of every comment by GraphQL: how close to ⌈n/100⌉ requests, and its points by GitHub's formula.
        gh.Fake.Latency = Latency;
        gh.Fake.ClearLog();
        var pointsBefore = gh.Fake.GraphQlPoints;
        var sweep = Stopwatch.StartNew();
        var ids = scenario.Comments.Select(c => FakeGitHub.NodeIdFor(c.Kind, c.Id)).ToList();
        var results = await gh.Client.Reactions.GetGraphQlAsync(new GitHubUsage(), ChurnScenario.Installation, ids, Ct);
        sweep.Stop();
        var sweepRequests = gh.Fake.Count("graphql");
        var sweepPoints = gh.Fake.GraphQlPoints - pointsBefore;
        Assert.Equal(n, results.Count);
        Assert.True(sweepRequests <= 1.1 * Math.Ceiling(n / 100.0));
        // nodes(ids: 100) × one reactions(first: 100) = 1 point a request, GitHub's formula (the fake charges it).
        Assert.Equal((int)Math.Ceiling(n / 100.0), sweepPoints);

        BenchReport.Row("GitHub cost (fake GitHub charging GitHub's formula, 50 ms a request)", new()
        {
            ["comments"] = n,
            ["selected/cycle"] = selected,
            ["a seed req"] = seed.Requests,
            ["a seed pts"] = seed.Points,
            ["a seed s"] = seed.Seconds,
            ["b rest req"] = rest.Requests,
            ["b rest pts"] = rest.Points,
            ["b rest s"] = rest.Seconds,
            ["c graphql req"] = graphql.Requests,
            ["c graphql pts"] = graphql.Points,
            ["c graphql s"] = graphql.Seconds,
            ["a/c req"] = (double)seed.Requests / Math.Max(1, graphql.Requests),
            ["a pts/h"] = hourSelected,
            ["b pts/h"] = restHour.Points,
            ["b 304 share/h"] = Math.Round(restHour.NotModifiedShare, 3),
            ["c pts/h"] = graphqlHour.Points,
            ["c thread pts/h"] = graphqlHour.ThreadPoints,
            ["sweep req"] = sweepRequests,
            ["⌈n/100⌉"] = (int)Math.Ceiling(n / 100.0),
            ["sweep pts"] = sweepPoints,
            ["sweep s"] = sweep.Elapsed.TotalSeconds,
        });
        // The seed's design read no review threads; both strategies read them by GraphQL (thread points are in points_per_hour).
        BenchReport.KeyRow("github_cost", new GitHubCostRow("seed", n, seed.Requests, seed.Points, hourSelected, n, n, 0));
        BenchReport.KeyRow("github_cost", new GitHubCostRow("rest", n, rest.Requests, rest.Points, restHour.Points, n, n, restHour.ThreadPoints));
        BenchReport.KeyRow("github_cost", new GitHubCostRow("graphql", n, graphql.Requests, graphql.Points, graphqlHour.Points, sweepRequests,
            sweepPoints, graphqlHour.ThreadPoints));
    }

    private sealed record GitHubCostRow(
        [property: JsonPropertyName("strategy")] string Strategy,
        [property: JsonPropertyName("comments")] int Comments,
        [property: JsonPropertyName("requests_per_cycle")] int RequestsPerCycle,
        [property: JsonPropertyName("points_per_cycle")] int PointsPerCycle,
        [property: JsonPropertyName("points_per_hour")] long PointsPerHour,
        [property: JsonPropertyName("sweep_requests")] int SweepRequests,
        [property: JsonPropertyName("sweep_points")] int SweepPoints,
        [property: JsonPropertyName("thread_points_per_hour")] long ThreadPointsPerHour);

    private sealed record Hour(long Points, double NotModifiedShare, long ThreadPoints);

    /// <summary>12 cycles five minutes apart on the fake clock (no latency: points don't depend on it).</summary>
    private static async Task<Hour> HourAsync(PostgresDatabase db, GitHubHarness gh, ChurnScenario scenario, PollerStrategy strategy, int n)
    {
        gh.Fake.Latency = TimeSpan.Zero;
        gh.Fake.ClearLog();
        var points = gh.Fake.Points;
        for (var c = 0; c < 12; c++)
        {
            gh.FakeTime.Advance(TimeSpan.FromSeconds(300));
            scenario.Churn(Math.Max(1, n / 200));
            var report = await PollerHarness.Poller(db, gh, PollerHarness.Settings(strategy)).RunCycleAsync(Ct);
            Assert.NotEqual(CycleStatus.Failed, report.Status);
        }
        var log = gh.Fake.Requests;
        var reactions = log.Where(r => r.Route == "reactions").ToList();
        return new Hour(gh.Fake.Points - points, reactions.Count == 0 ? 0 : (double)reactions.Count(r => r.Status == 304) / reactions.Count,
            log.Where(r => r.Operation == "threads").Sum(r => (long)r.Points));
    }

    private sealed record Measured(int Requests, int Points, double Seconds);

    private static async Task<Measured> CycleAsync(PostgresDatabase db, GitHubHarness gh, PollerStrategy strategy, TimeSpan latency = default)
    {
        // Same cycle number for every strategy: forget which cycle was claimed, so each measures the same selection.
        await db.ExecuteAsync("delete from poller_installations");
        gh.Fake.Latency = latency;
        gh.Fake.ClearLog();
        var points = gh.Fake.Points;
        var clock = Stopwatch.StartNew();
        var report = await PollerHarness.Poller(db, gh, PollerHarness.Settings(strategy)).RunCycleAsync(Ct);
        clock.Stop();
        Assert.NotEqual(CycleStatus.Failed, report.Status);
        var requests = gh.Fake.Requests.Count(r => r.Route != "token");
        return new Measured(requests, gh.Fake.Points - points, clock.Elapsed.TotalSeconds);
    }
}
