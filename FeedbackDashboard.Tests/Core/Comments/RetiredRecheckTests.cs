using FeedbackDashboard.Core;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackDashboard.Tests.Core.Comments;

/// <summary>
/// A retired comment is asked about again once due, however young: a wrong retirement (a delivery that named a live
/// comment) heals within the re-check delay, not only after the comment's first day.
/// </summary>
public sealed class RetiredRecheckTests : IAsyncLifetime
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
    [InlineData(PollerStrategy.GraphQl)]
    [InlineData(PollerStrategy.Rest)]
    public async Task A_young_comment_retired_while_live_on_GitHub_comes_back_once_due(PollerStrategy strategy)
    {
        var now = _gh.Time.GetUtcNow();
        var scenario = new ChurnScenario(_gh.Fake, _db);
        await scenario.SeedAsync(20, now, spread: TimeSpan.FromHours(20));
        var (_, id) = scenario.Comments[3];
        // Retired seven hours ago, so its re-check (72 cycles of 5 min later) is due now; it is under a day old.
        await _db.ExecuteAsync($"""
            update review_comments set gone_at = '{now.AddHours(-7):O}', next_due_at = '{now.AddMinutes(-1):O}',
                created_at = '{now.AddHours(-8):O}' where github_comment_id = {id}
            """);
        var poller = PollerHarness.Poller(_db, _gh, PollerHarness.Settings(strategy, schedule: PollerSchedule.Budget));

        var report = await poller.RunCycleAsync(Ct);

        Assert.True(report.ErrorCount == 0, string.Join("; ", report.Errors));
        Assert.True(await _db.ScalarAsync<bool>($"select gone_at is null from review_comments where github_comment_id = {id}"),
            "the retired comment was not asked about again");
    }
}
