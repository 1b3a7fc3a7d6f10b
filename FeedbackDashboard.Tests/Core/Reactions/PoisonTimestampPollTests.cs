using FeedbackDashboard.Core;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackDashboard.Tests.Core.Reactions;

/// <summary>
/// A stored timestamp the API would refuse today (infinite, or from year 1) came in before the bounds existed or by
/// hand: a reactions cycle still polls every other comment of that installation.
/// </summary>
public sealed class PoisonTimestampPollTests : IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();
    private GitHubHarness _gh = null!;

    public async ValueTask InitializeAsync()
    {
        await _db.InitializeAsync();
        _gh = await GitHubHarness.StartAsync(new FakeTimeProvider(DateTimeOffset.Parse("2026-11-20T00:00:00Z")));
    }

    public async ValueTask DisposeAsync()
    {
        await _gh.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Theory]
    [InlineData(PollerSchedule.Budget, PollerStrategy.GraphQl)]
    [InlineData(PollerSchedule.Budget, PollerStrategy.Rest)]
    [InlineData(PollerSchedule.Tiers, PollerStrategy.GraphQl)]
    public async Task A_comment_with_an_infinite_or_ancient_created_at_does_not_stop_the_installations_cycle(PollerSchedule schedule, PollerStrategy strategy)
    {
        var scenario = new ChurnScenario(_gh.Fake, _db);
        await scenario.SeedAsync(60, _gh.Time.GetUtcNow(), spread: TimeSpan.FromDays(2));
        var poisoned = scenario.Comments.Take(3).ToList();
        await _db.ExecuteAsync($"""
            update review_comments set created_at = '-infinity' where github_comment_id = {poisoned[0].Id};
            update review_comments set created_at = 'infinity' where github_comment_id = {poisoned[1].Id};
            update review_comments set created_at = '0001-01-01T00:00:00Z' where github_comment_id = {poisoned[2].Id};
            """);
        var poller = PollerHarness.Poller(_db, _gh, PollerHarness.Settings(strategy, schedule: schedule));

        // Tiers poll comments of a day or two on every 12th cycle only: enough cycles that each is due once.
        var cycles = schedule == PollerSchedule.Tiers ? 12 : 1;
        for (var c = 0; c < cycles; c++)
        {
            var report = await poller.RunCycleAsync(Ct);
            Assert.True(report.ErrorCount == 0, string.Join("; ", report.Errors));
            _gh.FakeTime.Advance(TimeSpan.FromSeconds(300));
        }

        var others = scenario.Comments.Except(poisoned).ToList();
        var stored = (await _db.FeedbackAsync()).Where(r => !poisoned.Any(p => r.Contains($"/{p.Id}/"))).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(stored);
        Assert.Equal(scenario.Truth(others), stored);
    }
}
