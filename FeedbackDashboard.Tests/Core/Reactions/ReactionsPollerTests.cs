using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Reactions;
using FeedbackDashboard.Core.Runs;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Core.Reactions;

/// <summary>Each test gets its own database: poll cycles see every comment in it.</summary>
public sealed class ReactionsPollerTests : IAsyncLifetime
{
    private const long Inst = 77;
    private const string Repo = "acme/widgets";
    private readonly PostgresDatabase _db = new();
    private GitHubHarness _gh = null!;
    private FakeGitHub Fake => _gh.Fake;

    public async ValueTask InitializeAsync()
    {
        await _db.InitializeAsync();
        _gh = await GitHubHarness.StartAsync();
        Fake.Installations.Add(Inst);
    }

    public async ValueTask DisposeAsync()
    {
        await _gh.DisposeAsync();
        await _db.DisposeAsync();
    }

    private DateTimeOffset Now => _gh.Time.GetUtcNow();

    /// <summary>A run with fresh comments both here and on the fake.</summary>
    private async Task<Guid> RunWithCommentsAsync(params (CommentKind Kind, long Id)[] comments)
    {
        var task = await _db.TaskAsync(Repo, Now.AddMinutes(-5));
        foreach (var (kind, id) in comments)
        {
            Fake.AddComment(Repo, kind, id);
            await _db.CommentAsync(task, kind.ToWire(), id, Now.AddMinutes(-5), nodeId: FakeGitHub.NodeIdFor(kind, id));
        }
        return task;
    }

    private async Task<FeedbackDashboard.Core.Runs.PollReport> CycleAsync(PollerStrategy strategy = PollerStrategy.GraphQl)
    {
        var report = await PollerHarness.Poller(_db, _gh, PollerHarness.Settings(strategy)).RunCycleAsync(Ct);
        _gh.FakeTime.Advance(TimeSpan.FromSeconds(300)); // the next call is the next cycle
        return report;
    }

    [Theory]
    [InlineData(PollerStrategy.GraphQl)]
    [InlineData(PollerStrategy.Rest)]
    public async Task New_reactions_are_inserted_vanished_ones_deleted_and_an_empty_list_clears(PollerStrategy strategy)
    {
        await RunWithCommentsAsync((CommentKind.Inline, 1), (CommentKind.Reply, 2));
        Fake.React(CommentKind.Inline, 1, 10, "+1", "ann");
        Fake.React(CommentKind.Inline, 1, 11, "-1", "bob");
        Fake.React(CommentKind.Reply, 2, 10, "+1", "ann");
        Fake.ReactOther(CommentKind.Reply, 2, 12, "heart");

        var first = await CycleAsync(strategy);
        Assert.Equal(CycleStatus.Ok, first.Status);
        Assert.Equal(2, first.CommentsChecked);
        Assert.Equal(3, first.ReactionsInserted);
        Assert.Equal(["inline/1/10/ann/+1", "inline/1/11/bob/-1", "reply/2/10/ann/+1"], await _db.FeedbackAsync());

        Fake.Unreact(CommentKind.Inline, 1, 11, "-1");   // un-react
        Fake.Unreact(CommentKind.Reply, 2, 10, "+1");    // the comment's last 👍/👎: the list is empty
        Fake.React(CommentKind.Inline, 1, 13, "+1", "cat");
        var second = await CycleAsync(strategy);
        Assert.Equal(1, second.ReactionsInserted);
        Assert.Equal(2, second.ReactionsDeleted);
        Assert.Equal(["inline/1/10/ann/+1", "inline/1/13/cat/+1"], await _db.FeedbackAsync());

        var recorded = await _db.ScalarAsync<long>("select count(*) from poll_cycles where job = 'reactions' and status = 'ok' and finished_at is not null");
        Assert.Equal(2L, recorded);
    }

    [Fact]
    public async Task A_304_leaves_the_rows_untouched_and_costs_no_point()
    {
        await RunWithCommentsAsync((CommentKind.Inline, 3));
        Fake.React(CommentKind.Inline, 3, 10, "+1");
        await CycleAsync(PollerStrategy.Rest);
        // A row GitHub does not have: a touched comment would lose it.
        await _db.ReactionAsync("inline", 3, 99, "-1");
        var points = Fake.Points;

        var report = await CycleAsync(PollerStrategy.Rest);

        Assert.Equal(1, report.CommentsUnchanged);
        Assert.Equal(0, report.ReactionsDeleted);
        // The points spent are the cycle's read of the installation's repositories, the signals (REST has no outdated:
        // GraphQL, one point per 100 comments) and the young run's review threads; the 304 cost nothing.
        Assert.Equal(points + 3, Fake.Points);
        Assert.Equal(1, Fake.Requests.Count(r => r.Route == "reactions" && r.Status == 304));
        Assert.Contains("inline/3/99/user99/-1", await _db.FeedbackAsync());
        Assert.Equal(1, await _db.ScalarAsync<int>("select not_modified from poll_cycles order by id desc limit 1"));
    }

    [Theory]
    [InlineData(PollerStrategy.Rest)]
    [InlineData(PollerStrategy.GraphQl)]
    public async Task A_failed_fetch_leaves_the_rows_untouched_and_is_recorded(PollerStrategy strategy)
    {
        await RunWithCommentsAsync((CommentKind.Inline, 4), (CommentKind.Inline, 5));
        Fake.React(CommentKind.Inline, 4, 10, "+1");
        Fake.React(CommentKind.Inline, 5, 10, "+1");
        await CycleAsync(strategy);

        Fake.Unreact(CommentKind.Inline, 4, 10, "+1");
        Fake.Unreact(CommentKind.Inline, 5, 10, "+1");
        if (strategy == PollerStrategy.Rest)
            Fake.Fail("reactions", 422, when: r => r.Path.Value!.Contains("/comments/4/"));
        else
            Fake.Fail("graphql", 502, times: 3);

        var report = await CycleAsync(strategy);

        Assert.Contains("inline/4/10/user10/+1", await _db.FeedbackAsync());
        Assert.True(report.CommentsFailed >= 1);
        Assert.NotEmpty(report.Errors);
        Assert.Equal(report.CommentsChecked > 0 ? CycleStatus.Partial : CycleStatus.Failed, report.Status);
        var errors = await _db.ScalarAsync<string>("select errors::text from poll_cycles order by id desc limit 1");
        Assert.Contains("inline comment", errors);
    }

    [Fact]
    public async Task A_deleted_comment_is_marked_gone_keeps_its_feedback_and_is_no_longer_polled()
    {
        await RunWithCommentsAsync((CommentKind.Reply, 6), (CommentKind.Inline, 7));
        Fake.React(CommentKind.Reply, 6, 10, "-1");
        await CycleAsync();
        Fake.DeleteComment(CommentKind.Reply, 6);

        var report = await CycleAsync();
        Assert.Equal(1, report.CommentsGone);
        Assert.Equal(1L, await _db.ScalarAsync<long>("select count(*) from review_comments where github_comment_id = 6 and gone_at is not null"));
        Assert.Contains("reply/6/10/user10/-1", await _db.FeedbackAsync());

        // The clock starts at the real time, so pick the cycles: a retired comment is re-checked only when
        // id % 72 = cycle % 72 (its slowest tier), which one cycle in 72 happens to be.
        while (RecheckCycleOf(6)) _gh.FakeTime.Advance(TimeSpan.FromSeconds(300));
        var next = await CycleAsync();
        Assert.Equal(1, next.CommentsSelected);

        while (!RecheckCycleOf(6)) _gh.FakeTime.Advance(TimeSpan.FromSeconds(300));
        var recheck = await CycleAsync();
        Assert.Equal(2, recheck.CommentsSelected);
        Assert.Equal(1L, await _db.ScalarAsync<long>("select count(*) from review_comments where github_comment_id = 6 and gone_at is not null"));
    }

    private bool RecheckCycleOf(long commentId) =>
        PollSelection.CycleNumber(Now, TimeSpan.FromSeconds(300)) % 72 == commentId % 72;

    [Fact]
    public async Task Missing_node_ids_are_looked_up_once_and_stored()
    {
        var task = await _db.TaskAsync(Repo, Now.AddMinutes(-5));
        Fake.AddComment(Repo, CommentKind.Inline, 8, nodeId: "PRRC_custom8");
        Fake.React(CommentKind.Inline, 8, 10, "+1");
        await _db.CommentAsync(task, "inline", 8, Now.AddMinutes(-5));

        await CycleAsync();
        await CycleAsync();

        Assert.Equal("PRRC_custom8", await _db.ScalarAsync<string>("select node_id from review_comments where github_comment_id = 8"));
        Assert.Equal(1, Fake.Count("comment"));
        // Each cycle: one nodes request (the first also asks the text and link) and the young run's threads.
        Assert.Equal(4, Fake.Count("graphql"));
        Assert.Equal(["inline/8/10/user10/+1"], await _db.FeedbackAsync());
    }

    [Fact]
    public async Task A_failed_token_mint_skips_only_its_installation()
    {
        await RunWithCommentsAsync((CommentKind.Inline, 9));
        Fake.React(CommentKind.Inline, 9, 10, "+1");
        var broken = await _db.TaskAsync("other/repo", Now.AddMinutes(-5), installation: 66);
        for (var i = 0; i < 3; i++) await _db.CommentAsync(broken, "inline", 900 + i, Now.AddMinutes(-5), nodeId: $"PRRC_{900 + i}");

        var report = await CycleAsync();

        Assert.Equal(["inline/9/10/user10/+1"], await _db.FeedbackAsync());
        Assert.Equal(3, report.CommentsFailed);
        Assert.Equal(CycleStatus.Partial, report.Status);
        Assert.Single(report.Errors, e => e.StartsWith("installation 66:"));
        Assert.Equal(1, Fake.Requests.Count(r => r.Route == "token" && r.Path.Contains("/66/")));
    }

    [Fact]
    public async Task Rest_and_graphql_produce_the_same_feedback()
    {
        var comments = Enumerable.Range(1, 40).Select(i => (i % 3 == 0 ? CommentKind.Reply : CommentKind.Inline, (long)(2000 + i))).ToArray();
        await RunWithCommentsAsync(comments);
        var random = new Random(7);
        foreach (var (kind, id) in comments)
            for (var u = 0; u < random.Next(0, 6); u++) Fake.React(kind, id, 100 + random.Next(20), random.Next(2) == 0 ? "+1" : "-1");

        await CycleAsync(PollerStrategy.Rest);
        var viaRest = await _db.FeedbackAsync();
        await _db.ExecuteAsync("delete from review_feedback");
        await CycleAsync(PollerStrategy.GraphQl);
        var viaGraphQl = await _db.FeedbackAsync();

        Assert.NotEmpty(viaRest);
        Assert.Equal(viaRest, viaGraphQl);
        Assert.Equal(comments.Length, Fake.Count("reactions"));
        // REST: signals (40 comments in one request, REST has no outdated), threads; GraphQL: one nodes request, threads.
        Assert.Equal(4, Fake.Count("graphql"));
    }

    [Fact]
    public async Task Two_pollers_on_one_database_poll_each_comment_exactly_once()
    {
        var comments = Enumerable.Range(1, 30).Select(i => (CommentKind.Inline, (long)(3000 + i))).ToArray();
        await RunWithCommentsAsync(comments);
        var other = await _db.TaskAsync("acme/second", Now.AddMinutes(-5), installation: 78);
        Fake.Installations.Add(78);
        for (var i = 0; i < 30; i++)
        {
            Fake.AddComment("acme/second", CommentKind.Reply, 4000 + i);
            await _db.CommentAsync(other, "reply", 4000 + i, Now.AddMinutes(-5));
        }
        Fake.Latency = TimeSpan.FromMilliseconds(5);

        var a = PollerHarness.Poller(_db, _gh, PollerHarness.Settings(PollerStrategy.Rest), new PollerInstance("a"));
        var b = PollerHarness.Poller(_db, _gh, PollerHarness.Settings(PollerStrategy.Rest), new PollerInstance("b"));
        var reports = await Task.WhenAll(a.RunCycleAsync(Ct), b.RunCycleAsync(Ct));

        var perComment = Fake.Requests.Where(r => r.Route == "reactions").GroupBy(r => r.Path).ToList();
        Assert.Equal(60, perComment.Count);
        Assert.All(perComment, g => Assert.Single(g));
        Assert.Equal(60, reports.Sum(r => r.CommentsChecked));
        Assert.Equal(2, reports.Sum(r => r.InstallationsSkipped));
    }

    [Fact]
    public async Task Pending_review_captures_are_recorded_and_polled_in_the_same_cycle()
    {
        var task = await _db.TaskAsync(Repo, Now.AddMinutes(-5), pr: 3);
        Fake.AddComment(Repo, CommentKind.Inline, 50, "a.cs", 1, reviewId: 700, prNumber: 3);
        Fake.React(CommentKind.Inline, 50, 10, "+1");
        await new CaptureService(_db.DataSource, _gh.Time).AddReviewCaptureAsync(task,
            new ReviewCaptureInput(700, [new FindingInput("a.cs", 1, "F")]), Ct);

        var report = await CycleAsync();

        Assert.Equal(1, report.CapturesProcessed);
        Assert.Equal(1, report.CommentsChecked);
        Assert.Equal(["inline/50/10/user10/+1"], await _db.FeedbackAsync());
        var order = Fake.Requests.Select(r => r.Route).Where(r => r is "review-comments" or "graphql").ToList();
        // Then the pull request's review threads.
        Assert.Equal(["review-comments", "graphql", "graphql"], order);
    }

    [Fact]
    public async Task A_cancelled_cycle_keeps_the_batches_it_finished()
    {
        var comments = Enumerable.Range(1, 1200).Select(i => (CommentKind.Inline, (long)(10_000 + i))).ToArray();
        await RunWithCommentsAsync(comments);
        foreach (var (kind, id) in comments) Fake.React(kind, id, 1, "+1");
        Fake.Latency = TimeSpan.FromMilliseconds(150);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var poller = PollerHarness.Poller(_db, _gh, PollerHarness.Settings());

        var run = poller.RunCycleAsync(cts.Token);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await _db.ScalarAsync<long>("select count(*) from review_feedback") == 0 && DateTime.UtcNow < deadline) await Task.Delay(20, Ct);
        Assert.True(await _db.ScalarAsync<long>("select count(*) from review_feedback") > 0, "no batch finished within a minute");
        await cts.CancelAsync();
        var report = await run;

        Assert.Equal(CycleStatus.Cancelled, report.Status);
        var kept = await _db.ScalarAsync<long>("select count(*) from review_feedback");
        Assert.True(kept is >= ReactionsPoller.ReconcileBatch and < 1200, $"kept {kept}");
        Assert.Equal("cancelled", await _db.ScalarAsync<string>("select status from poll_cycles order by id desc limit 1"));
    }
}
