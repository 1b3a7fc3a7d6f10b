using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackDashboard.Tests.Api;

public sealed class PollerApiTests : IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-20T12:00:00Z"));
    private AppFactory _app = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        await _db.InitializeAsync();
        _app = new AppFactory(_db.ConnectionString, services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(_time)));
        _client = await _app.WithKeyAsync(_db, Scopes.ReviewRead);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _db.DisposeAsync();
    }

    private Task CycleAsync(string job, double minutesAgo, string status, double seconds = 3) => _db.ExecuteAsync($"""
        insert into poll_cycles (job, instance, started_at, finished_at, status, comments_checked, requests_made, errors)
        values ('{job}', 'test', '{_time.GetUtcNow().AddMinutes(-minutesAgo):O}', '{_time.GetUtcNow().AddMinutes(-minutesAgo).AddSeconds(seconds):O}',
                '{status}', 5, 2, '{(status == "failed" ? "[\"boom\"]" : "[]")}')
        """);

    private async Task<(string Overall, Dictionary<string, string> Jobs, System.Text.Json.JsonElement Body)> HealthAsync()
    {
        var body = await (await _client.GetAsync("/api/poller/health", TestContext.Current.CancellationToken)).JsonAsync();
        var jobs = body.GetProperty("jobs").EnumerateArray().ToDictionary(j => j.GetProperty("job").GetString()!, j => j.GetProperty("status").GetString()!);
        return (body.GetProperty("status").GetString()!, jobs, body);
    }

    [Fact]
    public async Task Status_goes_disabled_healthy_late_failing()
    {
        var (overall, jobs, _) = await HealthAsync();
        Assert.Equal("disabled", jobs["reactions"]);
        Assert.Equal("disabled", overall);

        await CycleAsync("reactions", 4, "ok");
        await CycleAsync("maintainers", 30, "ok");
        (overall, jobs, var body) = await HealthAsync();
        Assert.Equal("healthy", jobs["reactions"]);
        Assert.Equal("healthy", jobs["maintainers"]);
        Assert.Equal("healthy", overall);
        var cycle = body.GetProperty("jobs")[0].GetProperty("cycles")[0];
        Assert.Equal(5, cycle.GetProperty("comments_checked").GetInt32());
        Assert.Equal(3, cycle.GetProperty("duration_seconds").GetDouble());

        _time.Advance(TimeSpan.FromMinutes(7)); // last finished 11 min ago > 2 × 5 min
        (overall, jobs, _) = await HealthAsync();
        Assert.Equal("late", jobs["reactions"]);
        Assert.Equal("late", overall);

        await CycleAsync("reactions", 3, "failed");
        await CycleAsync("reactions", 2, "failed");
        await CycleAsync("reactions", 1, "failed");
        (overall, jobs, body) = await HealthAsync();
        Assert.Equal("failing", jobs["reactions"]);
        Assert.Equal("failing", overall);
        Assert.Equal("boom", body.GetProperty("jobs")[0].GetProperty("cycles")[0].GetProperty("errors")[0].GetString());
    }

    [Fact]
    public async Task Health_serves_points_per_bucket_skipped_non_human_and_open_conditions()
    {
        await _db.RepoAsync("acme/widgets", installation: 77);
        await _db.ExecuteAsync("""
            insert into poll_cycles (job, instance, started_at, finished_at, status, points_core, points_graphql, skipped_non_human, rate_limits)
            values ('reactions', 't', '2026-11-20T11:58:00Z', '2026-11-20T11:58:02Z', 'ok', 1, 2, 3,
                    '{"77": {"graphql": {"limit": 5000, "remaining": 4998, "reset_at": "2026-11-20T12:30:00Z"}}}');
            insert into poller_conditions (installation_id, repository_id, kind, since, detail, updated_at)
            values (77, (select id from repositories where full_name = 'acme/widgets'), 'access_lost', '2026-11-20T11:00:00Z', 'not listed', '2026-11-20T11:58:00Z'),
                   (78, null, 'rate_limited', '2026-11-20T11:50:00Z', 'graphql until 12:30', '2026-11-20T11:58:00Z');
            """);

        var (_, _, body) = await HealthAsync();

        var cycle = body.GetProperty("jobs")[0].GetProperty("cycles")[0];
        Assert.Equal(1, cycle.GetProperty("points_used").GetProperty("core").GetInt32());
        Assert.Equal(2, cycle.GetProperty("points_used").GetProperty("graphql").GetInt32());
        Assert.Equal(3, cycle.GetProperty("skipped_non_human").GetInt32());
        Assert.Equal(4998, cycle.GetProperty("rate_limits").GetProperty("77").GetProperty("graphql").GetProperty("remaining").GetInt32());
        var conditions = body.GetProperty("conditions").EnumerateArray()
            .Select(c => (c.GetProperty("installation_id").GetInt64(), c.GetProperty("repository").GetString(), c.GetProperty("kind").GetString()))
            .ToList();
        Assert.Equal([(78L, (string?)null, "rate_limited"), (77L, "acme/widgets", "access_lost")], conditions);
    }

    [Fact]
    public async Task Health_is_late_and_names_the_installations_no_poller_polled_when_a_poller_skips_them()
    {
        await using var gh = await GitHubHarness.StartAsync(_time);
        var now = _time.GetUtcNow();
        foreach (var (installation, repo) in new[] { (77L, "acme/one"), (78L, "acme/two") })
        {
            gh.Fake.Installations.Add(installation);
            gh.Fake.AddComment(repo, FeedbackDashboard.Core.Model.CommentKind.Reply, installation * 10);
            var task = await _db.TaskAsync(repo, now.AddMinutes(-5), installation: installation);
            await _db.CommentAsync(task, "reply", installation * 10, now.AddMinutes(-5),
                nodeId: FakeGitHub.NodeIdFor(FeedbackDashboard.Core.Model.CommentKind.Reply, installation * 10));
        }
        // A poller that hangs while it holds installation 78: its lease is good for an hour.
        await _db.ExecuteAsync($"""
            insert into poller_installations (installation_id, claimed_at, instance, lease_until)
            values (78, '{now:O}', 'stuck', '{now.AddHours(1):O}')
            """);
        var poller = PollerHarness.Poller(_db, gh, PollerHarness.Settings());

        for (var cycle = 0; cycle < 3; cycle++)
        {
            var report = await poller.RunCycleAsync(TestContext.Current.CancellationToken);
            Assert.Equal((1, 1), (report.InstallationsPolled, report.InstallationsSkipped));
            _time.Advance(TimeSpan.FromSeconds(300));
        }
        var (overall, jobs, body) = await HealthAsync();

        Assert.Equal("late", jobs["reactions"]);
        Assert.Equal("late", overall);
        var reactions = body.GetProperty("jobs")[0];
        var notPolled = reactions.GetProperty("installations_not_polled").EnumerateArray()
            .Select(i => (i.GetProperty("installation_id").GetInt64(), i.GetProperty("held_by").GetString(), i.GetProperty("last_polled_at").ValueKind))
            .ToList();
        Assert.Equal([(78L, (string?)"stuck", System.Text.Json.JsonValueKind.Null)], notPolled);
        Assert.Equal(1, reactions.GetProperty("cycles")[0].GetProperty("installations_skipped").GetInt32());
        Assert.Equal(1, reactions.GetProperty("cycles")[0].GetProperty("installations_polled").GetInt32());
    }
}
