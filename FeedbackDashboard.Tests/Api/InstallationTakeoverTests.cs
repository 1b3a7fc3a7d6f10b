using System.Net;
using System.Net.Http.Headers;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

/// <summary>
/// A repository's installation comes from GitHub, never from a caller: no API write moves a repository or a run to
/// another installation, and a key limited to installations reads only runs of its own, even where the data disagree.
/// </summary>
public sealed class InstallationTakeoverTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<HttpClient> LimitedAsync(AppFactory app, PostgresDatabase db, string name, params long[] installations)
    {
        var key = await new ApiKeyService(db.DbFactory, TimeProvider.System)
            .CreateAsync(name + Guid.NewGuid().ToString("N")[..6], [Scopes.ReviewRead, Scopes.ReviewWrite, Scopes.MaintainersRead], installations, Ct);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private async Task<string> StateAsync(string repo) => await db.ScalarAsync<string>($"""
        select r.installation_id || '|' || (select count(*) from tasks t where t.repository_id = r.id) || '|'
               || (select string_agg(distinct t.installation_id::text, ',') from tasks t where t.repository_id = r.id) || '|'
               || coalesce((select string_agg(distinct c.installation_id::text, ',') from review_comments c where c.repository_id = r.id), '-')
        from repositories r where r.full_name = '{repo}'
        """);

    [Fact]
    public async Task A_limited_key_cannot_move_another_installations_repository_to_its_own_and_reads_nothing_of_it()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var admin = await app.WithKeyAsync(db, Scopes.ReviewRead, Scopes.ReviewWrite, Scopes.MaintainersRead);
        var secret = (await (await admin.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "Other/Secret", installation: 8))).JsonAsync())
            .GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostJsonAsync($"/api/tasks/{secret}/comments",
            new[] { new { kind = "inline", github_comment_id = 8_000_001, file = "a.cs", line = 1, rule = "r1" } })).StatusCode);
        await db.ReactionAsync("inline", 8_000_001, 4, "-1");
        await db.MaintainerAsync("other/secret", 4, "owner4", "OWNER");
        var before = await StateAsync("other/secret");

        var limited = await LimitedAsync(app, db, "intruder", 999);
        var takeover = await limited.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "Other/Secret", installation: 999));
        Assert.Equal(HttpStatusCode.Forbidden, takeover.StatusCode);
        Assert.Equal("application/problem+json", takeover.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await StateAsync("other/secret"));
        Assert.StartsWith("8|", before);

        foreach (var path in new[]
        {
            "/api/tasks?repository=other/secret", "/api/feedback/export?repository=other/secret",
            "/api/feedback/export?repository=other/secret&format=csv", "/api/analytics/feedback?repository=other/secret",
            "/api/analytics/compare?repository=other/secret&label=bot_version&a=1&b=2", "/api/rules?repository=other/secret",
            "/api/repos/other/secret/rules", "/api/repos/other/secret/maintainers", $"/api/tasks/{secret}/feedback",
        })
        {
            var response = await limited.GetAsync(path, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)response.StatusCode}");
        }

        // Its own new repository still registers under the installation it names.
        Assert.Equal(HttpStatusCode.Created, (await limited.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "Mine/New", installation: 999))).StatusCode);
        Assert.StartsWith("999|1|999", await StateAsync("mine/new"));
    }

    [Fact]
    public async Task Any_key_naming_the_wrong_installation_for_a_registered_repository_gets_a_409_naming_the_right_one()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var admin = await app.WithKeyAsync(db, Scopes.ReviewRead, Scopes.ReviewWrite);
        var run = (await (await admin.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "Acme/Pinned", installation: 8))).JsonAsync())
            .GetProperty("id").GetGuid();
        var before = await StateAsync("acme/pinned");

        var conflict = await admin.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "acme/PINNED", installation: 9));
        await TasksApiTests.AssertProblemAsync(conflict, HttpStatusCode.Conflict, "installation_id");
        Assert.Contains("installation 8", await conflict.Content.ReadAsStringAsync(Ct));
        Assert.Equal(before, await StateAsync("acme/pinned"));

        // A key limited to both installations gets the same 409; to the other one only, a 403.
        var both = await LimitedAsync(app, db, "both", 8, 9);
        await TasksApiTests.AssertProblemAsync(await both.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "Acme/Pinned", installation: 9)),
            HttpStatusCode.Conflict, "installation_id");
        Assert.Equal(HttpStatusCode.Forbidden,
            (await (await LimitedAsync(app, db, "nine", 9)).PostJsonAsync("/api/tasks", ApiClients.Task(repository: "Acme/Pinned", installation: 9))).StatusCode);

        // Updating the run by id can't move it either: not to another installation's repository, nor under another installation.
        await admin.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "Acme/Elsewhere", installation: 9));
        await TasksApiTests.AssertProblemAsync(await admin.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "Acme/Elsewhere", installation: 9, id: run)),
            HttpStatusCode.Conflict, "installation_id");
        await TasksApiTests.AssertProblemAsync(await admin.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "Acme/Brandnew", installation: 9, id: run)),
            HttpStatusCode.Conflict, "installation_id");
        Assert.Equal(8L, await db.ScalarAsync<long>($"select installation_id from tasks where id = '{run}'"));
        Assert.Equal(before, await StateAsync("acme/pinned"));
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from repositories where full_name = 'acme/brandnew'"));

        // The right installation updates as before.
        Assert.Equal(HttpStatusCode.OK, (await admin.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "Acme/Pinned", installation: 8, id: run, pr: 99))).StatusCode);
        Assert.Equal(99, await db.ScalarAsync<int>($"select pr_number from tasks where id = '{run}'"));
    }

    [Fact]
    public async Task A_limited_key_reads_only_runs_of_its_installations_even_when_the_data_disagree()
    {
        // A run recorded under installation 8 in a repository now registered under 31 (as after a move GitHub reported).
        var mine = await db.TaskAsync("drift/repo", DateTimeOffset.UtcNow.AddDays(-2), pr: 1, installation: 31);
        var foreign = await db.TaskAsync("drift/repo", DateTimeOffset.UtcNow.AddDays(-2), pr: 2, installation: 31);
        await db.ExecuteAsync($"update tasks set installation_id = 8, labels = '{{\"bot_version\": \"2\"}}' where id = '{foreign}'");
        await db.ExecuteAsync($"update tasks set labels = '{{\"bot_version\": \"1\"}}' where id = '{mine}'");
        var at = DateTimeOffset.UtcNow.AddDays(-2);
        for (var i = 0; i < 4; i++)
        {
            await db.CommentAsync(i < 2 ? mine : foreign, "inline", 8_100_000 + i, at);
            await db.ReactionAsync("inline", 8_100_000 + i, 40 + i, i < 2 ? "+1" : "-1", at);
        }
        await db.ExecuteAsync("update review_comments set rule = case when github_comment_id < 8100002 then 'mine-rule' else 'foreign-rule' end where github_comment_id between 8100000 and 8100003");

        await using var app = new AppFactory(db.ConnectionString);
        var limited = await LimitedAsync(app, db, "drift", 31);
        var admin = await app.WithKeyAsync(db, Scopes.ReviewRead);

        var list = await (await limited.GetAsync("/api/tasks?repository=drift/repo", Ct)).JsonAsync();
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        Assert.Equal(mine, list.GetProperty("items")[0].GetProperty("id").GetGuid());
        Assert.Equal(2, (await (await admin.GetAsync("/api/tasks?repository=drift/repo", Ct)).JsonAsync()).GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.Forbidden, (await limited.GetAsync($"/api/tasks/{foreign}/feedback", Ct)).StatusCode);

        var export = await limited.GetStringAsync("/api/feedback/export?repository=drift/repo", Ct);
        Assert.Equal(2, export.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.DoesNotContain(foreign.ToString(), export);
        Assert.DoesNotContain(foreign.ToString(), await limited.GetStringAsync("/api/feedback/export?repository=drift/repo&format=csv", Ct));

        foreach (var filter in new[] { "", "&group_by=rule", "&rule=mine-rule", "&role=maintainers" })
        {
            var analytics = await (await limited.GetAsync($"/api/analytics/feedback?repository=drift/repo{filter}", Ct)).JsonAsync();
            var current = analytics.GetProperty("current");
            Assert.True(current.GetProperty("comments").GetInt32() == 2, $"{filter}: {analytics}");
            Assert.Equal(0, current.GetProperty("down").GetInt32());
        }
        var compare = await (await limited.GetAsync("/api/analytics/compare?repository=drift/repo&label=bot_version&a=1&b=2", Ct)).JsonAsync();
        Assert.Equal(2, compare.GetProperty("a").GetProperty("comments").GetInt32());
        Assert.Equal(0, compare.GetProperty("b").GetProperty("comments").GetInt32());
        foreach (var rules in new[] { "/api/rules?repository=drift/repo", "/api/repos/drift/repo/rules" })
        {
            var body = await limited.GetStringAsync(rules, Ct);
            Assert.Contains("mine-rule", body);
            Assert.DoesNotContain("foreign-rule", body);
        }
        Assert.Contains("foreign-rule", await admin.GetStringAsync("/api/rules?repository=drift/repo", Ct));
    }
}
