using System.Text.Json.Nodes;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Repositories;
using FeedbackDashboard.Core.Runs;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Fidelity;

/// <summary>
/// GitHub's published behaviour that our own answers used to hide: partial GraphQL errors, RATE_LIMITED in a 200,
/// renames, lost access, bots and deleted accounts, token-bound ETags, client-sent node ids. Each test runs the real
/// poller against the fake, on its own database, and checks what is stored.
/// </summary>
public sealed class GitHubFidelityTests : IAsyncLifetime
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

    private async Task<Guid> RunAsync(string repo, params (CommentKind Kind, long Id)[] comments)
    {
        var task = await _db.TaskAsync(repo, Now.AddMinutes(-5));
        foreach (var (kind, id) in comments)
        {
            Fake.AddComment(repo, kind, id);
            await _db.CommentAsync(task, kind.ToWire(), id, Now.AddMinutes(-5), nodeId: FakeGitHub.NodeIdFor(kind, id));
        }
        return task;
    }

    private async Task<PollReport> CycleAsync(PollerStrategy strategy = PollerStrategy.GraphQl)
    {
        var report = await PollerHarness.Poller(_db, _gh, PollerHarness.Settings(strategy)).RunCycleAsync(Ct);
        _gh.FakeTime.Advance(TimeSpan.FromSeconds(300));
        return report;
    }

    private Task<long> RetiredAsync() => _db.ScalarAsync<long>("select count(*) from review_comments where gone_at is not null");

    /// <summary>Two comments with a 👍 each, polled once so the table holds them.</summary>
    private async Task TwoPolledCommentsAsync()
    {
        await RunAsync(Repo, (CommentKind.Inline, 1), (CommentKind.Reply, 2));
        Fake.React(CommentKind.Inline, 1, 10, "+1", "ann");
        Fake.React(CommentKind.Reply, 2, 11, "+1", "bob");
        Assert.Equal(CycleStatus.Ok, (await CycleAsync()).Status);
        Assert.Equal(2, (await _db.FeedbackAsync()).Count);
        Fake.Unreact(CommentKind.Inline, 1, 10, "+1");
        Fake.Unreact(CommentKind.Reply, 2, 11, "+1");
    }

    public static TheoryData<string> PartialAnswers => ["deep error", "pathless error", "data null", "null reaction", "null node without error"];

    [Theory]
    [MemberData(nameof(PartialAnswers))]
    public async Task An_answer_carrying_an_error_leaves_stored_rows_and_comments_as_they_were(string shape)
    {
        await TwoPolledCommentsAsync();
        Fake.MutateGraphQl = (answer, _) =>
        {
            var errors = answer["errors"] as JsonArray ?? [];
            var nodes = answer["data"]?["nodes"] as JsonArray;
            switch (shape)
            {
                case "deep error":
                    errors.Add(new JsonObject { ["type"] = "FORBIDDEN", ["message"] = "no", ["path"] = new JsonArray("nodes", 0, "up") });
                    errors.Add(new JsonObject { ["type"] = "FORBIDDEN", ["message"] = "no", ["path"] = new JsonArray("nodes", 1, "down", "nodes", 0, "user") });
                    break;
                case "pathless error":
                    errors.Add(new JsonObject { ["type"] = "SERVICE_UNAVAILABLE", ["message"] = "something went wrong" });
                    break;
                case "data null":
                    answer["data"] = null;
                    errors.Add(new JsonObject { ["message"] = "timeout" });
                    break;
                case "null reaction":
                    foreach (var n in nodes!) ((JsonArray)n!["reactions"]!["nodes"]!).Add(null);
                    break;
                case "null node without error":
                    nodes![0] = null;
                    nodes[1] = null;
                    break;
            }
            if (errors.Count > 0) answer["errors"] = errors;
        };

        var report = await CycleAsync();

        Assert.Equal(2, (await _db.FeedbackAsync()).Count); // the un-reacts are not applied on an unclear answer
        Assert.Equal(0L, await RetiredAsync());
        Assert.Equal(2, report.CommentsFailed);
        Assert.Equal(CycleStatus.Failed, report.Status);
        Assert.Equal("failed", await _db.ScalarAsync<string>("select status from poll_cycles order by id desc limit 1"));

        Fake.MutateGraphQl = null;
        await CycleAsync();
        Assert.Empty(await _db.FeedbackAsync()); // the next clear answer applies them
    }

    [Fact]
    public async Task One_node_failing_without_a_path_stays_unknown_and_the_99_beside_it_update_in_the_same_cycle()
    {
        var comments = Enumerable.Range(1, 100).Select(i => (CommentKind.Inline, (long)(500 + i))).ToArray();
        await RunAsync(Repo, comments);
        foreach (var (kind, id) in comments) Fake.React(kind, id, 10, "+1", "ann");
        Fake.UnattributableFaults[FakeGitHub.NodeIdFor(CommentKind.Inline, 537)] = false;
        Fake.ClearLog();

        var report = await CycleAsync();

        Assert.Equal(99, (await _db.FeedbackAsync()).Count);
        Assert.Equal(0L, await _db.ScalarAsync<long>("select count(*) from review_feedback where github_comment_id = 537"));
        Assert.Equal(99, report.CommentsChecked);
        Assert.Equal(1, report.CommentsFailed);
        Assert.Equal(CycleStatus.Partial, report.Status);
        // The cost is in the cycle's record: the failed comment's error names the extra requests its isolation took.
        var error = Assert.Single(report.Errors);
        var extra = int.Parse(System.Text.RegularExpressions.Regex.Match(error, @"batch of 100 split to isolate it: (\d+) extra requests").Groups[1].Value);
        Assert.Contains("537", error);
        Assert.Contains(error, await _db.ScalarAsync<string>("select errors::text from poll_cycles order by id desc limit 1"));
        Assert.Equal(1 + extra, Fake.Requests.Count(r => r.Route == "graphql" && r.Operation == "nodes"));
        Assert.InRange(extra, 2, 14);
        TestContext.Current.TestOutputHelper?.WriteLine($"{error}; points_graphql {await _db.ScalarAsync<int>("select points_graphql from poll_cycles order by id desc limit 1")}");
    }

    [Fact]
    public async Task Graphql_rate_limited_in_a_200_stops_that_installations_graphql_until_the_reset_and_is_shown()
    {
        await TwoPolledCommentsAsync();
        await RunAsync(Repo, [.. Enumerable.Range(100, 300).Select(i => (CommentKind.Inline, (long)i))]);
        Fake.SetRemaining(Inst, RateBucket.GraphQl, 1); // one batch of 100 (1 point), then nothing
        Fake.ClearLog();

        var report = await CycleAsync();

        // One batch answered, the next RATE_LIMITED (HTTP 200), and nothing more sent on this installation's GraphQL.
        Assert.Equal([200, 200], Fake.Requests.Where(r => r.Route == "graphql").Select(r => r.Status));
        Assert.Equal(0L, await RetiredAsync());
        Assert.Equal(302, report.CommentsFailed);
        Assert.Equal(2, (await _db.FeedbackAsync()).Count); // the un-reacts wait for a clear answer
        Assert.Contains(await new PollConditions(_db.DataSource, _gh.Time).OpenAsync(Ct), c => c.Kind == ConditionKind.RateLimited && c.InstallationId == Inst);
        Assert.Equal(1, await _db.ScalarAsync<int>("select points_graphql from poll_cycles order by id desc limit 1"));

        Fake.ClearLog();
        await CycleAsync(); // five minutes later the reset is still far: not one GraphQL request
        Assert.Equal(0, Fake.Count("graphql"));
        Assert.Equal(1, Fake.Count("installation-repos")); // REST's core bucket is another budget and goes on
    }

    [Fact]
    public async Task Points_are_read_from_githubs_answers_per_bucket()
    {
        var comments = Enumerable.Range(1, 100).Select(i => (CommentKind.Inline, (long)i)).ToArray();
        await RunAsync(Repo, comments);

        await CycleAsync();

        // nodes(ids: 100) with one reactions(first: 100) connection each: 100 requests / 100 = 1 point, by GitHub's formula;
        // then the pull request's 100 review threads, two pages of 50: (1 + 50 × 1) / 100 rounds to 1 point each.
        Assert.Equal(3, await _db.ScalarAsync<int>("select points_graphql from poll_cycles order by id desc limit 1"));
        // REST's core bucket: the installation's repository list, one page.
        Assert.Equal(1, await _db.ScalarAsync<int>("select points_core from poll_cycles order by id desc limit 1"));
        Assert.Equal(4997, await _db.ScalarAsync<int>("select (rate_limits->'77'->'graphql'->>'remaining')::int from poll_cycles order by id desc limit 1"));
        Assert.Equal(4999, await _db.ScalarAsync<int>("select (rate_limits->'77'->'core'->>'remaining')::int from poll_cycles order by id desc limit 1"));
    }

    [Theory]
    [InlineData(PollerStrategy.GraphQl)]
    [InlineData(PollerStrategy.Rest)]
    public async Task A_renamed_repository_is_followed_by_its_id_with_the_token(PollerStrategy strategy)
    {
        await RunAsync(Repo, (CommentKind.Inline, 1), (CommentKind.Reply, 2));
        Fake.React(CommentKind.Inline, 1, 10, "+1");
        await CycleAsync(strategy);
        await _db.MaintainerAsync(Repo, 10, "ann", "MEMBER");

        Fake.RenameRepo(Repo, "acme/gadgets");
        Fake.React(CommentKind.Reply, 2, 11, "-1");
        var report = await CycleAsync(strategy);

        Assert.Equal(0, report.CommentsFailed);
        Assert.Equal(["inline/1/10/user10/+1", "reply/2/11/user11/-1"], await _db.FeedbackAsync());
        Assert.Equal(0L, await RetiredAsync());
        Assert.Equal("acme/gadgets", await _db.ScalarAsync<string>("select full_name from repositories"));
        Assert.Equal(Fake.Repo("acme/gadgets").Id, await _db.ScalarAsync<long>("select github_id from repositories"));
        Assert.Equal("acme/gadgets", await _db.ScalarAsync<string>("select repo_full_name from maintainers"));
        Assert.Contains(await new PollConditions(_db.DataSource, _gh.Time).OpenAsync(Ct), c => c.Kind == ConditionKind.Renamed);

        // REST against the old name answers 301 and is followed with the token (never unauthenticated).
        var moved = await _gh.Client.Reactions.GetRestAsync(new GitHubUsage(), Inst, new CommentRef(Repo, CommentKind.Reply, 2), Ct);
        Assert.Equal(FetchOutcome.Known, moved.Outcome);
        Assert.Contains(Fake.Requests, r => r.Status == 301);
        Assert.Contains(Fake.Requests, r => r.Path.Contains($"/repositories/{Fake.Repo("acme/gadgets").Id}/issues/comments/2/reactions") && r.Status == 200);
    }

    [Theory]
    [InlineData(PollerStrategy.GraphQl)]
    [InlineData(PollerStrategy.Rest)]
    public async Task Lost_access_pauses_the_repository_shows_a_condition_and_resumes_by_itself(PollerStrategy strategy)
    {
        await RunAsync(Repo, (CommentKind.Inline, 1), (CommentKind.Reply, 2));
        await RunAsync("acme/other", (CommentKind.Inline, 3));
        Fake.React(CommentKind.Inline, 1, 10, "+1");
        Fake.React(CommentKind.Inline, 3, 10, "+1");
        await CycleAsync(strategy);

        Fake.SetRepoInstallations(Repo, 999); // removed from installation 77
        Fake.ClearLog();
        var report = await CycleAsync(strategy);

        Assert.Equal(0L, await RetiredAsync());
        Assert.Equal(2, report.CommentsPaused);
        Assert.Equal(1, report.CommentsChecked + report.CommentsUnchanged); // the other repository goes on
        Assert.Contains("inline/1/10/user10/+1", await _db.FeedbackAsync());
        var lost = Assert.Single(await new PollConditions(_db.DataSource, _gh.Time).OpenAsync(Ct), c => c.Kind == ConditionKind.AccessLost);
        Assert.Equal((Inst, Repo), (lost.InstallationId, lost.Repository));
        // Only the other repository's comment was asked about (REST: its reactions list, and its signals by GraphQL)...
        Assert.Equal(strategy == PollerStrategy.GraphQl ? 1 : 2,
            Fake.GraphQlAsked.Count(d => d.Contains("nodes(ids:$ids)")) + Fake.Count("reactions"));
        // ...and only its pull request's threads.
        Assert.Equal(1, Fake.GraphQlAsked.Count(d => d.Contains("nodes(ids:$prs)")));

        Fake.SetRepoInstallations(Repo, Inst, 999);
        Fake.Unreact(CommentKind.Inline, 1, 10, "+1");
        await CycleAsync(strategy); // sees access back
        await CycleAsync(strategy); // polls again
        Assert.DoesNotContain(await new PollConditions(_db.DataSource, _gh.Time).OpenAsync(Ct), c => c.Kind == ConditionKind.AccessLost);
        Assert.DoesNotContain("inline/1/10/user10/+1", await _db.FeedbackAsync());
    }

    [Theory]
    [InlineData(PollerStrategy.GraphQl)]
    [InlineData(PollerStrategy.Rest)]
    public async Task A_deleted_comment_is_retired_and_a_wrong_verdict_heals(PollerStrategy strategy)
    {
        await RunAsync(Repo, (CommentKind.Inline, 1), (CommentKind.Reply, 2));
        Fake.React(CommentKind.Inline, 1, 10, "+1");
        await CycleAsync(strategy);

        Fake.DeleteComment(CommentKind.Inline, 1);
        var report = await CycleAsync(strategy);
        Assert.Equal(1, report.CommentsGone);
        Assert.Equal(1L, await RetiredAsync());
        Assert.Equal(["inline/1/10/user10/+1"], await _db.FeedbackAsync()); // its feedback stays

        // It comes back (a wrong verdict): re-checked at the slowest rate while its run is in the window.
        Fake.RestoreComment(CommentKind.Inline, 1);
        Fake.React(CommentKind.Inline, 1, 12, "-1");
        for (var i = 0; i < 72; i++) await CycleAsync(strategy);
        Assert.Equal(0L, await RetiredAsync());
        Assert.Contains("inline/1/12/user12/-1", await _db.FeedbackAsync());
    }

    [Fact]
    public async Task Bots_and_deleted_accounts_are_stored_by_neither_strategy_and_counted()
    {
        var comments = new[] { (CommentKind.Inline, 1L), (CommentKind.Reply, 2L), (CommentKind.Inline, 3L) };
        await RunAsync(Repo, comments);
        Fake.React(CommentKind.Inline, 1, 10, "+1", "ann");
        Fake.ReactAsBot(CommentKind.Inline, 1, 41898282, "+1");
        Fake.ReactAsGhost(CommentKind.Inline, 1, 55, "-1");
        Fake.ReactAsBot(CommentKind.Reply, 2, 41898282, "-1");
        Fake.React(CommentKind.Reply, 2, 11, "-1", "bob");
        Fake.ReactAsGhost(CommentKind.Inline, 3, 56, "+1");

        var graphql = await CycleAsync(PollerStrategy.GraphQl);
        var byGraphQl = await _db.FeedbackAsync();
        await _db.ExecuteAsync("delete from review_feedback; update review_comments set etag = null");
        var rest = await CycleAsync(PollerStrategy.Rest);
        var byRest = await _db.FeedbackAsync();

        Assert.Equal(["inline/1/10/ann/+1", "reply/2/11/bob/-1"], byGraphQl);
        Assert.Equal(byGraphQl, byRest);
        Assert.Equal((4, 4), (graphql.SkippedNonHuman, rest.SkippedNonHuman));
        Assert.Equal(CycleStatus.Ok, rest.Status);
        Assert.Equal(4, await _db.ScalarAsync<int>("select skipped_non_human from poll_cycles order by id desc limit 1"));
    }

    [Fact]
    public async Task Etags_are_sent_only_with_the_token_that_got_them_and_not_for_a_full_first_page()
    {
        await RunAsync(Repo, (CommentKind.Inline, 1), (CommentKind.Inline, 2));
        Fake.React(CommentKind.Inline, 1, 10, "+1");
        for (var u = 1; u <= 100; u++) Fake.React(CommentKind.Inline, 2, u, "+1"); // exactly one full page

        await CycleAsync(PollerStrategy.Rest);
        Assert.True(await _db.ScalarAsync<bool>("select etag is null from review_comments where github_comment_id = 2"));
        Assert.NotNull(await _db.ScalarAsync<string>("select etag_token from review_comments where github_comment_id = 1"));

        var same = await CycleAsync(PollerStrategy.Rest); // same token
        Assert.Equal(1, same.CommentsUnchanged);

        _gh.FakeTime.Advance(TimeSpan.FromMinutes(61)); // the token rotates
        Fake.ClearLog();
        var rotated = await CycleAsync(PollerStrategy.Rest);
        Assert.Equal(0, rotated.CommentsUnchanged);
        Assert.Equal(1, Fake.Count("token")); // a new token was minted
        Assert.DoesNotContain(Fake.Requests, r => r.Status == 304);
        var again = await CycleAsync(PollerStrategy.Rest); // the new token's ETag now answers 304
        Assert.Equal(1, again.CommentsUnchanged);
    }

    [Fact]
    public async Task A_node_id_of_another_repositorys_comment_is_refused_and_replaced()
    {
        await RunAsync("evil/elsewhere", (CommentKind.Inline, 900));
        Fake.React(CommentKind.Inline, 900, 66, "-1");
        var task = await _db.TaskAsync(Repo, Now.AddMinutes(-5));
        Fake.AddComment(Repo, CommentKind.Inline, 5);
        Fake.React(CommentKind.Inline, 5, 10, "+1");
        // A review:write key registered comment 5 with the node id of comment 900 in another repository.
        await _db.CommentAsync(task, "inline", 5, Now.AddMinutes(-5), nodeId: FakeGitHub.NodeIdFor(CommentKind.Inline, 900));

        var first = await CycleAsync();

        Assert.Equal(1, first.CommentsFailed);
        Assert.Contains(first.Errors, e => e.Contains("comment 5") && e.Contains("not polled with it"));
        Assert.DoesNotContain(await _db.FeedbackAsync(), r => r.StartsWith("inline/5/"));
        Assert.True(await _db.ScalarAsync<bool>("select node_id is null from review_comments where github_comment_id = 5"));

        await CycleAsync(); // looked up by its own id and polled
        Assert.Equal(FakeGitHub.NodeIdFor(CommentKind.Inline, 5), await _db.ScalarAsync<string>("select node_id from review_comments where github_comment_id = 5"));
        Assert.Contains("inline/5/10/user10/+1", await _db.FeedbackAsync());
    }

    [Fact]
    public async Task A_cycle_that_throws_is_recorded_failed_with_the_error()
    {
        await RunAsync(Repo, (CommentKind.Inline, 1));
        await _db.ExecuteAsync("alter table review_feedback rename to review_feedback_away");
        try
        {
            var report = await CycleAsync();
            Assert.Equal(CycleStatus.Failed, report.Status);
        }
        finally
        {
            await _db.ExecuteAsync("alter table review_feedback_away rename to review_feedback");
        }
        Assert.Equal("failed", await _db.ScalarAsync<string>("select status from poll_cycles order by id desc limit 1"));
        Assert.Contains("review_feedback", await _db.ScalarAsync<string>("select errors::text from poll_cycles order by id desc limit 1"));
    }
}
