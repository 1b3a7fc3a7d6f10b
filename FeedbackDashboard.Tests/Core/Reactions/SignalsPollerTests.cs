using System.Text.Json.Nodes;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Runs;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Core.Reactions;

/// <summary>
/// What happened to a comment besides 👍/👎, polled against the fake GitHub: outdated, hidden, its thread resolved (by a
/// person or a bot) and replied to, each changing back; text read once; both strategies alike; unclear answers change
/// nothing.
/// </summary>
public sealed class SignalsPollerTests : IAsyncLifetime
{
    private const long Inst = 77;
    private const string Repo = "acme/widgets";
    private readonly PostgresDatabase _db = new();
    private GitHubHarness _gh = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
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

    private async Task<Guid> RunAsync(TimeSpan age, params (CommentKind Kind, long Id)[] comments)
    {
        var task = await _db.TaskAsync(Repo, Now - age);
        foreach (var (kind, id) in comments)
        {
            Fake.AddComment(Repo, kind, id);
            await _db.CommentAsync(task, kind.ToWire(), id, Now - age, nodeId: FakeGitHub.NodeIdFor(kind, id));
        }
        return task;
    }

    private async Task<FeedbackDashboard.Core.Runs.PollReport> CycleAsync(PollerStrategy strategy = PollerStrategy.GraphQl,
        TimeSpan? advance = null)
    {
        var report = await PollerHarness.Poller(_db, _gh, PollerHarness.Settings(strategy)).RunCycleAsync(Ct);
        _gh.FakeTime.Advance(advance ?? TimeSpan.FromSeconds(300));
        return report;
    }

    /// <summary>kind/id: outdated minimized reason | resolved by by_bot replies (null as "-").</summary>
    private async Task<string> SignalsAsync(string kind, long id)
    {
        await using var cmd = _db.DataSource.CreateCommand("""
            select concat_ws(' ', coalesce(outdated::text, '-'), coalesce(minimized::text, '-'), coalesce(minimized_reason, '-'), '|',
                   coalesce(resolved::text, '-'), coalesce(resolved_by, '-'), coalesce(resolved_by_bot::text, '-'), coalesce(human_replies::text, '-'))
            from review_comments where kind = @kind and github_comment_id = @id
            """);
        cmd.Parameters.AddWithValue("kind", kind);
        cmd.Parameters.AddWithValue("id", id);
        return (string)(await cmd.ExecuteScalarAsync(Ct))!;
    }

    [Theory]
    [InlineData(PollerStrategy.GraphQl)]
    [InlineData(PollerStrategy.Rest)]
    public async Task Each_signal_follows_GitHub_and_changes_back(PollerStrategy strategy)
    {
        await RunAsync(TimeSpan.FromMinutes(5), (CommentKind.Inline, 1), (CommentKind.Reply, 2));

        await CycleAsync(strategy);
        Assert.Equal("false false - | false - false 0", await SignalsAsync("inline", 1));
        // A reply (issue) comment has no outdated and no thread.
        Assert.Equal("- false - | - - - -", await SignalsAsync("reply", 2));

        Fake.SetOutdated(1, true);
        Fake.Hide(CommentKind.Reply, 2, "off-topic");
        Fake.ReplyInThread(1, 501, "ann");
        Fake.ReplyInThread(1, 502, "ci", isBot: true);
        await CycleAsync(strategy);
        Assert.Equal("true false - | false - false 1", await SignalsAsync("inline", 1));
        Assert.Equal("- true off-topic | - - - -", await SignalsAsync("reply", 2));

        Fake.SetOutdated(1, false);
        Fake.ResolveThread(1, "ann");
        Fake.Hide(CommentKind.Inline, 1, "resolved");
        await CycleAsync(strategy);
        Assert.Equal("false true resolved | true ann false 1", await SignalsAsync("inline", 1));

        // resolvedBy is a User: a bot's resolution answers null, recorded as resolved_by_bot and not "addressed".
        Fake.ResolveThread(1, null);
        await CycleAsync(strategy);
        Assert.Equal("false true resolved | true - true 1", await SignalsAsync("inline", 1));

        Fake.UnresolveThread(1);
        Fake.Unhide(CommentKind.Inline, 1);
        Fake.Unhide(CommentKind.Reply, 2);
        Fake.DeleteReply(1, 501);
        await CycleAsync(strategy);
        Assert.Equal("false false - | false - false 0", await SignalsAsync("inline", 1));
        Assert.Equal("- false - | - - - -", await SignalsAsync("reply", 2));
    }

    [Fact]
    public async Task Addressed_is_outdated_or_resolved_by_a_person_and_reaches_the_feedback_read()
    {
        var task = await RunAsync(TimeSpan.FromMinutes(5), (CommentKind.Inline, 1), (CommentKind.Inline, 3), (CommentKind.Inline, 4),
            (CommentKind.Reply, 2));
        Fake.SetOutdated(1, true);
        Fake.ResolveThread(3, "ann");
        Fake.ResolveThread(4, null);
        Fake.React(CommentKind.Inline, 4, 10, "+1");
        Fake.React(CommentKind.Inline, 4, 11, "-1");
        await CycleAsync();

        var feedback = (await new FeedbackQueries(_db.DataSource).GetTaskFeedbackAsync(task, Ct))!;
        var byId = feedback.Comments.ToDictionary(c => c.GithubCommentId);
        Assert.True(byId[1].Addressed);
        Assert.True(byId[3].Addressed);
        Assert.False(byId[4].Addressed);
        Assert.True(byId[4].ResolvedByBot);
        Assert.False(byId[2].Addressed);
        Assert.True(byId[4].Disputed);
        Assert.False(byId[1].Disputed);
        Assert.Equal(2, feedback.Totals.Addressed);
        Assert.Equal("Comment 1 of the review bot.", byId[1].Body);
        Assert.EndsWith("/acme/widgets/pull/1#discussion_r1", byId[1].HtmlUrl);
        Assert.EndsWith("#issuecomment-2", byId[2].HtmlUrl);

        // The rollup counts addressed comments by their day, through changes back and forth.
        Assert.Equal(2, await _db.ScalarAsync<int>("select sum(addressed)::int from analytics_daily"));
        Fake.SetOutdated(1, false);
        await CycleAsync();
        Assert.Equal(1, await _db.ScalarAsync<int>("select sum(addressed)::int from analytics_daily"));
    }

    [Theory]
    [InlineData(PollerStrategy.GraphQl)]
    [InlineData(PollerStrategy.Rest)]
    public async Task Both_strategies_give_the_same_signals(PollerStrategy first)
    {
        var comments = Enumerable.Range(1, 30).Select(i => (i % 4 == 0 ? CommentKind.Reply : CommentKind.Inline, (long)(3000 + i))).ToArray();
        await RunAsync(TimeSpan.FromMinutes(5), comments);
        var random = new Random(11);
        foreach (var (kind, id) in comments)
        {
            if (random.Next(3) == 0) Fake.Hide(kind, id, random.Next(2) == 0 ? "spam" : "outdated");
            if (kind != CommentKind.Inline) continue;
            if (random.Next(2) == 0) Fake.SetOutdated(id, true);
            if (random.Next(3) == 0) Fake.ResolveThread(id, random.Next(2) == 0 ? "ann" : null);
            for (var r = 0; r < random.Next(3); r++) Fake.ReplyInThread(id, id * 10 + r, $"dev{r}", isBot: r == 2);
        }
        const string snapshot = """
            select string_agg(concat_ws(' ', kind, github_comment_id, outdated, minimized, minimized_reason, resolved, resolved_by,
                                        resolved_by_bot, human_replies, body, html_url), E'\n' order by kind, github_comment_id)
            from review_comments
            """;
        const string forget = """
            update review_comments set outdated = null, minimized = null, minimized_reason = null, resolved = null, resolved_by = null,
                resolved_by_bot = null, human_replies = null, body = null, html_url = null, signals_read_at = null, thread_read_at = null
            """;

        await CycleAsync(first);
        var one = await _db.ScalarAsync<string>(snapshot);
        await _db.ExecuteAsync(forget);
        await CycleAsync(first == PollerStrategy.GraphQl ? PollerStrategy.Rest : PollerStrategy.GraphQl);
        var other = await _db.ScalarAsync<string>(snapshot);

        Assert.Equal(one, other);
        Assert.Contains(" t ", one);
    }

    [Fact]
    public async Task An_unclear_answer_leaves_the_signals_as_they_were()
    {
        await RunAsync(TimeSpan.FromMinutes(5), (CommentKind.Inline, 1));
        Fake.SetOutdated(1, true);
        Fake.ResolveThread(1, "ann");
        await CycleAsync();
        Assert.Equal("true false - | true ann false 0", await SignalsAsync("inline", 1));

        Fake.SetOutdated(1, false);
        Fake.UnresolveThread(1);
        // An error deep under the comment's node, and one under the pull request's threads: both unknown this cycle.
        Fake.MutateGraphQl = (answer, ids) =>
        {
            var path = ids[0].StartsWith("PR_") ? new JsonArray("nodes", 0, "reviewThreads") : new JsonArray("nodes", 0, "up");
            answer["errors"] = new JsonArray(new JsonObject { ["type"] = "SERVICE_UNAVAILABLE", ["message"] = "try later", ["path"] = path });
        };
        var report = await CycleAsync();
        Assert.Equal("true false - | true ann false 0", await SignalsAsync("inline", 1));
        Assert.Contains(report.Errors, e => e.Contains("threads of pull request"));

        Fake.MutateGraphQl = null;
        await CycleAsync();
        Assert.Equal("false false - | false - false 0", await SignalsAsync("inline", 1));
    }

    [Fact]
    public async Task Text_and_link_are_read_once_and_a_captured_text_is_kept()
    {
        var task = await RunAsync(TimeSpan.FromMinutes(5), (CommentKind.Inline, 1));
        await new CaptureService(_db.DataSource, _gh.Time).AddCommentsAsync(task,
            [new CommentInput("inline", 2, FakeGitHub.NodeIdFor(CommentKind.Inline, 2), "a.cs", 3, Body: "What the bot said.\n\tIndented.").ToCaptured()], Ct);
        Fake.AddComment(Repo, CommentKind.Inline, 2);
        Fake.SetBody(CommentKind.Inline, 1, new string('x', 5000));

        await CycleAsync();
        Assert.Equal(PollStore.BodyChars, await _db.ScalarAsync<int>("select length(body) from review_comments where github_comment_id = 1"));
        Assert.Equal("What the bot said.\n\tIndented.", await _db.ScalarAsync<string>("select body from review_comments where github_comment_id = 2"));
        Assert.NotNull(await _db.ScalarAsync<string>("select html_url from review_comments where github_comment_id = 2"));

        Fake.SetBody(CommentKind.Inline, 1, "edited");
        var before = Fake.Count("graphql");
        await CycleAsync();
        // One nodes request and one threads request: the text is not read again.
        Assert.Equal(before + 2, Fake.Count("graphql"));
        Assert.Equal(PollStore.BodyChars, await _db.ScalarAsync<int>("select length(body) from review_comments where github_comment_id = 1"));
    }

    [Fact]
    public async Task Threads_of_runs_older_than_a_day_are_read_hourly_and_count_in_the_cycles_points()
    {
        var task = await RunAsync(TimeSpan.FromDays(2), (CommentKind.Inline, 1));
        // Learned from a comment node when the run's comments are polled (tiers poll a 2-day-old comment 1 cycle in 12).
        await _db.ExecuteAsync($"update tasks set pr_node_id = '{FakeGitHub.PullRequestNodeId(Fake.Repo(Repo).Id, 1)}' where id = '{task}'");
        await CycleAsync();
        Fake.ResolveThread(1, "ann");

        var points = Fake.GraphQlPoints;
        var report = await CycleAsync();
        // The old run's threads are not due again within the hour.
        Assert.EndsWith("| false - false 0", await SignalsAsync("inline", 1));
        Assert.Equal(Fake.GraphQlPoints - points, await _db.ScalarAsync<int>("select points_graphql from poll_cycles order by id desc limit 1"));
        Assert.Equal(CycleStatus.Ok, report.Status);

        _gh.FakeTime.Advance(TimeSpan.FromHours(1));
        points = Fake.GraphQlPoints;
        await CycleAsync();
        Assert.EndsWith("| true ann false 0", await SignalsAsync("inline", 1));
        // The threads request is charged by GitHub's formula and counted in the cycle's points, which the budget reads.
        Assert.Equal(Fake.GraphQlPoints - points, await _db.ScalarAsync<int>("select points_graphql from poll_cycles order by id desc limit 1"));
        Assert.True(Fake.GraphQlPoints - points >= 1);
    }
}
