using System.Diagnostics;
using System.Text.Json.Serialization;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Runs;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Benchmarks;

/// <summary>
/// Wall time of one reactions cycle over 200 installations × 500 comments with the fake GitHub answering each request
/// after 250 ms of real time, for 1, 2 and 4 pollers in this process (each its own GitHub layer and tokens, as pods
/// would have), against one database. The fake clock only schedules: it moves one interval between cycles.
/// </summary>
public sealed class PollersBenchmark
{
    private const int InstallationCount = 200;
    private const int CommentsPerInstallation = 500;
    private const long FirstInstallation = 5000;
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(300);

    [Fact(Explicit = true)]
    [Trait("Category", "Benchmark")]
    public async Task Cycle_wall_time_for_1_2_and_4_pollers()
    {
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        await using var gh = await GitHubHarness.StartAsync();
        gh.FakeTime.SetUtcNow(DateTimeOffset.FromUnixTimeSeconds((gh.FakeTime.GetUtcNow().ToUnixTimeSeconds() / 300 + 1) * 300));
        var installations = Enumerable.Range(0, InstallationCount).Select(i => FirstInstallation + i).ToArray();
        foreach (var installation in installations)
        {
            var repo = $"org{installation}/repo";
            gh.Fake.Installations.Add(installation);
            gh.Fake.AddRepo(repo);
            gh.Fake.SetRepoInstallations(repo, installation);
            for (var c = 0; c < CommentsPerInstallation; c++)
                gh.Fake.AddComment(repo, FeedbackDashboard.Core.Model.CommentKind.Reply, installation * 1000 + c);
        }
        var created = gh.Time.GetUtcNow().AddHours(-2);
        await db.ExecuteAsync($"""
            insert into repositories (owner, name, full_name, installation_id)
            select 'org' || i, 'repo', 'org' || i || '/repo', i from generate_series({FirstInstallation}, {FirstInstallation + InstallationCount - 1}) i;
            insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login, pr_author_association, created_at)
            select gen_random_uuid(), r.id, r.installation_id, 1, 501, 'octo', 'CONTRIBUTOR', '{created:O}' from repositories r;
            insert into review_comments (kind, github_comment_id, task_id, node_id, file, line, created_at)
            select 'reply', t.installation_id * 1000 + c, t.id, 'IC_' || (t.installation_id * 1000 + c), 'src/app.cs', 10, '{created:O}'
            from tasks t, generate_series(0, {CommentsPerInstallation - 1}) c;
            analyze;
            """);

        // Four poller processes; each mints its tokens and every installation's budget is read once, all at latency 0,
        // as pollers that have been running a while.
        var settings = PollerHarness.Settings(intervalSecs: (int)Interval.TotalSeconds, schedule: PollerSchedule.Budget);
        var layers = new List<GitHubHarness>();
        var pollers = new List<PollerProcess>();
        for (var i = 0; i < 4; i++)
        {
            var layer = gh.Another();
            layers.Add(layer);
            pollers.Add(PollerHarness.Process(db, layer, settings, new PollerInstance($"poller-{i}")));
            foreach (var installation in installations) await layer.Auth.GetTokenAsync(installation, Ct);
        }
        try
        {
            await CycleAsync(pollers, gh);

            gh.Fake.Latency = Latency;
            foreach (var count in new[] { 1, 2, 4 })
            {
                var (seconds, reports) = await CycleAsync(pollers.Take(count).ToList(), gh);
                Assert.All(reports, r => Assert.Equal(CycleStatus.Ok, r.Status));
                Assert.Equal(InstallationCount, reports.Sum(r => r.InstallationsPolled));
                Assert.Equal(InstallationCount * CommentsPerInstallation, reports.Sum(r => r.CommentsChecked + r.CommentsUnchanged));
                Assert.Equal(InstallationCount, gh.Fake.Count("installation-repos"));
                BenchReport.Row($"Pollers ({InstallationCount} installations × {CommentsPerInstallation} comments, {Latency.TotalMilliseconds:0} ms a request)", new()
                {
                    ["pollers"] = count,
                    ["cycle s"] = Math.Round(seconds, 1),
                    ["installations each"] = string.Join("/", reports.Select(r => r.InstallationsPolled)),
                    ["requests"] = gh.Fake.Requests.Count,
                });
                BenchReport.KeyRow("pollers", new PollersRow(count, InstallationCount, InstallationCount * CommentsPerInstallation,
                    (int)Latency.TotalMilliseconds, Math.Round(seconds, 1)));
            }
        }
        finally
        {
            foreach (var layer in layers) await layer.DisposeAsync();
        }
    }

    /// <summary>The next cycle: every poller beats (as its heartbeat loop does), then all run at once; wall time to the last.</summary>
    private static async Task<(double Seconds, PollReport[] Reports)> CycleAsync(List<PollerProcess> pollers, GitHubHarness gh)
    {
        gh.FakeTime.Advance(Interval);
        foreach (var p in pollers) await p.Presence.BeatAsync(Ct);
        gh.Fake.ClearLog();
        var clock = Stopwatch.StartNew();
        var reports = await Task.WhenAll(pollers.Select(p => p.Poller.RunCycleAsync(Ct)));
        return (clock.Elapsed.TotalSeconds, reports);
    }

    private sealed record PollersRow(
        [property: JsonPropertyName("pollers")] int Pollers,
        [property: JsonPropertyName("installations")] int Installations,
        [property: JsonPropertyName("comments")] int Comments,
        [property: JsonPropertyName("latency_ms")] int LatencyMs,
        [property: JsonPropertyName("cycle_s")] double CycleS);
}
