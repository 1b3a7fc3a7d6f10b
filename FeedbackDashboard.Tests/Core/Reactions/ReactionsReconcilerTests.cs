using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Reactions;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Core.Reactions;

public sealed class ReactionsReconcilerTests : IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-20T12:00:00Z");
    private Guid _task;

    public async ValueTask InitializeAsync()
    {
        await _db.InitializeAsync();
        _task = await _db.TaskAsync("acme/widgets", Now.AddHours(-2));
        await _db.CommentAsync(_task, "inline", 1, Now.AddHours(-2));
        await _db.CommentAsync(_task, "inline", 2, Now.AddHours(-2));
        await _db.CommentAsync(_task, "reply", 1, Now.AddHours(-2)); // same id, other kind: a different comment
    }

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private static Reaction R(long user, string content) => new(user, $"u{user}", ReactionContents.Parse(content)!.Value, Now.AddMinutes(-user));

    private static KnownReactions Known(string kind, long id, params Reaction[] reactions) => new(new CommentKey(CommentKinds.Parse(kind)!.Value, id), reactions);

    private Task<string> Rows() => _db.ScalarAsync<string>(
        "select coalesce(string_agg(kind || ':' || github_comment_id || ':' || reactor_id || content, ' ' order by kind, github_comment_id, reactor_id, content), '') from review_feedback");

    [Fact]
    public async Task Inserts_new_deletes_vanished_clears_on_empty_and_leaves_the_rest_alone()
    {
        var reconciler = new ReactionsReconciler(_db.DataSource, new CommentPolls(_db.DataSource));

        var first = await reconciler.ReconcileAsync(
            [Known("inline", 1, R(10, "+1"), R(11, "-1")), Known("inline", 2, R(10, "+1")), Known("reply", 1, R(12, "+1"))], Now, Ct);
        Assert.Equal(new ReconcileCounts(4, 0), first);
        Assert.Equal("inline:1:10+1 inline:1:11-1 inline:2:10+1 reply:1:12+1", await Rows());

        // 11 swaps 👎 for 👍 and 13 reacts; comment 2 loses its only reaction; the reply is not known this cycle (304 or failed).
        var second = await reconciler.ReconcileAsync(
            [Known("inline", 1, R(10, "+1"), R(11, "+1"), R(13, "-1")), Known("inline", 2)], Now, Ct);
        Assert.Equal(new ReconcileCounts(2, 2), second);
        Assert.Equal("inline:1:10+1 inline:1:11+1 inline:1:13-1 reply:1:12+1", await Rows());

        // The same answer again changes nothing.
        Assert.Equal(new ReconcileCounts(0, 0),
            await reconciler.ReconcileAsync([Known("inline", 1, R(10, "+1"), R(11, "+1"), R(13, "-1"))], Now, Ct));
        Assert.Equal("2:1:1", await _db.ScalarAsync<string>(
            "select up || ':' || down || ':' || (polled_at is not null)::int from review_comments where kind = 'inline' and github_comment_id = 1"));
    }

    [Fact]
    public async Task A_comment_that_is_not_registered_gets_no_rows()
    {
        var counts = await new ReactionsReconciler(_db.DataSource, new CommentPolls(_db.DataSource)).ReconcileAsync(
            [Known("inline", 999, R(10, "+1")), Known("inline", 1, R(10, "-1"))], Now, Ct);

        Assert.Equal(new ReconcileCounts(1, 0), counts);
        Assert.Equal("inline:1:10-1", await Rows());
    }

    [Fact]
    public async Task Deleting_a_run_removes_its_reactions_and_keeps_the_daily_figures_exact()
    {
        var other = await _db.TaskAsync("acme/widgets", Now.AddHours(-2), pr: 2);
        await _db.CommentAsync(other, "inline", 3, Now.AddHours(-2));
        var reconciler = new ReactionsReconciler(_db.DataSource, new CommentPolls(_db.DataSource));
        await reconciler.ReconcileAsync([Known("inline", 1, R(10, "+1"), R(11, "-1")), Known("inline", 3, R(10, "-1"))], Now, Ct);

        await _db.ExecuteAsync($"delete from tasks where id = '{_task}'");

        Assert.Equal("inline:3:10-1", await Rows());
        Assert.Equal("1:1:0:1", await _db.ScalarAsync<string>(
            "select sum(comments) || ':' || sum(reacted) || ':' || sum(up) || ':' || sum(down) from analytics_daily"));
    }
}
