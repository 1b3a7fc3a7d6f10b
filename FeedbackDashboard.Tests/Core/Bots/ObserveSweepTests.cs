using System.Text.Json;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Bots;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Runs;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeedbackDashboard.Tests.Core.Bots;

/// <summary>
/// The observed-bots sweep on a real database against the fake GitHub's comment lists: what no webhook brought is
/// registered, the backfill reaches as far as told, cursors move and quiet lists answer 304, edits update, plain issues
/// are skipped, candidates are counted, pull request authors are asked once, the budget holds, a failing repository
/// holds back no other, and a comment seen by both paths is stored once.
/// </summary>
public sealed class ObserveSweepTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private const long Inst = 77;
    private const string Bot = "coderabbitai[bot]";
    private GitHubHarness _gh = null!;
    private FakeGitHub Fake => _gh.Fake;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await db.ExecuteAsync("""
            truncate repositories, tasks, review_comments, bot_profiles, bot_candidates, observe_cursors, observe_spend, observe_budgets,
                     poll_cycles, poller_instances cascade
            """);
        _gh = await GitHubHarness.StartAsync();
        Fake.Installations.Add(Inst);
        await new BotProfiles(db.DataSource, _gh.Time).PutAsync("coderabbit", new BotProfileInput([Bot]), Ct);
    }

    public async ValueTask DisposeAsync() => await _gh.DisposeAsync();

    private ObserveSweep Sweep(int backfillDays = 14) => SweepHarness.Sweep(db, _gh, SweepHarness.Settings(backfillDays));

    private void Advance(TimeSpan by) => _gh.FakeTime.Advance(by);

    private Task<long> CountAsync(string sql) => db.ScalarAsync<long>(sql);

    /// <summary>Sweeps once and returns the report with the requests and points it cost on the fake GitHub.</summary>
    private async Task<(SweepReport Report, List<FakeGitHub.LoggedRequest> Requests, int Points)> SweepOnceAsync(ObserveSweep? sweep = null)
    {
        Fake.ClearLog();
        var report = await (sweep ?? Sweep()).RunAsync(Ct);
        var requests = Fake.Requests.ToList();
        return (report, requests, requests.Sum(r => r.Points));
    }

    [Fact]
    public async Task A_comment_no_webhook_brought_is_registered_with_its_run_and_pull_request_author()
    {
        await db.InstalledRepoAsync(Fake, "acme/widgets", Inst);
        Fake.SetPullAuthor("acme/widgets", 5, 601, "alice", "MEMBER");
        var inline = Fake.AddBotComment("acme/widgets", CommentKind.Inline, 1001, Bot, prNumber: 5, reviewId: 900, path: "src/a.cs", line: 12,
            body: "Consider a guard here.");
        Fake.AddBotComment("acme/widgets", CommentKind.Reply, 2001, Bot, prNumber: 5, body: "Summary of the review.");
        Advance(TimeSpan.FromMinutes(1));

        var (report, _, _) = await SweepOnceAsync();

        Assert.Equal(2, report.CommentsStored);
        Assert.Equal(1, await CountAsync($"""
            select count(*) from review_comments where kind = 'inline' and github_comment_id = 1001 and file = 'src/a.cs' and line = 12
              and body = 'Consider a guard here.' and html_url = '{inline.HtmlUrl}' and author_login = '{Bot}' and author_id is not null
            """));
        Assert.Equal(1, await CountAsync("select count(*) from review_comments where kind = 'reply' and github_comment_id = 2001"));
        Assert.Equal(1, await CountAsync("""
            select count(*) from tasks t join review_comments c on c.task_id = t.id
            where c.github_comment_id = 1001 and t.source = 'observed' and t.github_review_id = 900 and t.labels ->> 'bot' = 'coderabbit'
              and t.pr_number = 5 and t.pr_author_id = 601 and t.pr_author_login = 'alice' and t.pr_author_association = 'MEMBER'
            """));
        Assert.Equal(1, await CountAsync("""
            select count(*) from tasks t join review_comments c on c.task_id = t.id
            where c.github_comment_id = 2001 and t.source = 'observed' and t.github_review_id is null and t.pr_author_login = 'alice'
            """));
        Assert.Equal("ok", await db.ScalarAsync<string>("select status from poll_cycles where job = 'observe'"));
    }

    [Fact]
    public async Task The_first_sweep_reaches_back_OBSERVE_BACKFILL_DAYS_and_no_further()
    {
        await db.InstalledRepoAsync(Fake, "acme/widgets", Inst);
        Fake.AddBotComment("acme/widgets", CommentKind.Inline, 1, Bot, prNumber: 1, reviewId: 10);
        Advance(TimeSpan.FromDays(5));
        Fake.AddBotComment("acme/widgets", CommentKind.Inline, 2, Bot, prNumber: 1, reviewId: 11);
        Advance(TimeSpan.FromDays(5));
        Fake.AddBotComment("acme/widgets", CommentKind.Reply, 3, Bot, prNumber: 1);
        Advance(TimeSpan.FromDays(10)); // the comments are now 20, 15 and 10 days old

        var (_, requests, _) = await SweepOnceAsync(Sweep(backfillDays: 14));

        Assert.Equal([3L], await IdsAsync());
        var since = _gh.Time.GetUtcNow().AddDays(-14).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
        var lists = requests.Where(r => r.Route is "pulls-comments" or "issues-comments").ToList();
        Assert.Equal(2, lists.Count);
        Assert.All(lists, r => Assert.Contains($"since={since}&", r.Path));
    }

    private async Task<List<long>> IdsAsync()
    {
        var ids = new List<long>();
        await using var cmd = db.DataSource.CreateCommand("select github_comment_id from review_comments order by 1");
        await using var r = await cmd.ExecuteReaderAsync(Ct);
        while (await r.ReadAsync(Ct)) ids.Add(r.GetInt64(0));
        return ids;
    }

    [Fact]
    public async Task The_cursor_moves_to_the_newest_update_and_a_second_quiet_sweep_costs_no_points()
    {
        await db.InstalledRepoAsync(Fake, "acme/widgets", Inst);
        var c = Fake.AddBotComment("acme/widgets", CommentKind.Inline, 1001, Bot, prNumber: 5, reviewId: 900);
        Advance(TimeSpan.FromMinutes(1));
        await SweepOnceAsync();
        var newest = c.CreatedAt.ToUnixTimeSeconds();
        Assert.Equal(newest, await CountAsync("select extract(epoch from cursor_at)::bigint from observe_cursors where list = 'pulls'"));

        Advance(TimeSpan.FromMinutes(10));
        var (_, firstQuiet, _) = await SweepOnceAsync();
        // Nothing after the cursor: an empty page, whose ETag is kept (the issue list was empty, and kept its ETag, from the start).
        Assert.Equal(200, Assert.Single(firstQuiet, r => r.Route == "pulls-comments").Status);
        Assert.Equal(304, Assert.Single(firstQuiet, r => r.Route == "issues-comments").Status);

        Advance(TimeSpan.FromMinutes(10));
        var (report, secondQuiet, points) = await SweepOnceAsync();
        var lists = secondQuiet.Where(r => r.Route is "pulls-comments" or "issues-comments").ToList();
        Assert.Equal(2, lists.Count);
        Assert.All(lists, r => Assert.Equal(304, r.Status));
        Assert.Equal(0, points);
        Assert.Equal(1, report.ReposOk);
        Assert.Equal(0, await db.ScalarAsync<int>("select points_core from poll_cycles where job = 'observe' order by id desc limit 1"));
        Assert.Equal(newest, await CountAsync("select extract(epoch from cursor_at)::bigint from observe_cursors where list = 'pulls'"));
    }

    [Fact]
    public async Task An_edited_comment_takes_its_new_body()
    {
        await db.InstalledRepoAsync(Fake, "acme/widgets", Inst);
        Fake.AddBotComment("acme/widgets", CommentKind.Inline, 1001, Bot, prNumber: 5, reviewId: 900, body: "First words.");
        Fake.AddBotComment("acme/widgets", CommentKind.Reply, 2001, Bot, prNumber: 5, body: "First summary.");
        Advance(TimeSpan.FromMinutes(1));
        await SweepOnceAsync();
        Advance(TimeSpan.FromMinutes(5));
        Fake.EditComment(CommentKind.Inline, 1001, "Second words.\n```suggestion\nguard();\n```");
        Fake.EditComment(CommentKind.Reply, 2001, "Second summary.");
        Advance(TimeSpan.FromMinutes(1));

        var (report, _, _) = await SweepOnceAsync();

        Assert.Equal(2, report.CommentsStored);
        Assert.Equal("Second words.\n```suggestion\nguard();\n```", await db.ScalarAsync<string>("select body from review_comments where github_comment_id = 1001"));
        Assert.Equal("guard();", await db.ScalarAsync<string>("select suggested_lines from review_comments where github_comment_id = 1001"));
        Assert.Equal("Second summary.", await db.ScalarAsync<string>("select body from review_comments where github_comment_id = 2001"));
        Assert.Equal(2, await CountAsync("select count(*) from tasks"));
    }

    [Fact]
    public async Task Comments_on_plain_issues_are_skipped_and_a_Bot_that_matches_no_profile_is_counted_once()
    {
        await db.InstalledRepoAsync(Fake, "acme/widgets", Inst);
        Fake.AddPlainIssueComment("acme/widgets", 3001, Bot, issueNumber: 9, body: "Not a pull request.");
        Fake.AddBotComment("acme/widgets", CommentKind.Reply, 4001, "dependabot[bot]", prNumber: 5);
        Fake.AddBotComment("acme/widgets", CommentKind.Reply, 4002, "octocat", userType: "User", prNumber: 5);
        Advance(TimeSpan.FromMinutes(1));
        var (report, requests, _) = await SweepOnceAsync();

        Assert.Equal(0, await CountAsync("select count(*) from review_comments"));
        Assert.Equal(0, await CountAsync("select count(*) from tasks"));
        Assert.DoesNotContain(requests, r => r.Route == "pull");
        Assert.Equal(1, report.Candidates);
        Assert.Equal(1, await CountAsync("select comments::bigint from bot_candidates where login = 'dependabot[bot]' and repository = 'acme/widgets'"));
        Assert.Equal(1, await CountAsync("select count(*) from bot_candidates"));

        // Seen again because it was edited: the same comment, not another one.
        Advance(TimeSpan.FromMinutes(5));
        Fake.EditComment(CommentKind.Reply, 4001, "Bumped again.");
        Advance(TimeSpan.FromMinutes(1));
        await SweepOnceAsync();
        Assert.Equal(1, await CountAsync("select comments::bigint from bot_candidates where login = 'dependabot[bot]'"));
    }

    [Fact]
    public async Task A_pull_requests_author_is_asked_once_and_not_at_all_when_a_run_names_it()
    {
        await db.InstalledRepoAsync(Fake, "acme/widgets", Inst);
        await db.TaskAsync("acme/widgets", _gh.Time.GetUtcNow().AddHours(-1), pr: 6, authorId: 702, authorLogin: "bob", association: "OWNER", installation: Inst);
        Fake.AddBotComment("acme/widgets", CommentKind.Inline, 1001, Bot, prNumber: 5, reviewId: 900);
        Fake.AddBotComment("acme/widgets", CommentKind.Inline, 1002, Bot, prNumber: 5, reviewId: 901);
        Fake.AddBotComment("acme/widgets", CommentKind.Reply, 2001, Bot, prNumber: 5);
        Fake.AddBotComment("acme/widgets", CommentKind.Inline, 1003, Bot, prNumber: 6, reviewId: 902);
        Advance(TimeSpan.FromMinutes(1));

        var (report, requests, _) = await SweepOnceAsync();
        Assert.Equal(4, report.CommentsStored);
        Assert.Equal(["/api/v3/repos/acme/widgets/pulls/5"], requests.Where(r => r.Route == "pull").Select(r => r.Path).ToList());
        Assert.Equal("bob", await db.ScalarAsync<string>("""
            select t.pr_author_login from tasks t join review_comments c on c.task_id = t.id where c.github_comment_id = 1003
            """));

        // A later review on the same pull request: its author is in the runs now.
        Advance(TimeSpan.FromMinutes(5));
        Fake.AddBotComment("acme/widgets", CommentKind.Inline, 1004, Bot, prNumber: 5, reviewId: 903);
        Advance(TimeSpan.FromMinutes(1));
        var (_, again, _) = await SweepOnceAsync();
        Assert.DoesNotContain(again, r => r.Route == "pull");
        Assert.Equal(1, await CountAsync("select count(*) from review_comments where github_comment_id = 1004"));
    }

    [Fact]
    public async Task The_budget_is_never_exceeded_and_the_sweep_resumes_where_it_stopped()
    {
        // 40 points an hour, half of them the sweep's: far less than the six repositories' pages need.
        Fake.RateLimit = 40;
        Fake.MaxPageSize = 100;
        const int repos = 6, perRepo = 250;
        for (var r = 0; r < repos; r++)
        {
            await db.InstalledRepoAsync(Fake, $"acme/r{r}", Inst);
            for (var i = 0; i < perRepo; i++)
                Fake.AddBotComment($"acme/r{r}", CommentKind.Inline, r * 10_000 + i + 1, Bot, prNumber: 1, reviewId: 500 + r);
        }
        Advance(TimeSpan.FromMinutes(1));

        var spentByHour = new Dictionary<long, int>();
        var start = _gh.Time.GetUtcNow();
        var stoppedOnce = false;
        for (var sweep = 0; sweep < 12 && await CountAsync("select count(*) from review_comments") < repos * perRepo; sweep++)
        {
            var (report, _, points) = await SweepOnceAsync();
            stoppedOnce |= report.BudgetSpent;
            var hour = (long)((_gh.Time.GetUtcNow() - start).TotalHours);
            spentByHour[hour] = spentByHour.GetValueOrDefault(hour) + points;
            Assert.True(spentByHour[hour] <= 20, $"hour {hour}: {spentByHour[hour]} points, more than the sweep's 20");
            // Twice an hour: the second sweep of an hour finds what the first one left.
            Advance(TimeSpan.FromMinutes(31));
        }

        Assert.True(stoppedOnce);
        Assert.Equal(repos * perRepo, await CountAsync("select count(*) from review_comments"));
        Assert.Equal(repos * perRepo, await CountAsync("select count(distinct github_comment_id) from review_comments"));
        // Each comment page was read about once: a stop leaves the cursor after the last stored page.
        Assert.Equal("partial", await db.ScalarAsync<string>("select status from poll_cycles where job = 'observe' order by id limit 1"));
    }

    [Fact]
    public async Task A_failing_repository_keeps_its_cursor_and_holds_back_no_other()
    {
        foreach (var name in new[] { "acme/a", "acme/b", "acme/c" })
        {
            await db.InstalledRepoAsync(Fake, name, Inst);
            Fake.AddBotComment(name, CommentKind.Inline, name[^1] * 100L, Bot, prNumber: 1, reviewId: name[^1]);
        }
        // Three answers: the transport's two retries of a 5xx included.
        Fake.Fail("pulls-comments", 500, times: 1 + GitHubTransport.MaxServerRetries, when: r => r.Path.Value!.Contains("/acme/b/", StringComparison.Ordinal));
        Fake.SetRepoInstallations("acme/c", 999);
        Advance(TimeSpan.FromMinutes(1));

        var (report, _, _) = await SweepOnceAsync();

        Assert.Equal(1, report.ReposOk);
        Assert.Equal(2, report.ReposFailed);
        Assert.Equal(['a' * 100L], await IdsAsync());
        Assert.Equal(0, await CountAsync("""
            select count(*) from observe_cursors c join repositories r on r.id = c.repository_id where r.full_name in ('acme/b', 'acme/c')
            """));
        Assert.Equal("partial", await db.ScalarAsync<string>("select status from poll_cycles where job = 'observe'"));

        // GitHub answers again: the repository's backlog comes in from where it was.
        Fake.SetRepoInstallations("acme/c", Inst);
        Advance(TimeSpan.FromMinutes(30));
        var (_, _, _) = await SweepOnceAsync();
        Assert.Equal(['a' * 100L, 'b' * 100L, 'c' * 100L], await IdsAsync());
    }

    [Fact]
    public async Task A_comment_a_webhook_brought_and_the_sweep_lists_is_stored_once()
    {
        var repo = Fake.AddRepo("acme/widgets");
        await db.InstalledRepoAsync(Fake, "acme/widgets", Inst);
        Fake.AddBotComment("acme/widgets", CommentKind.Inline, 1001, Bot, prNumber: 5, reviewId: 900, body: "Same comment.");
        var payload = WebhookPayloads.InlineCreated(1001, Bot, "Same comment.", 900,
            new WebhookPayloads.PullRequestRef(RepoId: repo.Id, Repository: "acme/widgets", Number: 5, Installation: Inst));
        var observed = new ObservedComments(new BotProfiles(db.DataSource, _gh.Time), NullLogger<ObservedComments>.Instance);
        await using (var conn = await db.DataSource.OpenConnectionAsync(Ct))
        await using (var tx = await conn.BeginTransactionAsync(Ct))
        {
            using var doc = JsonDocument.Parse(payload.ToJsonString());
            Assert.True(await observed.ApplyAsync(conn, tx, "pull_request_review_comment", doc.RootElement, _gh.Time.GetUtcNow(), Ct));
            await tx.CommitAsync(Ct);
        }
        Advance(TimeSpan.FromMinutes(1));

        var (_, requests, _) = await SweepOnceAsync();

        Assert.Equal(1, await CountAsync("select count(*) from review_comments where github_comment_id = 1001"));
        Assert.Equal(1, await CountAsync("select count(*) from tasks"));
        Assert.DoesNotContain(requests, r => r.Route == "pull");
    }

    [Fact]
    public async Task Poll_health_shows_the_sweeps_cycles_with_their_requests_and_points_once_it_has_run()
    {
        var settings = SweepHarness.Settings();
        await using var services = new ServiceCollection().AddLogging().AddSingleton(_gh.Time).AddSingleton(settings)
            .AddFeedbackCore(db.DataSource).BuildServiceProvider();
        var health = services.GetRequiredService<PollHealth>();
        Assert.DoesNotContain((await health.GetAsync(Ct)).Jobs, j => j.Job == "observe");

        await db.InstalledRepoAsync(Fake, "acme/widgets", Inst);
        Fake.AddBotComment("acme/widgets", CommentKind.Inline, 1001, Bot, prNumber: 5, reviewId: 900);
        Advance(TimeSpan.FromMinutes(1));
        var (_, requests, points) = await SweepOnceAsync(SweepHarness.Sweep(db, _gh, settings));

        var job = Assert.Single((await health.GetAsync(Ct)).Jobs, j => j.Job == "observe");
        Assert.Equal("healthy", job.Status);
        var cycle = Assert.Single(job.Cycles);
        var charged = requests.Where(r => r.Route != "token").ToList();
        Assert.True(charged.Count == cycle.RequestsMade, $"{cycle.RequestsMade} recorded, GitHub saw {string.Join(", ", charged.Select(r => $"{r.Route} {r.Status}"))}");
        // GitHubUsage counts every answered core request, the free GET /rate_limit of a first sweep too.
        Assert.Equal(points + charged.Count(r => r.Route == "rate-limit"), cycle.PointsUsed.Core);
        Assert.Equal((1, 1, 1), (cycle.ReposOk, cycle.CommentsChecked, cycle.RowsChanged));
    }

    [Fact]
    public async Task The_cost_goals_hold_for_ten_repositories()
    {
        // The observe_cost benchmark's scenario at its smallest size: its counts are deterministic (fake clock, fake GitHub).
        var rows = await Benchmarks.ObserveCostScenario.RunAsync(10, Ct);
        Benchmarks.ObserveCostScenario.AssertGoals(rows);
        var backfill = rows.Single(r => r.Case == "backfill_14d");
        Assert.True(backfill.NewComments > 0 && backfill.PullRequestsFirstSeen > 0);
        Assert.Equal(20, rows.Single(r => r.Case == "quiet_hourly_new_token").Points);
        Assert.Equal(300, rows.Single(r => r.Case == "new_comments_burst").NewComments);
    }

    [Fact]
    public void The_settings_are_read_and_checked_like_the_others()
    {
        static FeedbackSettings Read(params (string Key, string Value)[] values) => FeedbackSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

        Assert.Equal(TimeSpan.FromSeconds(3600), Read().ObserveSweep);
        Assert.Equal(TimeSpan.Zero, Read(("OBSERVE_SWEEP_SECS", "0")).ObserveSweep);
        Assert.Equal(7, Read(("POLLER_WINDOW_DAYS", "7")).BackfillDays);
        Assert.Equal(30, Read(("POLLER_WINDOW_DAYS", "7"), ("OBSERVE_BACKFILL_DAYS", "30")).BackfillDays);
        Assert.Contains("OBSERVE_SWEEP_SECS", Assert.Throws<InvalidSettingException>(() => Read(("OBSERVE_SWEEP_SECS", "-1"))).Message);
        Assert.Contains("OBSERVE_SWEEP_SECS", Assert.Throws<InvalidSettingException>(() => Read(("OBSERVE_SWEEP_SECS", "hourly"))).Message);
        Assert.Contains("OBSERVE_BACKFILL_DAYS", Assert.Throws<InvalidSettingException>(() => Read(("OBSERVE_BACKFILL_DAYS", "0"))).Message);
    }
}
