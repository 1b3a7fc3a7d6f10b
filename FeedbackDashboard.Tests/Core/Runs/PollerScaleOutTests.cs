using FeedbackDashboard.Core;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Reactions;
using FeedbackDashboard.Core.Runs;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Core.Runs;

/// <summary>
/// Several pollers in one test process, each with its own GitHub layer, against one database and one fake GitHub. A
/// poll of an installation is seen on the fake as its one GET /installation/repositories.
/// </summary>
public sealed class PollerScaleOutTests : IAsyncLifetime
{
    private const int Installations = 12;
    private const long FirstInstallation = 101;
    private readonly PostgresDatabase _db = new();
    private GitHubHarness _gh = null!;
    private readonly List<GitHubHarness> _layers = [];
    private FakeGitHub Fake => _gh.Fake;

    public async ValueTask InitializeAsync()
    {
        await _db.InitializeAsync();
        _gh = await GitHubHarness.StartAsync(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(
            DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 3600 * 3600)));
        var now = _gh.Time.GetUtcNow();
        for (var i = 0; i < Installations; i++)
        {
            var installation = FirstInstallation + i;
            var repo = $"org{i}/repo";
            Fake.Installations.Add(installation);
            Fake.AddRepo(repo);
            Fake.SetRepoInstallations(repo, installation);
            var task = await _db.TaskAsync(repo, now.AddMinutes(-5), installation: installation);
            for (var c = 0; c < 3; c++)
            {
                var id = installation * 1000 + c;
                Fake.AddComment(repo, CommentKind.Reply, id);
                await _db.CommentAsync(task, "reply", id, now.AddMinutes(-5), nodeId: FakeGitHub.NodeIdFor(CommentKind.Reply, id));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var layer in _layers) await layer.DisposeAsync();
        await _gh.DisposeAsync();
        await _db.DisposeAsync();
    }

    private static readonly long[] All = [.. Enumerable.Range(0, Installations).Select(i => FirstInstallation + i)];

    /// <summary>Poller processes named p0, p1, …, each with its own tokens, as separate pods would have.</summary>
    private List<PollerProcess> Pollers(int count, int intervalSecs = 60)
    {
        var list = new List<PollerProcess>();
        for (var i = 0; i < count; i++)
        {
            var layer = _gh.Another();
            _layers.Add(layer);
            list.Add(PollerHarness.Process(_db, layer, Settings(intervalSecs), new PollerInstance($"p{i}")));
        }
        return list;
    }

    private static FeedbackSettings Settings(int intervalSecs) => PollerHarness.Settings(intervalSecs: intervalSecs);

    /// <summary>How many times each installation was polled since the log was cleared.</summary>
    private Dictionary<long, int> Polls() => All.ToDictionary(i => i,
        i => Fake.Requests.Count(r => r.Route == "installation-repos" && r.Installation == i));

    private void Advance(TimeSpan by) => _gh.FakeTime.Advance(by);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Pollers_split_the_installations_fairly_and_poll_each_once_a_cycle(int count)
    {
        var pollers = Pollers(count);
        for (var cycle = 0; cycle < 3; cycle++)
        {
            foreach (var p in pollers) await p.Presence.BeatAsync(Ct);
            Fake.ClearLog();

            var reports = await Task.WhenAll(pollers.Select(p => p.Poller.RunCycleAsync(Ct)));

            Assert.All(Polls(), kv => Assert.Equal(1, kv.Value));
            Assert.All(reports, r => Assert.Equal(Installations / count, r.InstallationsPolled));
            Assert.All(reports, r => Assert.Equal(CycleStatus.Ok, r.Status));
            Assert.Equal(Installations * 3, reports.Sum(r => r.CommentsChecked));
            Advance(TimeSpan.FromSeconds(60));
        }
        var owners = await _db.ScalarAsync<long>("select count(distinct instance) from poller_installations");
        Assert.Equal(count, owners);
    }

    [Fact]
    public async Task A_poller_that_stops_beating_has_its_share_taken_over_within_the_interval()
    {
        var pollers = Pollers(3);
        foreach (var p in pollers) await p.Presence.BeatAsync(Ct);
        await Task.WhenAll(pollers.Select(p => p.Poller.RunCycleAsync(Ct)));
        var deadShare = await _db.ScalarAsync<long>("select count(*) from poller_installations where instance = 'p2'");
        Assert.Equal(Installations / 3, deadShare);

        // Next cycle: p2 beats once more at the boundary, then dies before it polls anything.
        Advance(TimeSpan.FromSeconds(60));
        foreach (var p in pollers) await p.Presence.BeatAsync(Ct);
        Fake.ClearLog();
        var live = pollers.Take(2).ToList();
        await Task.WhenAll(live.Select(p => p.Poller.RunCycleAsync(Ct)));
        Assert.Equal(Installations - (int)deadShare, Polls().Count(kv => kv.Value == 1));

        // The survivors tick every interval / 10, beating and catching up, as their scheduler does.
        var tick = pollers[0].Presence.BeatEvery;
        var waited = TimeSpan.Zero;
        while (Polls().Any(kv => kv.Value == 0))
        {
            Assert.True(waited < TimeSpan.FromSeconds(60) - tick, $"not taken over within the interval ({waited.TotalSeconds} s)");
            Advance(tick);
            waited += tick;
            foreach (var p in live) await p.Presence.BeatAsync(Ct);
            await Task.WhenAll(live.Select(p => p.Poller.CatchUpAsync(Ct)));
        }

        Assert.All(Polls(), kv => Assert.Equal(1, kv.Value));
        // Gone when its missed beats ran out, and taken over at that same tick.
        Assert.Equal(PollerPresence.MissedBeats * tick, waited);
        Assert.Equal(0L, await _db.ScalarAsync<long>("select count(*) from poller_installations where instance = 'p2'"));
        // Catch-up ticks that found nothing to claim recorded no cycle.
        Assert.Equal(0L, await _db.ScalarAsync<long>("select count(*) from poll_cycles where installations_polled = 0"));
    }

    [Fact]
    public async Task A_restart_with_a_longer_interval_polls_every_installation_every_cycle()
    {
        // The old poller polls every 5 s and is killed while it holds claims (a kill releases nothing).
        var before = PollerHarness.Process(_db, _gh, Settings(5), new PollerInstance("old"));
        for (var i = 0; i < 3; i++)
        {
            await before.Presence.BeatAsync(Ct);
            Assert.Equal(Installations, (await before.Poller.RunCycleAsync(Ct)).InstallationsPolled);
            Advance(TimeSpan.FromSeconds(5));
        }
        await before.Presence.BeatAsync(Ct);
        await _db.ExecuteAsync($"""
            update poller_installations set released_at = null, completed_at = null,
                lease_until = '{_gh.Time.GetUtcNow().AddSeconds(ReactionsPoller.Deadline(TimeSpan.FromSeconds(5)).TotalSeconds + 1):O}'
            """);

        // Restarted with POLLER_INTERVAL_SECS=60, under a new pod name.
        var after = Pollers(1, intervalSecs: 60)[0];
        Fake.ClearLog();
        await after.Presence.BeatAsync(Ct);
        var first = await after.Poller.RunCycleAsync(Ct);
        var waited = TimeSpan.Zero;
        while (Polls().Any(kv => kv.Value == 0))
        {
            Assert.True(waited < TimeSpan.FromSeconds(60), "installations still skipped a whole interval after the restart");
            Advance(after.Presence.BeatEvery);
            waited += after.Presence.BeatEvery;
            await after.Presence.BeatAsync(Ct);
            await after.Poller.CatchUpAsync(Ct);
        }
        Assert.Equal(0, first.InstallationsPolled); // the killed poller's leases and heartbeat were still good

        for (var cycle = 0; cycle < 3; cycle++)
        {
            Advance(TimeSpan.FromSeconds(60));
            Fake.ClearLog();
            await after.Presence.BeatAsync(Ct);
            var report = await after.Poller.RunCycleAsync(Ct);
            Assert.Equal(Installations, report.InstallationsPolled);
            Assert.Equal(0, report.InstallationsSkipped);
            Assert.All(Polls(), kv => Assert.Equal(1, kv.Value));
        }
    }

    [Fact]
    public async Task A_slow_installation_is_cut_at_its_time_share_and_the_others_are_polled_within_the_deadline()
    {
        // Real time here: the fake answers installation 101 after 40 s of wall time.
        await using var gh = await GitHubHarness.StartAsync(TimeProvider.System);
        gh.Fake.Installations.UnionWith(All);
        for (var i = 0; i < Installations; i++)
        {
            gh.Fake.AddRepo($"org{i}/repo");
            gh.Fake.SetRepoInstallations($"org{i}/repo", FirstInstallation + i);
            for (var c = 0; c < 3; c++) gh.Fake.AddComment($"org{i}/repo", CommentKind.Reply, (FirstInstallation + i) * 1000 + c);
        }
        await _db.ExecuteAsync($"update tasks set created_at = '{DateTimeOffset.UtcNow.AddMinutes(-5):O}'");
        gh.Fake.InstallationLatency[FirstInstallation] = TimeSpan.FromSeconds(40);
        var poller = PollerHarness.Process(_db, gh, Settings(6), new PollerInstance("solo"));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var report = await poller.Poller.RunCycleAsync(Ct);
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"the cycle ran {clock.Elapsed.TotalSeconds:0.0} s, past its interval");
        Assert.Equal(CycleStatus.Partial, report.Status);
        Assert.Equal((Installations - 1) * 3, report.CommentsChecked);
        Assert.Contains(report.Errors, e => e.Contains($"installation {FirstInstallation}: stopped after its time share"));
        Assert.Equal("partial", await _db.ScalarAsync<string>("select status from poll_cycles order by id desc limit 1"));
        // Cut short, it is not complete, and it leads the next cycle's claims.
        Assert.Equal(1L, await _db.ScalarAsync<long>("select count(*) from poller_installations where completed_at is null"));
        var probe = new InstallationLocks(_db.DataSource, new PollerInstance("probe"), TimeProvider.System);
        await using var next = await probe.ClaimAsync(All, ["probe"], DateTimeOffset.UtcNow.AddSeconds(1), TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(FirstInstallation, next.Owned[0]);
        Assert.Equal(Installations, next.Owned.Count);
    }

    [Fact]
    public async Task When_every_answer_takes_40_s_the_cycle_ends_partial_at_its_deadline()
    {
        await using var gh = await GitHubHarness.StartAsync(TimeProvider.System);
        gh.Fake.Installations.UnionWith(All);
        for (var i = 0; i < Installations; i++)
        {
            gh.Fake.AddRepo($"org{i}/repo");
            gh.Fake.InstallationLatency[FirstInstallation + i] = TimeSpan.FromSeconds(40);
        }
        await _db.ExecuteAsync($"update tasks set created_at = '{DateTimeOffset.UtcNow.AddMinutes(-5):O}'");
        var poller = PollerHarness.Process(_db, gh, Settings(5), new PollerInstance("solo"));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var report = await poller.Poller.RunCycleAsync(Ct);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the cycle ran {clock.Elapsed.TotalSeconds:0.0} s, past its interval");
        Assert.Equal(CycleStatus.Partial, report.Status);
        Assert.Equal(0L, await _db.ScalarAsync<long>("select count(*) from poller_installations where released_at is null"));
    }

    [Fact]
    public async Task Cycles_left_running_by_pollers_that_are_gone_are_closed_as_interrupted_and_live_ones_are_left()
    {
        var now = _gh.Time.GetUtcNow();
        var p = Pollers(1)[0];
        await _db.ExecuteAsync($"""
            insert into poller_instances (instance, started_at, beat_at, alive_until) values
                ('dead', '{now.AddHours(-1):O}', '{now.AddMinutes(-2):O}', '{now.AddMinutes(-1):O}'),
                ('alive', '{now.AddHours(-1):O}', '{now:O}', '{now.AddSeconds(18):O}');
            insert into poll_cycles (job, instance, started_at, status) values
                ('reactions', 'dead', '{now.AddMinutes(-2):O}', 'running'),
                ('reactions', 'alive', '{now.AddSeconds(-30):O}', 'running'),
                ('maintainers', 'p0', '{now.AddMinutes(-3):O}', 'running'),
                ('reactions', 'never-beat', '{now.AddHours(-1):O}', 'running'),
                ('reactions', 'never-beat-yet', '{now.AddSeconds(-10):O}', 'running');
            """);

        await p.Presence.BeatAsync(Ct);

        var rows = await _db.ScalarAsync<string>("select string_agg(instance || ':' || status, ' ' order by id) from poll_cycles");
        Assert.Equal("dead:interrupted alive:running p0:interrupted never-beat:interrupted never-beat-yet:running", rows);
        Assert.Contains("stopped before the cycle ended", await _db.ScalarAsync<string>("select errors::text from poll_cycles where instance = 'dead'"));
    }

    [Fact]
    public async Task A_cycle_whose_end_the_database_refused_is_closed_as_interrupted_at_the_next_start()
    {
        // The poller's own connections give up after 2 s; the test holds poll_cycles locked while the cycle runs.
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(_db.ConnectionString) { CommandTimeout = 2 };
        await using var impatient = Npgsql.NpgsqlDataSource.Create(builder.ConnectionString);
        Fake.Latency = TimeSpan.FromMilliseconds(300);
        var p = PollerHarness.Process(_db, _gh, Settings(60), new PollerInstance("p0"), impatient);

        await using var blocker = await _db.DataSource.OpenConnectionAsync(Ct);
        var cycle = p.Poller.RunCycleAsync(Ct);
        while (await _db.ScalarAsync<long>("select count(*) from poll_cycles where status = 'running'") == 0) await Task.Delay(20, Ct);
        await using (var tx = await blocker.BeginTransactionAsync(Ct))
        {
            await using (var lockCmd = new Npgsql.NpgsqlCommand("lock table poll_cycles in exclusive mode", blocker, tx))
                await lockCmd.ExecuteNonQueryAsync(Ct);
            await Assert.ThrowsAnyAsync<Exception>(() => cycle);
            await tx.RollbackAsync(Ct);
        }
        Assert.Equal("running", await _db.ScalarAsync<string>("select status from poll_cycles"));

        // The same poller, back after the outage (or restarted under the same pod name), closes it.
        Advance(TimeSpan.FromSeconds(60));
        Fake.Latency = TimeSpan.Zero;
        var next = await PollerHarness.Process(_db, _gh, Settings(60), new PollerInstance("p0")).Poller.RunCycleAsync(Ct);

        Assert.Equal(CycleStatus.Ok, next.Status);
        Assert.Equal("interrupted ok", await _db.ScalarAsync<string>("select string_agg(status, ' ' order by id) from poll_cycles"));
    }
}
