using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Reactions;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Core.Reactions;

public sealed class PollSelectionTests : IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(300);
    // A moment whose cycle number is a multiple of 72 (and so of 12).
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(300L * 72 * 20_000);

    public ValueTask InitializeAsync() => _db.InitializeAsync();
    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private async Task<List<long>> SelectAsync(DateTimeOffset now, int window = 14) =>
        (await new PollSelection(_db.DataSource).SelectAsync(now, Interval, window, TestContext.Current.CancellationToken))
        .Select(c => c.Key.Id).Order().ToList();

    [Fact]
    public void Cycle_number_is_unix_time_over_the_interval()
    {
        Assert.Equal(72L * 20_000, PollSelection.CycleNumber(Now, Interval));
        Assert.Equal(72L * 20_000, PollSelection.CycleNumber(Now.AddSeconds(299), Interval));
        Assert.Equal(72L * 20_000 + 1, PollSelection.CycleNumber(Now.AddSeconds(300), Interval));
    }

    [Fact]
    public async Task Tiers_at_their_boundaries()
    {
        var task = await _db.TaskAsync("acme/tiers", Now.AddDays(-5));
        // Younger than a day: every cycle, whatever the id.
        await _db.CommentAsync(task, "inline", 1, Now.AddDays(-1).AddSeconds(1));
        // Exactly a day old: the 1-3 day tier; id 24 ≡ 0 (mod 12) is due, id 25 is not.
        await _db.CommentAsync(task, "inline", 24, Now.AddDays(-1));
        await _db.CommentAsync(task, "inline", 25, Now.AddDays(-1));
        // Just younger than 3 days: still the 12-tier.
        await _db.CommentAsync(task, "inline", 36, Now.AddDays(-3).AddSeconds(1));
        await _db.CommentAsync(task, "inline", 37, Now.AddDays(-3).AddSeconds(1));
        // Exactly 3 days old: the 72-tier; 144 ≡ 0 (mod 72) is due, 156 ≡ 0 (mod 12) but not (mod 72) is not.
        await _db.CommentAsync(task, "inline", 144, Now.AddDays(-3));
        await _db.CommentAsync(task, "inline", 156, Now.AddDays(-3));

        Assert.Equal([1L, 24, 36, 144], await SelectAsync(Now));

        // One cycle later (cycle ≡ 1): comment 1 has aged into the 12-tier and is due with 25; 36/37 have aged
        // into the 72-tier and are not.
        Assert.Equal([1L, 25], await SelectAsync(Now.AddSeconds(300)));
        // Twelve cycles later (≡ 0 mod 12, ≡ 12 mod 72): 24 again, and 156 from the 72-tier.
        Assert.Equal([24L, 156], await SelectAsync(Now.AddSeconds(300 * 12)));
    }

    [Fact]
    public async Task Window_is_on_the_run_creation_time_and_gone_comments_are_out()
    {
        var inside = await _db.TaskAsync("acme/window", Now.AddDays(-14).AddMinutes(1));
        var outside = await _db.TaskAsync("acme/window", Now.AddDays(-14));
        await _db.CommentAsync(inside, "reply", 144, Now.AddDays(-10));
        await _db.CommentAsync(outside, "reply", 288, Now.AddDays(-10));
        var recent = await _db.TaskAsync("acme/window", Now.AddHours(-1));
        await _db.CommentAsync(recent, "inline", 5, Now.AddMinutes(-1));
        await _db.CommentAsync(recent, "inline", 6, Now.AddMinutes(-1));
        await _db.ExecuteAsync("update review_comments set gone_at = now() where github_comment_id = 6");

        Assert.Equal([5L, 144], await SelectAsync(Now));
        Assert.Equal([5L], await SelectAsync(Now, window: 1));
    }

    [Fact]
    public async Task Uninstalled_repositories_are_not_polled()
    {
        var task = await _db.TaskAsync("acme/gone-app", Now.AddHours(-1));
        await _db.CommentAsync(task, "inline", 7, Now.AddHours(-1));
        await _db.ExecuteAsync("update repositories set installed = false where full_name = 'acme/gone-app'");
        Assert.Empty(await SelectAsync(Now));
    }
}
