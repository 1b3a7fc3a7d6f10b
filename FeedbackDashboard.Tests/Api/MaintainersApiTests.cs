using System.Net;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

public sealed class MaintainersApiTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private AppFactory _app = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _app = new AppFactory(db.ConnectionString);
        _client = await _app.WithKeyAsync(db, Scopes.MaintainersRead, Scopes.ReviewRead);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Lists_maintainers_case_insensitively_404s_unknown_repos_and_is_empty_before_a_refresh()
    {
        await db.RepoAsync("Acme/Listed");
        await db.ExecuteAsync("update repositories set maintainers_refreshed_at = '2026-11-20T10:00:00Z' where full_name = 'acme/listed'");
        await db.MaintainerAsync("acme/listed", 7, "boss", "OWNER", DateTimeOffset.Parse("2026-11-20T10:00:00Z"));
        await db.MaintainerAsync("acme/listed", 8, "helper", "COLLABORATOR", DateTimeOffset.Parse("2026-11-20T10:00:00Z"));

        var response = await _client.GetAsync("/api/repos/ACME/Listed/maintainers", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = (await response.JsonAsync()).EnumerateArray().ToList();
        Assert.Equal([7L, 8L], list.Select(m => m.GetProperty("github_id").GetInt64()));
        Assert.Equal("boss", list[0].GetProperty("login").GetString());
        Assert.Equal("OWNER", list[0].GetProperty("association").GetString());
        Assert.Equal(DateTimeOffset.Parse("2026-11-20T10:00:00Z"), list[0].GetProperty("refreshed_at").GetDateTimeOffset());
        Assert.StartsWith("2026-11-20T10:00:00", response.Headers.GetValues("X-Maintainers-Refreshed-At").Single());

        await db.RepoAsync("Acme/Fresh");
        var fresh = await _client.GetAsync("/api/repos/acme/fresh/maintainers", Ct);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Empty((await fresh.JsonAsync()).EnumerateArray());
        Assert.Equal("", fresh.Headers.GetValues("X-Maintainers-Refreshed-At").Single());

        await TasksApiTests.AssertProblemAsync(await _client.GetAsync("/api/repos/nobody/nothing/maintainers", Ct), HttpStatusCode.NotFound, null);

        var readerOnly = await _app.WithKeyAsync(db, Scopes.ReviewRead);
        await TasksApiTests.AssertProblemAsync(await readerOnly.GetAsync("/api/repos/acme/listed/maintainers", Ct), HttpStatusCode.Forbidden, null);
    }

    [Fact]
    public async Task Roles_resolve_at_read_time_the_live_row_winning_over_the_stored_snapshot()
    {
        var now = DateTimeOffset.UtcNow;
        var task = await db.TaskAsync("Acme/Roles", now, authorId: 42, authorLogin: "dev", association: "CONTRIBUTOR");
        await db.CommentAsync(task, "inline", 77001, now);
        await db.ReactionAsync("inline", 77001, 42, "+1", login: "dev", association: "CONTRIBUTOR");
        await db.ReactionAsync("inline", 77001, 43, "-1", login: "drive-by", association: "NONE");
        // The maintainers row is keyed by the lowercased name; the repository was registered in mixed case.
        await db.MaintainerAsync("acme/roles", 42, "dev", "MEMBER");

        var feedback = await (await _client.GetAsync($"/api/tasks/{task}/feedback", Ct)).JsonAsync();
        Assert.Equal("MEMBER", feedback.GetProperty("pr_author").GetProperty("association").GetString());
        var reactions = feedback.GetProperty("comments")[0].GetProperty("reactions").EnumerateArray()
            .ToDictionary(r => r.GetProperty("reactor_id").GetInt64(), r => r.GetProperty("reactor_association").GetString());
        Assert.Equal("MEMBER", reactions[42]);
        Assert.Equal("NONE", reactions[43]);

        var list = await (await _client.GetAsync("/api/tasks?repository=acme/roles", Ct)).JsonAsync();
        Assert.Equal("MEMBER", list.GetProperty("items")[0].GetProperty("pr_author").GetProperty("association").GetString());

        // The stored snapshot is never rewritten; removing the live row brings it back.
        Assert.Equal("CONTRIBUTOR", await db.ScalarAsync<string>($"select pr_author_association from tasks where id = '{task}'"));
        await db.ExecuteAsync("delete from maintainers where repo_full_name = 'acme/roles'");
        var after = await (await _client.GetAsync($"/api/tasks/{task}/feedback", Ct)).JsonAsync();
        Assert.Equal("CONTRIBUTOR", after.GetProperty("pr_author").GetProperty("association").GetString());
    }
}
