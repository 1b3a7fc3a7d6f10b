using System.Diagnostics;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Feedback;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Benchmarks;

/// <summary>
/// GitHub cost of one poll cycle and of an hour, for (a) the seed's design (REST, one request per selected comment,
/// no ETag), (b) POLLER_STRATEGY=rest with ETags, (c) graphql, against the fake GitHub with 50 ms per request.
/// </summary>
public sealed class GitHubCostBenchmark
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(50);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

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
        gh.FakeTime.SetUtcNow(DateTimeOffset.FromUnixTimeSeconds((gh.FakeTime.GetUtcNow().ToUnixTimeSeconds() / 300 + 1) * 300));
        var scenario = new ChurnScenario(gh.Fake, db);
        await scenario.SeedAsync(n, gh.Time.GetUtcNow());
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

        // An hour is 12 cycles: the selection of each, in SQL (the tiers make them differ).
        long hourSelected = 0, hourGraphQl = 0;
        for (var c = 0; c < 12; c++)
        {
            var chosen = await selection.SelectAsync(now.AddSeconds(300 * c), TimeSpan.FromSeconds(300), 14, Ct);
            hourSelected += chosen.Count;
            hourGraphQl += (chosen.Count + 99) / 100;
        }

        // A full sweep of every comment by GraphQL: how close to ⌈n/100⌉?
        gh.Fake.Latency = Latency;
        gh.Fake.ClearLog();
        var sweep = Stopwatch.StartNew();
        var ids = scenario.Comments.Select(c => FakeGitHub.NodeIdFor(c.Kind, c.Id)).ToList();
        var results = await gh.Client.GetReactionsGraphQlAsync(new GitHubSession(), ChurnScenario.Installation, ids, Ct);
        sweep.Stop();
        var sweepRequests = gh.Fake.Count("graphql");
        Assert.Equal(n, results.Count);
        Assert.True(sweepRequests <= 1.1 * Math.Ceiling(n / 100.0));

        var restPointsRatio = rest.Requests == 0 ? 0 : (double)rest.Points / rest.Requests;
        BenchReport.Row("GitHub cost (fake GitHub, 50 ms a request)", new()
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
            ["a/b pts"] = rest.Points == 0 ? $"{seed.Points}:0" : (object)((double)seed.Points / rest.Points),
            ["a/c req"] = (double)seed.Requests / Math.Max(1, graphql.Requests),
            ["a req/h"] = hourSelected,
            ["b pts/h"] = Math.Round(hourSelected * restPointsRatio),
            ["c req/h"] = hourGraphQl,
            ["sweep req"] = sweepRequests,
            ["⌈n/100⌉"] = (int)Math.Ceiling(n / 100.0),
            ["sweep s"] = sweep.Elapsed.TotalSeconds,
        });
    }

    private sealed record Measured(int Requests, int Points, double Seconds);

    private static async Task<Measured> CycleAsync(PostgresDatabase db, GitHubHarness gh, PollerStrategy strategy, TimeSpan latency = default)
    {
        // Same cycle number for every strategy: forget which cycle was claimed, so each measures the same selection.
        await db.ExecuteAsync("delete from poller_installations");
        gh.Fake.Latency = latency;
        gh.Fake.ClearLog();
        var clock = Stopwatch.StartNew();
        var report = await PollerHarness.Poller(db, gh, PollerHarness.Settings(strategy)).RunCycleAsync(Ct);
        clock.Stop();
        Assert.NotEqual("failed", report.Status);
        var requests = gh.Fake.Requests.Count(r => r.Route != "token");
        return new Measured(requests, gh.Fake.Points, clock.Elapsed.TotalSeconds);
    }
}
