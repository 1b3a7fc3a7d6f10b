using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Maintainers;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Runs;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeedbackDashboard.Tests.Core.Maintainers;

public sealed class MaintainersRefresherTests : IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();
    private GitHubHarness _gh = null!;
    private FakeGitHub Fake => _gh.Fake;

    public async ValueTask InitializeAsync()
    {
        await _db.InitializeAsync();
        _gh = await GitHubHarness.StartAsync();
        Fake.Installations.Add(77);
    }

    public async ValueTask DisposeAsync()
    {
        await _gh.DisposeAsync();
        await _db.DisposeAsync();
    }

    private MaintainersRefresher Refresher() =>
        new(_db.DataSource, _gh.Client, new PollCycleRecorder(_db.DataSource, _gh.Time), _gh.Time, NullLogger<MaintainersRefresher>.Instance);

    private async Task<List<string>> RowsAsync(string repo)
    {
        var view = await new MaintainersQueries(_db.DataSource).ForRepoAsync(repo.Split('/')[0], repo.Split('/')[1], Ct);
        return view!.Maintainers.Select(m => $"{m.GithubId}:{m.Login}:{m.Association}").Order().ToList();
    }

    private static GitHubUser U(long id, string? role = null) => new(id, $"u{id}", role);

    [Fact]
    public async Task A_finished_refresh_leaves_its_lock_free_for_another_poller()
    {
        await _db.RepoAsync("Solo/Tool");
        Fake.AddRepo("Solo/Tool", "User", ownerId: 1, ownerLogin: "solo");
        Assert.NotNull(await Refresher().RunAsync(Ct));

        // Another poller process, with its own connection pool; the first one's pool stays idle.
        await using var other = Npgsql.NpgsqlDataSource.Create(_db.ConnectionString);
        var second = new MaintainersRefresher(other, _gh.Client, new PollCycleRecorder(other, _gh.Time, new PollerInstance("other")),
            _gh.Time, NullLogger<MaintainersRefresher>.Instance);

        var report = await second.RunAsync(Ct);

        Assert.NotNull(report);
        Assert.Equal(1, report.ReposOk);
    }

    [Fact]
    public async Task User_repo_gets_its_owner_and_org_repo_its_members_and_collaborators_strongest_role_winning()
    {
        await _db.RepoAsync("Solo/Tool");
        var solo = Fake.AddRepo("Solo/Tool", "User", ownerId: 1, ownerLogin: "solo");
        solo.Collaborators.AddRange([U(1), U(2)]); // the owner is also listed as a collaborator
        await _db.RepoAsync("Acme/Widgets");
        var org = Fake.AddRepo("Acme/Widgets", "Organization", ownerId: 900, ownerLogin: "Acme");
        org.Collaborators.AddRange([U(10), U(20, "admin")]);
        Fake.SetOrgMembers("Acme", U(10), U(11));

        var report = await Refresher().RunAsync(Ct);

        Assert.Equal(2, report!.ReposOk);
        Assert.Equal(["1:solo:OWNER", "2:u2:COLLABORATOR"], await RowsAsync("solo/tool"));
        Assert.Equal(["10:u10:MEMBER", "11:u11:MEMBER", "20:u20:COLLABORATOR"], await RowsAsync("acme/widgets"));
        // Listed collaborators keep that they are one under a stronger role too (the owner solo, the member u10).
        Assert.Equal("1 2 10 20", await _db.ScalarAsync<string>(
            "select string_agg(github_id::text, ' ' order by github_id) from maintainers where collaborator"));
        Assert.Equal("Organization", await _db.ScalarAsync<string>("select owner_type from repositories where full_name = 'acme/widgets'"));
        Assert.Equal("ok", await _db.ScalarAsync<string>("select maintainers_outcome from repositories where full_name = 'solo/tool'"));
        Assert.Equal(5, report.RowsChanged);
        Assert.Equal(1L, await _db.ScalarAsync<long>("select count(*) from poll_cycles where job = 'maintainers' and status = 'ok' and repos_ok = 2 and rows_changed = 5"));
        Assert.Contains(Fake.Requests, r => r.Route == "collaborators" && r.Path.Contains("affiliation=direct"));

        // Same answer again: nothing changes.
        var again = await Refresher().RunAsync(Ct);
        Assert.Equal(0, again!.RowsChanged);
    }

    [Fact]
    public async Task Members_are_read_on_every_page_and_fetched_once_per_org()
    {
        Fake.MaxPageSize = 2;
        foreach (var name in new[] { "Acme/One", "Acme/Two" })
        {
            await _db.RepoAsync(name);
            Fake.AddRepo(name, "Organization", 900, "Acme");
        }
        Fake.SetOrgMembers("acme", [.. Enumerable.Range(100, 7).Select(i => U(i))]);

        await Refresher().RunAsync(Ct);

        Assert.Equal(7, (await RowsAsync("acme/one")).Count);
        Assert.Equal(7, (await RowsAsync("acme/two")).Count);
        Assert.Equal(4, Fake.Count("members")); // 7 members, 2 a page, one org
    }

    [Fact]
    public async Task A_failed_fetch_leaves_that_repo_exactly_as_it_was_and_the_others_go_on()
    {
        await _db.RepoAsync("Acme/Broken");
        await _db.MaintainerAsync("acme/broken", 5, "old", "MEMBER", DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        Fake.AddRepo("Acme/Broken", "Organization", 900, "Acme").Collaborators.Add(U(6));
        Fake.MaxPageSize = 2;
        Fake.SetOrgMembers("Acme", U(7), U(8), U(9));
        Fake.Fail("members", 500, times: 3, when: r => r.Query["page"] == "2"); // page 2 of members never comes
        await _db.RepoAsync("Solo/Fine");
        Fake.AddRepo("Solo/Fine", "User", 1, "solo");

        var report = await Refresher().RunAsync(Ct);

        Assert.Equal(1, report!.ReposFailed);
        Assert.Equal(1, report.ReposOk);
        Assert.Equal(CycleStatus.Partial, report.Status);
        Assert.Equal(["5:old:MEMBER"], await RowsAsync("acme/broken"));
        Assert.Equal(DateTime.Parse("2026-01-01T00:00:00Z").ToUniversalTime(),
            await _db.ScalarAsync<DateTime>("select refreshed_at from maintainers where repo_full_name = 'acme/broken'"));
        Assert.Equal("failed", await _db.ScalarAsync<string>("select maintainers_outcome from repositories where full_name = 'acme/broken'"));
        Assert.Contains("acme/broken", Assert.Single(report.Errors));
        Assert.Equal(["1:solo:OWNER"], await RowsAsync("solo/fine"));
    }

    [Fact]
    public async Task An_empty_answer_never_wipes_a_repo()
    {
        await _db.RepoAsync("Acme/Quiet");
        await _db.MaintainerAsync("acme/quiet", 5, "kept", "COLLABORATOR");
        Fake.AddRepo("Acme/Quiet", "Organization", 900, "Acme");
        Fake.SetOrgMembers("Acme");

        var report = await Refresher().RunAsync(Ct);

        Assert.Equal(1, report!.ReposSkippedEmpty);
        Assert.Equal(["5:kept:COLLABORATOR"], await RowsAsync("acme/quiet"));
        Assert.Equal("skipped_empty", await _db.ScalarAsync<string>("select maintainers_outcome from repositories where full_name = 'acme/quiet'"));
    }

    [Fact]
    public async Task A_mass_removal_is_held_back_until_the_same_answer_repeats()
    {
        await _db.RepoAsync("Acme/Shrink");
        for (var i = 1; i <= 6; i++) await _db.MaintainerAsync("acme/shrink", i, $"u{i}", "MEMBER");
        Fake.AddRepo("Acme/Shrink", "Organization", 900, "Acme");
        Fake.SetOrgMembers("Acme", U(1), U(2));

        var first = await Refresher().RunAsync(Ct);
        Assert.Equal(1, first!.ReposGuarded);
        Assert.Equal(6, (await RowsAsync("acme/shrink")).Count);
        Assert.Equal("guarded", await _db.ScalarAsync<string>("select maintainers_outcome from repositories where full_name = 'acme/shrink'"));

        // A different answer is still held back (and becomes the one to confirm).
        Fake.SetOrgMembers("Acme", U(1), U(3));
        Assert.Equal(1, (await Refresher().RunAsync(Ct))!.ReposGuarded);
        Assert.Equal(6, (await RowsAsync("acme/shrink")).Count);

        // The same answer twice in a row is the truth.
        var confirmed = await Refresher().RunAsync(Ct);
        Assert.Equal(1, confirmed!.ReposOk);
        Assert.Equal(["1:u1:MEMBER", "3:u3:MEMBER"], await RowsAsync("acme/shrink"));
        Assert.Equal(4, confirmed.RowsChanged);
    }

    [Fact]
    public async Task Small_removals_apply_at_once()
    {
        await _db.RepoAsync("Acme/Trim");
        for (var i = 1; i <= 6; i++) await _db.MaintainerAsync("acme/trim", i, $"u{i}", "MEMBER");
        Fake.AddRepo("Acme/Trim", "Organization", 900, "Acme");
        Fake.SetOrgMembers("Acme", U(1), U(2), U(3), U(4));

        var report = await Refresher().RunAsync(Ct);

        Assert.Equal(1, report!.ReposOk);
        Assert.Equal(4, (await RowsAsync("acme/trim")).Count);
    }

    [Fact]
    public async Task Uninstalled_repositories_are_not_refreshed_and_a_failed_installation_is_recorded()
    {
        await _db.RepoAsync("Acme/Gone");
        await _db.ExecuteAsync("update repositories set installed = false where full_name = 'acme/gone'");
        await _db.RepoAsync("Other/Place", installation: 66);

        var report = await Refresher().RunAsync(Ct);

        Assert.Equal(0, Fake.Count("repo"));
        Assert.Equal(1, report!.ReposFailed);
        Assert.Equal(CycleStatus.Failed, report.Status);
    }

    [Theory]
    [InlineData("repo", "not json")]
    [InlineData("collaborators", "[null]")]
    [InlineData("collaborators", "{\"message\":\"not a list\"}")]
    // Valid JSON that PostgreSQL refuses to store (a NUL in a login): the failure comes from the write, not from GitHub.
    [InlineData("collaborators", "[{\"id\":6,\"login\":\"u\\u00006\",\"type\":\"User\"}]")]
    public async Task A_malformed_answer_for_one_repo_never_stops_the_refresh_of_the_others(string route, string body)
    {
        await _db.RepoAsync("Acme/Bad");
        await _db.MaintainerAsync("acme/bad", 5, "old", "COLLABORATOR");
        Fake.AddRepo("Acme/Bad", "User", 1, "acme").Collaborators.Add(U(6));
        await _db.RepoAsync("Solo/Fine");
        Fake.AddRepo("Solo/Fine", "User", 1, "solo");
        Fake.Fail(route, 200, body: body, when: r => r.Path.Value!.Contains("/Acme/Bad", StringComparison.OrdinalIgnoreCase));

        var report = await Refresher().RunAsync(Ct);

        Assert.Equal(1, report!.ReposFailed);
        Assert.Equal(1, report.ReposOk);
        Assert.Equal(CycleStatus.Partial, report.Status);
        Assert.Equal(["5:old:COLLABORATOR"], await RowsAsync("acme/bad"));
        Assert.Equal("failed", await _db.ScalarAsync<string>("select maintainers_outcome from repositories where full_name = 'acme/bad'"));
        Assert.Contains("acme/bad", Assert.Single(report.Errors));
        Assert.Equal(["1:solo:OWNER"], await RowsAsync("solo/fine"));
    }

    [Fact]
    public async Task A_rate_limit_blocks_the_installations_core_bucket_and_its_other_repos_wait_for_the_next_run()
    {
        foreach (var name in new[] { "Acme/One", "Acme/Two" })
        {
            await _db.RepoAsync(name);
            Fake.AddRepo(name, "User", 1, "acme");
        }
        Fake.SetRemaining(77, RateBucket.Core, 0);

        var report = await Refresher().RunAsync(Ct);

        Assert.Equal(2, report!.ReposFailed);
        Assert.Equal(CycleStatus.Failed, report.Status);
        Assert.Equal(1, Fake.Count("repo")); // the second repository was refused without asking GitHub
        Assert.All(report.Errors, e => Assert.Contains("rate limited (core)", e));
    }

    [Fact]
    public async Task A_renamed_repository_is_refreshed_through_the_301_with_the_token()
    {
        await _db.RepoAsync("Acme/Old");
        Fake.AddRepo("Acme/Old", "Organization", 900, "Acme").Collaborators.Add(U(20, "admin"));
        Fake.SetOrgMembers("Acme", U(10));
        Fake.RenameRepo("Acme/Old", "Acme/New");

        var report = await Refresher().RunAsync(Ct);

        Assert.Equal(1, report!.ReposOk);
        Assert.Equal(["10:u10:MEMBER", "20:u20:COLLABORATOR"], await RowsAsync("acme/old"));
        Assert.Equal([301, 200], Fake.Requests.Where(r => r.Route == "repo").Select(r => r.Status));
        Assert.Equal([301, 200], Fake.Requests.Where(r => r.Route == "collaborators").Select(r => r.Status));
        Assert.DoesNotContain(Fake.Requests, r => r.Status == 401);
    }
}
