using FeedbackDashboard.Tests.Fidelity;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackDashboard.Tests.Benchmarks;

public sealed class FidelityBenchmark
{
    [Fact(Explicit = true)]
    [Trait("Category", "Benchmark")]
    public async Task Drift_and_staleness_under_churn()
    {
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        await using var gh = await GitHubHarness.StartAsync(new FakeTimeProvider(ChurnFidelityTests.Start));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var r = await ChurnFidelityTests.RunAsync(db, gh, ChurnFidelityTests.CommentCount, ChurnFidelityTests.Cycles, TestContext.Current.CancellationToken);
        BenchReport.Row("Fidelity under churn (GraphQL strategy, fake clock)", new()
        {
            ["comments"] = ChurnFidelityTests.CommentCount,
            ["cycles"] = r.Cycles,
            ["changes"] = r.Changes,
            ["polls"] = r.PolledComments,
            ["drift (polled)"] = r.DriftDuringChurn,
            ["drift after sweep"] = r.DriftAfterSweep,
            ["worst <1d"] = r.WorstStaleness[1],
            ["worst 1-3d"] = r.WorstStaleness[12],
            ["worst >3d"] = r.WorstStaleness[72],
            ["requests"] = r.Requests,
            ["wall s"] = clock.Elapsed.TotalSeconds,
        });
        Assert.Equal(0, r.DriftDuringChurn + r.DriftAfterSweep);
    }
}
