using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Runs;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Fidelity;

/// <summary>
/// Polling stays the truth: deliveries that arrive late or in the wrong order against a poll of the same change. The
/// real poller and the real app share one database; the fake GitHub is both the API the poller reads and the sender
/// of the deliveries.
/// </summary>
public sealed class WebhookPollOrderTests : IAsyncLifetime
{
    private const string Secret = "order-matters";
    private const long Inst = 77;
    private readonly PostgresDatabase _db = new();
    private GitHubHarness _gh = null!;
    private AppFactory _app = null!;
    private FakeGitHub Fake => _gh.Fake;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _db.InitializeAsync();
        _gh = await GitHubHarness.StartAsync();
        Fake.Installations.Add(Inst);
        _app = new AppFactory(_db.ConnectionString, new Dictionary<string, string?> { ["GITHUB_WEBHOOK_SECRET"] = Secret });
        Fake.WebhookSecret = Secret;
        Fake.WebhookTarget = _app.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        Fake.WebhookTarget?.Dispose();
        await _app.DisposeAsync();
        await _gh.DisposeAsync();
        await _db.DisposeAsync();
    }

    private async Task CycleAsync()
    {
        Assert.Equal(CycleStatus.Ok, (await PollerHarness.Poller(_db, _gh, PollerHarness.Settings()).RunCycleAsync(Ct)).Status);
        _gh.FakeTime.Advance(TimeSpan.FromSeconds(300));
    }

    private async Task RepoAsync(string repo, long commentId)
    {
        var task = await _db.TaskAsync(repo, _gh.Time.GetUtcNow().AddMinutes(-5));
        Fake.AddComment(repo, CommentKind.Inline, commentId);
        await _db.CommentAsync(task, "inline", commentId, _gh.Time.GetUtcNow().AddMinutes(-5), nodeId: FakeGitHub.NodeIdFor(CommentKind.Inline, commentId));
    }

    [Fact]
    public async Task A_removal_delivered_after_the_re_adding_pauses_until_the_next_poll_lists_the_repository()
    {
        await RepoAsync("order/access", 1);
        await CycleAsync(); // learns the numeric id
        var id = Fake.Repo("order/access").Id;

        // Removed, then added again on GitHub; the deliveries arrive the other way round.
        Assert.Equal(200, await Fake.DeliverAsync("installation_repositories", WebhookPayloads.InstallationRepositories("added", Inst, (id, "order/access"))));
        Assert.Equal(200, await Fake.DeliverAsync("installation_repositories", WebhookPayloads.InstallationRepositories("removed", Inst, (id, "order/access"))));
        Assert.True(await _db.ScalarAsync<bool>("select access_lost_at is not null from repositories"));

        Fake.React(CommentKind.Inline, 1, 10, "+1");
        await CycleAsync(); // GitHub lists it: access back, condition cleared
        await CycleAsync(); // and polled
        Assert.True(await _db.ScalarAsync<bool>("select access_lost_at is null from repositories"));
        Assert.Equal(0L, await _db.ScalarAsync<long>("select count(*) from poller_conditions where kind = 'access_lost'"));
        Assert.Equal(["inline/1/10/user10/+1"], await _db.FeedbackAsync());
    }

    [Fact]
    public async Task A_rename_is_followed_once_whether_the_poll_or_the_delivery_comes_first()
    {
        await RepoAsync("order/first", 2);
        await _db.MaintainerAsync("order/first", 10, "ann", "MEMBER");
        await CycleAsync();
        var id = Fake.Repo("order/first").Id;

        Fake.RenameRepo("order/first", "order/second");
        await CycleAsync(); // the poll follows the rename first
        Assert.Equal(200, await Fake.DeliverAsync("repository", WebhookPayloads.RepositoryRenamed(id, "order/first", "order/second")));
        Assert.Equal("order/second", await _db.ScalarAsync<string>("select string_agg(full_name, ',') from repositories"));
        Assert.Equal("order/second", await _db.ScalarAsync<string>("select string_agg(repo_full_name, ',') from maintainers"));

        // The other way round: the delivery first, then the poll, which finds the same name by the same id.
        Fake.RenameRepo("order/second", "order/third");
        Assert.Equal(200, await Fake.DeliverAsync("repository", WebhookPayloads.RepositoryRenamed(id, "order/second", "order/third")));
        Assert.Equal("order/third", await _db.ScalarAsync<string>("select string_agg(full_name, ',') from repositories"));
        await CycleAsync();
        Assert.Equal("order/third", await _db.ScalarAsync<string>("select string_agg(full_name, ',') from repositories"));
        Assert.Equal("order/third", await _db.ScalarAsync<string>("select string_agg(repo_full_name, ',') from maintainers"));
        Assert.Equal(0L, await _db.ScalarAsync<long>("select count(*) from webhook_deliveries where outcome <> 'applied'"));
    }

    [Fact]
    public async Task A_comment_retired_by_its_delivery_stays_retired_through_polls_with_its_feedback_kept()
    {
        await RepoAsync("order/deleted", 3);
        Fake.React(CommentKind.Inline, 3, 11, "-1");
        await CycleAsync();

        Fake.DeleteComment(CommentKind.Inline, 3);
        Assert.Equal(200, await Fake.DeliverAsync("pull_request_review_comment", WebhookPayloads.Comment("pull_request_review_comment", "deleted", 3)));
        Assert.True(await _db.ScalarAsync<bool>("select gone_at is not null from review_comments"));
        await CycleAsync();
        Assert.True(await _db.ScalarAsync<bool>("select gone_at is not null from review_comments"));
        Assert.Equal(["inline/3/11/user11/-1"], await _db.FeedbackAsync());
    }
}
