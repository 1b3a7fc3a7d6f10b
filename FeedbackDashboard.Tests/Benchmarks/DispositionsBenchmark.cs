using System.Diagnostics;
using System.Globalization;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Tests.Infrastructure;
using static FeedbackDashboard.Tests.Infrastructure.FakeGitHub;

namespace FeedbackDashboard.Tests.Benchmarks;

/// <summary>
/// What dispositions cost: GitHub requests per pushed commit for pull requests with 0, 10 and 100 open suggestions (a
/// real poller against the fake GitHub, a push before each cycle), beside the floor (one commits page per push, one
/// commit detail per new commit); and the set-based decide over 100,000 comments, beside pgbench reading the same rows.
/// </summary>
public sealed class DispositionsBenchmark
{
    private const long Inst = 77;
    private const string Repo = "acme/bench";
    private const int Pushes = 10;
    private static readonly int[] OpenSuggestions = [0, 10, 100];

    [Fact(Explicit = true)]
    [Trait("Category", "Benchmark")]
    public async Task Requests_per_push_and_decide_time()
    {
        var rows = new List<Dictionary<string, object?>>();
        await using (var db = new PostgresDatabase())
        await using (var gh = await GitHubHarness.StartAsync())
        {
            await db.InitializeAsync();
            gh.Fake.Installations.Add(Inst);
            var now = gh.Time.GetUtcNow();
            var capture = new CaptureService(db.DataSource, gh.Time);
            long id = 0;
            // One pull request per size; suggestions on distinct paths, never applied, so each push's commit is a candidate.
            foreach (var (n, pr) in OpenSuggestions.Select((n, i) => (n, i + 1)))
            {
                var task = await db.TaskAsync(Repo, now - TimeSpan.FromMinutes(30), pr: pr);
                var comments = new List<CapturedComment>();
                // A pull request without suggestions still has a comment, so its threads (and head) are read.
                for (var i = 0; i < Math.Max(n, 1); i++)
                {
                    id++;
                    var body = n == 0 ? "A remark." : $"Consider:\n```suggestion\nvar v{id} = {id};\n```";
                    gh.Fake.AddComment(Repo, CommentKind.Inline, id, $"src/f{id}.cs", 10, prNumber: pr);
                    comments.Add(new CapturedComment(CommentKinds.Inline, id, NodeIdFor(CommentKind.Inline, id), $"src/f{id}.cs", 10,
                        now - TimeSpan.FromMinutes(20), null, body, FindingTags.None)
                    { AuthorLogin = "review-bot[bot]" });
                }
                await capture.AddCommentsAsync(task, comments, Ct);
            }
            var poller = PollerHarness.Poller(db, gh, PollerHarness.Settings());
            await poller.RunCycleAsync(Ct);
            gh.FakeTime.Advance(TimeSpan.FromSeconds(300));
            gh.Fake.ClearLog();

            for (var push = 0; push < Pushes; push++)
            {
                foreach (var pr in Enumerable.Range(1, OpenSuggestions.Length))
                    gh.Fake.Push(Repo, pr, $"Push {push}", new FakeFile($"src/other{push}.cs", Patch([], [$"x{push}();"])));
                await poller.RunCycleAsync(Ct);
                gh.FakeTime.Advance(TimeSpan.FromSeconds(300));
            }

            var shas = Enumerable.Range(1, OpenSuggestions.Length).ToDictionary(pr => pr, _ => new HashSet<string>());
            foreach (var r in gh.Fake.Requests.Where(r => r.Route == "commit"))
            {
                var sha = r.Path.Split('/', '?')[^1];
                foreach (var pr in shas.Keys)
                    if (gh.Fake.CommitsOf(gh.Fake.Repo(Repo).Id, pr).Contains(sha)) shas[pr].Add(sha);
            }
            foreach (var (n, pr) in OpenSuggestions.Select((n, i) => (n, i + 1)))
            {
                var pages = gh.Fake.Requests.Count(r => r.Route == "pull-commits" && r.Path.Contains($"/pulls/{pr}/commits", StringComparison.Ordinal));
                var details = gh.Fake.Requests.Count(r => r.Route == "commit" && shas[pr].Contains(r.Path.Split('/', '?')[^1]));
                // The floor: to know whether a push applied a suggestion, its commit must be listed and read once.
                var floor = n == 0 ? 0 : 2;
                var row = new Dictionary<string, object?>
                {
                    ["open_suggestions"] = n,
                    ["pushes"] = Pushes,
                    ["commit_list_requests"] = pages,
                    ["commit_detail_requests"] = details,
                    ["requests_per_push"] = Math.Round((double)(pages + details) / Pushes, 2),
                    ["floor_per_push"] = floor,
                };
                rows.Add(row);
                BenchReport.Row("Dispositions: GitHub requests per pushed commit (one pull request, a push per cycle)", row);
                Assert.Equal(Pushes * floor, pages + details);
            }
        }

        var decide = await DecideAsync();
        BenchReport.KeyObject("dispositions_cost", new Dictionary<string, object?>
        {
            ["requests_per_push"] = rows,
            ["decide"] = decide,
        });
    }

    private const int Comments = 100_000;
    private const int PerPullRequest = 100;

    /// <summary>100,000 comments on 1,000 pull requests; a tenth drew a 👎, a tenth are resolved, half repeat a finding.</summary>
    private static async Task<Dictionary<string, object?>> DecideAsync()
    {
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        var repo = await db.RepoAsync("acme/decide");
        await db.ExecuteAsync($"""
            insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login, pr_author_association, created_at)
            select ('00000000-0000-0000-0000-' || lpad(pr::text, 12, '0'))::uuid, {repo}, 77, pr, 501, 'octo', 'CONTRIBUTOR', now() - interval '2 days'
            from generate_series(1, {Comments / PerPullRequest}) pr;
            insert into review_comments (kind, github_comment_id, task_id, file, line, created_at, body, author_login, resolved, resolved_by,
                                         resolved_by_bot, resolved_at, outdated, suggested_lines, applied_commit)
            select 'inline', g, ('00000000-0000-0000-0000-' || lpad((1 + (g - 1) / {PerPullRequest})::text, 12, '0'))::uuid,
                   'src/f' || (g % 50) || '.cs', g % 400, now() - interval '1 day' + make_interval(secs => g % {PerPullRequest}),
                   'Finding ' || (g % 50) || ' at line ' || g, 'review-bot[bot]',
                   g % 10 = 3, case when g % 10 = 3 then 'ann' end, case when g % 10 = 3 then false end,
                   case when g % 10 = 3 then now() - interval '1 day' + make_interval(secs => g % {PerPullRequest}) end,
                   g % 7 = 0, case when g % 5 = 0 then 'x();' end, case when g % 20 = 0 then repeat('a', 40) end
            from generate_series(1, {Comments}) g;
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select 'inline', g, case when g % 20 = 1 then 501 else 900 end, 'u', '-1', now() - interval '1 day' + make_interval(secs => g % {PerPullRequest})
            from generate_series(1, {Comments}) g where g % 10 = 1;
            analyze
            """, timeoutSeconds: 600);

        var clock = Stopwatch.StartNew();
        var changed = await Dispositions.DecideAsync(db.DataSource, new DispositionScope.All(), Ct);
        var first = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        var again = await Dispositions.DecideAsync(db.DataSource, new DispositionScope.All(), Ct);
        var steady = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        const int Scoped = 100;
        for (var pr = 1; pr <= Scoped; pr++)
            await Dispositions.DecideAsync(db.DataSource, new DispositionScope.PullRequests([(repo, pr)]), Ct);
        var perPullRequest = clock.Elapsed.TotalMilliseconds / Scoped;
        Assert.Equal(0, again);
        Assert.True(changed > 0);
        var counts = await db.ScalarAsync<string>("""
            select string_agg(disposition || '=' || n, ' ' order by disposition) || ' reraised=' ||
                   (select count(*) from review_comments where reraise_of is not null)
            from (select disposition, count(*) n from review_comments group by 1) x
            """);

        // The floor: pgbench reading the same rows with the same joins and aggregate inputs, writing nothing.
        var floor = await PgbenchFloorAsync(db);
        var result = new Dictionary<string, object?>
        {
            ["comments"] = Comments,
            ["pull_requests"] = Comments / PerPullRequest,
            ["first_decide_ms"] = Math.Round(first),
            ["rows_changed"] = changed,
            ["steady_decide_ms"] = Math.Round(steady),
            ["one_pull_request_ms"] = Math.Round(perPullRequest, 2),
            ["pgbench_read_floor_ms"] = floor,
            ["outcome"] = counts,
        };
        BenchReport.Row("Dispositions: set-based decide over 100,000 comments", result);
        return result;
    }

    private static async Task<double?> PgbenchFloorAsync(PostgresDatabase db)
    {
        var pgbench = BenchTools.Find("pgbench") ?? (Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetFiles("/usr/lib/postgresql", "pgbench", SearchOption.AllDirectories).OrderDescending().FirstOrDefault() : null);
        if (pgbench is null) return null;
        var sql = Path.Combine(BenchReport.OutputDirectory, "pgbench-dispositions-floor.sql");
        Directory.CreateDirectory(BenchReport.OutputDirectory);
        await File.WriteAllTextAsync(sql, """
            select count(*), count(f.first_down), sum(length(review_comment_fingerprint(c.fingerprint, c.file, c.body)))
            from review_comments c join tasks t on t.id = c.task_id join repositories r on r.id = t.repository_id
            left join (select kind, github_comment_id, min(reacted_at) first_down from review_feedback where content = '-1' group by 1, 2) f
              on f.kind = c.kind and f.github_comment_id = c.github_comment_id;
            """, Ct);
        var b = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString);
        var output = await BenchTools.RunAsync(pgbench, ["-n", "-t", "5", "-f", sql, "-h", b.Host!, "-p", b.Port.ToString(CultureInfo.InvariantCulture),
            "-U", b.Username ?? "postgres", b.Database!]);
        var line = output.Split('\n').First(l => l.StartsWith("latency average", StringComparison.Ordinal));
        return double.Parse(line.Split('=')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
