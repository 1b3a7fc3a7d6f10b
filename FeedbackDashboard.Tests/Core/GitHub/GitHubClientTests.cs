using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Core.GitHub;

public sealed class GitHubClientTests : IAsyncLifetime
{
    private const long Inst = 77;
    private const string Repo = "Acme/Widgets";
    private GitHubHarness _gh = null!;
    private FakeGitHub Fake => _gh.Fake;

    public async ValueTask InitializeAsync()
    {
        _gh = await GitHubHarness.StartAsync();
        Fake.Installations.Add(Inst);
    }

    public async ValueTask DisposeAsync() => await _gh.DisposeAsync();

    private static CommentRef Inline(long id, string? etag = null) => new(Repo, CommentKind.Inline, id, FakeGitHub.NodeIdFor(CommentKind.Inline, id), etag);

    [Fact]
    public async Task Rest_reads_every_page_of_150_reactions_keyed_by_user_id()
    {
        Fake.AddComment(Repo, CommentKind.Inline, 10);
        for (var u = 1; u <= 150; u++) Fake.React(CommentKind.Inline, 10, u, u % 3 == 0 ? "-1" : "+1");
        Fake.ReactOther(CommentKind.Inline, 10, 999, "heart");

        var result = await _gh.Client.Reactions.GetRestAsync(new GitHubUsage(), Inst, Inline(10), Ct);

        Assert.Equal(FetchOutcome.Known, result.Outcome);
        Assert.Equal(150, result.Reactions.Count);
        Assert.Equal(150, result.Reactions.Select(r => r.UserId).Distinct().Count());
        Assert.Equal(50, result.Reactions.Count(r => r.Content == ReactionContent.Down));
        Assert.Equal(2, Fake.Count("reactions"));
        // Two pages: the first page's ETag does not vouch for the second, so none is kept.
        Assert.Null(result.ETag);
    }

    [Fact]
    public async Task Rest_conditional_request_answers_304_and_costs_no_point()
    {
        Fake.AddComment(Repo, CommentKind.Reply, 11);
        Fake.React(CommentKind.Reply, 11, 5, "+1");
        var usage = new GitHubUsage();
        var reply = new CommentRef(Repo, CommentKind.Reply, 11);

        var first = await _gh.Client.Reactions.GetRestAsync(usage, Inst, reply, Ct);
        Assert.Equal(FetchOutcome.Known, first.Outcome);
        Assert.NotNull(first.ETag);
        var pointsAfterFirst = Fake.Points;

        var second = await _gh.Client.Reactions.GetRestAsync(usage, Inst, reply with { ETag = first.ETag, ETagToken = first.ETagToken }, Ct);
        Assert.Equal(FetchOutcome.NotModified, second.Outcome);
        Assert.Equal(pointsAfterFirst, Fake.Points);
        Assert.Equal(1, usage.NotModified);
        Assert.Equal(1, Fake.CountStatus(304));

        Fake.React(CommentKind.Reply, 11, 6, "-1");
        var third = await _gh.Client.Reactions.GetRestAsync(usage, Inst, reply with { ETag = first.ETag, ETagToken = first.ETagToken }, Ct);
        Assert.Equal(FetchOutcome.Known, third.Outcome);
        Assert.Equal(2, third.Reactions.Count);
    }

    [Fact]
    public async Task A_failed_second_page_leaves_the_comment_unknown_not_empty()
    {
        Fake.AddComment(Repo, CommentKind.Inline, 12);
        for (var u = 1; u <= 120; u++) Fake.React(CommentKind.Inline, 12, u, "+1");
        Fake.Fail("reactions", 422, times: 1, when: r => r.Query["page"] == "2");

        var result = await _gh.Client.Reactions.GetRestAsync(new GitHubUsage(), Inst, Inline(12), Ct);

        Assert.Equal(FetchOutcome.Failed, result.Outcome);
        Assert.Empty(result.Reactions);
    }

    [Fact]
    public async Task Deleted_comment_is_gone_over_rest()
    {
        Fake.AddComment(Repo, CommentKind.Inline, 13);
        Fake.DeleteComment(CommentKind.Inline, 13);
        var result = await _gh.Client.Reactions.GetRestAsync(new GitHubUsage(), Inst, Inline(13), Ct);
        Assert.Equal(FetchOutcome.Gone, result.Outcome);
    }

    [Fact]
    public async Task Graphql_reads_250_comments_in_3_requests_and_reports_a_deleted_one_per_comment()
    {
        var ids = new List<string>();
        for (var i = 1; i <= 250; i++)
        {
            var kind = i % 2 == 0 ? CommentKind.Inline : CommentKind.Reply;
            Fake.AddComment(Repo, kind, 1000 + i);
            Fake.React(kind, 1000 + i, 1, "+1");
            if (i % 5 == 0) Fake.React(kind, 1000 + i, 2, "-1");
            ids.Add(FakeGitHub.NodeIdFor(kind, 1000 + i));
        }
        Fake.DeleteComment(CommentKind.Reply, 1007);

        var results = await _gh.Client.Reactions.GetGraphQlAsync(new GitHubUsage(), Inst, ids, Ct);

        Assert.Equal(3, Fake.Count("graphql"));
        Assert.Equal(250, results.Count);
        Assert.Equal(FetchOutcome.Gone, results[FakeGitHub.NodeIdFor(CommentKind.Reply, 1007)].Result.Outcome);
        Assert.Equal(249, results.Values.Count(r => r.Result.Outcome == FetchOutcome.Known));
        Assert.Equal(2, results[FakeGitHub.NodeIdFor(CommentKind.Reply, 1005)].Result.Reactions.Count);
        Assert.Equal([ReactionContent.Up], results[FakeGitHub.NodeIdFor(CommentKind.Inline, 1002)].Result.Reactions.Select(r => r.Content));
    }

    [Fact]
    public async Task Graphql_follows_page_info_past_100_reactions_and_keeps_only_thumbs()
    {
        Fake.AddComment(Repo, CommentKind.Inline, 20);
        for (var u = 1; u <= 150; u++) Fake.React(CommentKind.Inline, 20, u, "+1");
        for (var u = 1; u <= 40; u++) Fake.React(CommentKind.Inline, 20, u, u % 2 == 0 ? "heart" : "rocket");
        Fake.React(CommentKind.Inline, 20, 1, "-1");
        for (var u = 151; u <= 180; u++) Fake.React(CommentKind.Inline, 20, u, "+1");

        var results = await _gh.Client.Reactions.GetGraphQlAsync(new GitHubUsage(), Inst, [FakeGitHub.NodeIdFor(CommentKind.Inline, 20)], Ct);

        var r = results.Single().Value.Result;
        Assert.Equal(FetchOutcome.Known, r.Outcome);
        Assert.Equal(180, r.Reactions.Count(x => x.Content == ReactionContent.Up));
        Assert.Equal(180, r.Reactions.Where(x => x.Content == ReactionContent.Up).Select(x => x.UserId).Distinct().Count());
        Assert.Equal(1, r.Reactions.Count(x => x.Content == ReactionContent.Down));
        Assert.Equal(181, r.Reactions.Count); // ❤️ and 🚀 are read and dropped
        // 221 reactions of every kind: the batch (1 point per 100 comments), then pages 2 and 3 of the one connection.
        Assert.Equal(3, Fake.Count("graphql"));
        Assert.Equal(["nodes", "reactions_page", "reactions_page"], Fake.Requests.Where(x => x.Route == "graphql").Select(x => x.Operation));
    }

    [Theory]
    [InlineData(false, 37)]
    [InlineData(true, 37)]
    [InlineData(false, 0)]
    [InlineData(false, 99)]
    public async Task Graphql_error_without_a_path_is_isolated_by_splitting_and_the_other_99_are_answered(bool dataKept, int bad)
    {
        var ids = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            Fake.AddComment(Repo, CommentKind.Inline, 3000 + i);
            Fake.React(CommentKind.Inline, 3000 + i, 1, "+1");
            ids.Add(FakeGitHub.NodeIdFor(CommentKind.Inline, 3000 + i));
        }
        Fake.UnattributableFaults[ids[bad]] = dataKept;
        var usage = new GitHubUsage();

        var results = await _gh.Client.Reactions.GetGraphQlAsync(usage, Inst, ids, Ct);
        var signals = await _gh.Client.Comments.GetSignalsAsync(usage, Inst, ids, Ct);

        foreach (var answers in new[] { results, signals })
        {
            Assert.Equal(99, answers.Values.Count(r => r.Result.Outcome == FetchOutcome.Known));
            var failed = Assert.Single(answers, r => r.Value.Result.Outcome == FetchOutcome.Failed);
            Assert.Equal(ids[bad], failed.Key);
            Assert.Contains("Something went wrong", failed.Value.Result.Error);
            Assert.Matches(@"batch of 100 split to isolate it: \d+ extra requests", failed.Value.Result.Error);
        }
        Assert.Equal([ReactionContent.Up], results[ids[bad == 0 ? 1 : 0]].Result.Reactions.Select(r => r.Content));
        // Halving 100 ids down to one takes 7 splits of 2 requests each: at most 2·⌈log2 100⌉ = 14 extra a batch.
        var extra = Fake.Count("graphql") - 2;
        TestContext.Current.TestOutputHelper?.WriteLine($"bad node at {bad}, data kept {dataKept}: {Fake.Count("graphql")} requests for two batches, {usage.GraphQlSplitRequests} of them splits, {Fake.GraphQlPoints} points");
        Assert.Equal(extra, usage.GraphQlSplitRequests);
        Assert.InRange(extra, 2, 2 * 14);
    }

    [Fact]
    public async Task Graphql_errors_without_a_path_everywhere_spend_a_bounded_number_of_extra_requests()
    {
        var ids = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            Fake.AddComment(Repo, CommentKind.Inline, 4000 + i);
            ids.Add(FakeGitHub.NodeIdFor(CommentKind.Inline, 4000 + i));
            Fake.UnattributableFaults[ids[^1]] = false;
        }
        var usage = new GitHubUsage();

        var results = await _gh.Client.Reactions.GetGraphQlAsync(usage, Inst, ids, Ct);

        Assert.All(results.Values, r => Assert.Equal(FetchOutcome.Failed, r.Result.Outcome));
        // What two bad nodes may cost, and not a request more: 4·⌈log2 100⌉.
        Assert.Equal(28, usage.GraphQlSplitRequests);
        Assert.Equal(1 + 28, Fake.Count("graphql"));
    }

    [Fact]
    public async Task Graphql_batch_that_fails_marks_its_comments_failed_not_empty()
    {
        Fake.AddComment(Repo, CommentKind.Inline, 21);
        Fake.React(CommentKind.Inline, 21, 1, "+1");
        Fake.Fail("graphql", 502, times: 3);

        var results = await _gh.Client.Reactions.GetGraphQlAsync(new GitHubUsage(), Inst, [FakeGitHub.NodeIdFor(CommentKind.Inline, 21)], Ct);

        Assert.Equal(FetchOutcome.Failed, results.Single().Value.Result.Outcome);
        Assert.Equal(3, Fake.Count("graphql")); // one try and two retries, no more
    }

    [Fact]
    public async Task Node_id_is_looked_up_by_rest()
    {
        Fake.AddComment(Repo, CommentKind.Reply, 30, nodeId: "IC_kwDOxyz");
        var (outcome, node) = await _gh.Client.Comments.GetNodeIdAsync(new GitHubUsage(), Inst, new CommentRef(Repo, CommentKind.Reply, 30), Ct);
        Assert.Equal(FetchOutcome.Known, outcome);
        Assert.Equal("IC_kwDOxyz", node);

        var (gone, _) = await _gh.Client.Comments.GetNodeIdAsync(new GitHubUsage(), Inst, new CommentRef(Repo, CommentKind.Reply, 31), Ct);
        Assert.Equal(FetchOutcome.Gone, gone);
    }

    [Fact]
    public async Task Token_is_reused_until_five_minutes_before_expiry()
    {
        Fake.AddComment(Repo, CommentKind.Inline, 40);
        var usage = new GitHubUsage();
        for (var i = 0; i < 5; i++) await _gh.Client.Reactions.GetRestAsync(usage, Inst, Inline(40), Ct);
        Assert.Equal(1, Fake.Count("token"));

        _gh.FakeTime.Advance(TimeSpan.FromMinutes(54)); // 6 minutes left: still reused
        await _gh.Client.Reactions.GetRestAsync(usage, Inst, Inline(40), Ct);
        Assert.Equal(1, Fake.Count("token"));

        _gh.FakeTime.Advance(TimeSpan.FromMinutes(2)); // 4 minutes left: minted anew
        await _gh.Client.Reactions.GetRestAsync(usage, Inst, Inline(40), Ct);
        Assert.Equal(2, Fake.Count("token"));
        Assert.Equal(2, _gh.Auth.Mints);
    }

    [Fact]
    public async Task Failed_mint_skips_the_installation_for_the_rest_of_the_session_only()
    {
        Fake.AddComment(Repo, CommentKind.Inline, 50);
        var usage = new GitHubUsage();
        var bad = new CommentRef("other/repo", CommentKind.Inline, 50);

        await Assert.ThrowsAsync<InstallationUnavailableException>(() => _gh.Client.Reactions.GetRestAsync(usage, 666, bad, Ct));
        await Assert.ThrowsAsync<InstallationUnavailableException>(() => _gh.Client.Reactions.GetRestAsync(usage, 666, bad, Ct));
        Assert.Equal(1, Fake.Count("token")); // the second call was refused without asking GitHub

        var good = await _gh.Client.Reactions.GetRestAsync(usage, Inst, Inline(50), Ct);
        Assert.Equal(FetchOutcome.Known, good.Outcome);

        // A new cycle tries the installation again.
        await Assert.ThrowsAsync<InstallationUnavailableException>(() => _gh.Client.Reactions.GetRestAsync(new GitHubUsage(), 666, bad, Ct));
        Assert.Equal(3, Fake.Count("token"));
    }

    [Fact]
    public async Task Unauthorized_call_re_mints_once_then_gives_up_for_the_session()
    {
        Fake.AddComment(Repo, CommentKind.Inline, 60);
        Fake.React(CommentKind.Inline, 60, 1, "+1");
        var usage = new GitHubUsage();

        Fake.Fail("reactions", 401, times: 1);
        var healed = await _gh.Client.Reactions.GetRestAsync(usage, Inst, Inline(60), Ct);
        Assert.Equal(FetchOutcome.Known, healed.Outcome);
        Assert.Equal(2, Fake.Count("token"));

        Fake.Fail("reactions", 401, times: 2);
        await Assert.ThrowsAsync<InstallationUnavailableException>(() => _gh.Client.Reactions.GetRestAsync(usage, Inst, Inline(60), Ct));
        Assert.True(usage.IsUnavailable(Inst, out _));
    }

    [Fact]
    public async Task Retry_after_is_honoured_before_the_next_request()
    {
        await using var gh = await GitHubHarness.StartAsync(TimeProvider.System);
        gh.Fake.Installations.Add(Inst);
        gh.Fake.AddComment(Repo, CommentKind.Inline, 70);
        gh.Fake.React(CommentKind.Inline, 70, 1, "+1");
        gh.Fake.Fail("reactions", 403, times: 1, retryAfterSeconds: 1, body: """{"message":"You have exceeded a secondary rate limit."}""");

        var result = await gh.Client.Reactions.GetRestAsync(new GitHubUsage(), Inst, Inline(70), Ct);

        Assert.Equal(FetchOutcome.Known, result.Outcome);
        var calls = gh.Fake.Requests.Where(r => r.Route == "reactions").ToList();
        Assert.Equal([403, 200], calls.Select(c => c.Status));
        Assert.True(calls[1].At - calls[0].At >= TimeSpan.FromMilliseconds(950), $"waited only {calls[1].At - calls[0].At}");
    }

    [Fact]
    public async Task Server_errors_are_retried_at_most_twice()
    {
        Fake.AddComment(Repo, CommentKind.Inline, 80);
        Fake.Fail("reactions", 500, times: 2);
        var recovered = await _gh.Client.Reactions.GetRestAsync(new GitHubUsage(), Inst, Inline(80), Ct);
        Assert.Equal(FetchOutcome.Known, recovered.Outcome);
        Assert.Equal(3, Fake.Count("reactions"));
    }

    [Fact]
    public async Task At_most_four_requests_are_in_flight_per_installation()
    {
        await using var gh = await GitHubHarness.StartAsync(TimeProvider.System);
        gh.Fake.Installations.Add(Inst);
        gh.Fake.Latency = TimeSpan.FromMilliseconds(40);
        for (var i = 0; i < 16; i++) gh.Fake.AddComment(Repo, CommentKind.Inline, 90 + i);
        var usage = new GitHubUsage();
        await gh.Client.Reactions.GetRestAsync(usage, Inst, Inline(90), Ct); // mint first

        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => gh.Client.Reactions.GetRestAsync(usage, Inst, Inline(90 + i), Ct)));

        Assert.Equal(GitHubConnection.MaxInFlightPerInstallation, gh.Fake.MaxInFlight);
        Assert.Equal(17, usage.Requests);
        Assert.True(usage.RateLimits[(Inst, RateBucket.Core)].Remaining < 5000);
    }

    [Fact]
    public async Task Maintainer_lists_follow_every_page()
    {
        Fake.MaxPageSize = 2;
        var repo = Fake.AddRepo(Repo, "Organization", ownerId: 9, ownerLogin: "Acme");
        repo.Collaborators.AddRange([new GitHubUser(1, "a", "admin"), new GitHubUser(2, "b"), new GitHubUser(3, "c")]);
        Fake.SetOrgMembers("Acme", [.. Enumerable.Range(10, 5).Select(i => new GitHubUser(i, $"m{i}"))]);
        var usage = new GitHubUsage();

        var owner = await _gh.Client.Repositories.GetOwnerAsync(usage, Inst, Repo, Ct);
        var collaborators = await _gh.Client.Repositories.GetDirectCollaboratorsAsync(usage, Inst, Repo, Ct);
        var members = await _gh.Client.Organizations.GetMembersAsync(usage, Inst, owner.Login, Ct);

        Assert.Equal(new RepoOwner(9, "Acme", OwnerType.Organization), owner);
        Assert.Equal([1L, 2, 3], collaborators.Select(c => c.Id));
        Assert.Equal("admin", collaborators[0].RoleName);
        Assert.Equal(5, members.Count);
        Assert.Equal(2, Fake.Count("collaborators"));
        Assert.Equal(3, Fake.Count("members"));
        Assert.Contains(Fake.Requests, r => r.Route == "collaborators" && r.Path.Contains("affiliation=direct"));
    }

    [Fact]
    public async Task A_failed_members_page_fails_the_whole_list()
    {
        Fake.MaxPageSize = 2;
        Fake.SetOrgMembers("acme", [.. Enumerable.Range(10, 5).Select(i => new GitHubUser(i, $"m{i}"))]);
        Fake.Fail("members", 404, when: r => r.Query["page"] == "2");
        var e = await Assert.ThrowsAsync<GitHubRequestException>(() => _gh.Client.Organizations.GetMembersAsync(new GitHubUsage(), Inst, "acme", Ct));
        Assert.Equal(404, e.Status);
    }

    [Fact]
    public async Task Review_comments_are_read_on_every_page()
    {
        Fake.MaxPageSize = 2;
        for (var i = 0; i < 5; i++) Fake.AddComment(Repo, CommentKind.Inline, 500 + i, path: "src/a.cs", line: 10 + i, reviewId: 42, prNumber: 7);
        Fake.AddComment(Repo, CommentKind.Inline, 600, reviewId: 43, prNumber: 7);

        var comments = await _gh.Client.PullRequests.GetReviewCommentsAsync(new GitHubUsage(), Inst, Repo, 7, 42, Ct);

        Assert.Equal([500L, 501, 502, 503, 504], comments.Select(c => c.Id));
        Assert.Equal(12, comments[2].Line);
        Assert.Equal("PRRC_500", comments[0].NodeId);
        Assert.Equal(3, Fake.Count("review-comments"));
    }

    [Fact]
    public async Task An_octokit_call_answered_401_re_mints_once_then_gives_up_for_the_session()
    {
        Fake.AddRepo(Repo).Collaborators.Add(new GitHubUser(1, "a"));
        var usage = new GitHubUsage();

        Fake.Fail("collaborators", 401, times: 1);
        var healed = await _gh.Client.Repositories.GetDirectCollaboratorsAsync(usage, Inst, Repo, Ct);
        Assert.Equal([1L], healed.Select(c => c.Id));
        Assert.Equal(2, Fake.Count("token")); // Octokit's second try carried the re-minted token
        Assert.Equal([401, 200], Fake.Requests.Where(r => r.Route == "collaborators").Select(r => r.Status));

        Fake.Fail("collaborators", 401, times: 2);
        await Assert.ThrowsAsync<InstallationUnavailableException>(() => _gh.Client.Repositories.GetDirectCollaboratorsAsync(usage, Inst, Repo, Ct));
        Assert.True(usage.IsUnavailable(Inst, out _));
        Assert.Equal(3, Fake.Count("token")); // one re-mint per call, no more
    }

    [Theory]
    [InlineData("exhausted")]
    [InlineData("429")]
    public async Task A_rate_limited_octokit_call_blocks_the_installations_core_bucket_only(string how)
    {
        Fake.AddRepo(Repo, "Organization", ownerId: 9, ownerLogin: "Acme");
        Fake.AddComment(Repo, CommentKind.Inline, 110);
        Fake.React(CommentKind.Inline, 110, 1, "+1");
        var usage = new GitHubUsage();
        await _gh.Client.Reactions.GetGraphQlAsync(usage, Inst, [FakeGitHub.NodeIdFor(CommentKind.Inline, 110)], Ct); // mint first
        if (how == "exhausted") Fake.SetRemaining(Inst, RateBucket.Core, 0); // 403, x-ratelimit-remaining: 0, reset in an hour
        else Fake.Fail("repo", 429, retryAfterSeconds: 600);

        var e = await Assert.ThrowsAsync<InstallationUnavailableException>(() => _gh.Client.Repositories.GetOwnerAsync(usage, Inst, Repo, Ct));

        Assert.Equal(RateBucket.Core, e.Bucket);
        Assert.True(usage.IsUnavailable(Inst, RateBucket.Core, out _));
        Assert.False(usage.IsUnavailable(Inst, out _));
        Assert.Equal(1, Fake.Count("repo"));
        // Every later core call of the run is refused without asking GitHub, Octokit's and our HttpClient's alike.
        Fake.ClearLog();
        await Assert.ThrowsAsync<InstallationUnavailableException>(() => _gh.Client.Organizations.GetMembersAsync(usage, Inst, "Acme", Ct));
        await Assert.ThrowsAsync<InstallationUnavailableException>(() => _gh.Client.Reactions.GetRestAsync(usage, Inst, Inline(110), Ct));
        Assert.Empty(Fake.Requests);
        // GraphQL is another budget.
        var graph = await _gh.Client.Reactions.GetGraphQlAsync(usage, Inst, [FakeGitHub.NodeIdFor(CommentKind.Inline, 110)], Ct);
        Assert.Equal(FetchOutcome.Known, graph.Single().Value.Result.Outcome);
    }

    [Fact]
    public async Task A_renamed_repository_is_read_through_its_301_with_the_token()
    {
        Fake.MaxPageSize = 2;
        var repo = Fake.AddRepo(Repo, "Organization", ownerId: 9, ownerLogin: "Acme");
        repo.Collaborators.AddRange([new GitHubUser(1, "a", "admin"), new GitHubUser(2, "b"), new GitHubUser(3, "c")]);
        Fake.RenameRepo(Repo, "acme/gadgets");
        var usage = new GitHubUsage();

        var owner = await _gh.Client.Repositories.GetOwnerAsync(usage, Inst, Repo, Ct);
        var collaborators = await _gh.Client.Repositories.GetDirectCollaboratorsAsync(usage, Inst, Repo, Ct);

        Assert.Equal(new RepoOwner(9, "Acme", OwnerType.Organization), owner);
        Assert.Equal([1L, 2, 3], collaborators.Select(c => c.Id));
        // The old name answered 301 and /repositories/{id}/… (which answers only to the token) was read, every page.
        Assert.Equal([301, 200], Fake.Requests.Where(r => r.Route == "repo").Select(r => r.Status));
        Assert.Equal([301, 200, 200], Fake.Requests.Where(r => r.Route == "collaborators").Select(r => r.Status));
        Assert.All(Fake.Requests.Where(r => r.Status == 200 && r.Route != "token"), r => Assert.StartsWith($"/api/v3/repositories/{repo.Id}", r.Path));
        Assert.DoesNotContain(Fake.Requests, r => r.Status == 401);
    }
}
