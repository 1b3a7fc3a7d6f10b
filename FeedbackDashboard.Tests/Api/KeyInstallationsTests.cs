using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

/// <summary>`keys create --installations`: a key that reaches only runs of some installations, on reads and writes.</summary>
public sealed class KeyInstallationsTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{

    [Fact]
    public async Task A_limited_key_reaches_its_installations_and_gets_403_elsewhere()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var everything = await app.WithKeyAsync(db, Scopes.ReviewRead, Scopes.ReviewWrite, Scopes.MaintainersRead);
        var key = await new ApiKeyService(db.DbFactory, TimeProvider.System)
            .CreateAsync("limited", [Scopes.ReviewRead, Scopes.ReviewWrite, Scopes.MaintainersRead], [77, 78], Ct);
        var limited = app.CreateClient();
        limited.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        // Writes: its own installations only, and never someone else's run.
        var mine = await (await limited.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "acme/mine", installation: 77))).JsonAsync();
        var mineId = mine.GetProperty("id").GetString();
        await AssertForbiddenAsync(await limited.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "other/theirs", installation: 99)));
        var theirs = await (await everything.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "other/theirs", installation: 99))).JsonAsync();
        var theirsId = theirs.GetProperty("id").GetString();
        await AssertForbiddenAsync(await limited.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "acme/mine", installation: 77, id: Guid.Parse(theirsId!))));
        object[] comment = [new { kind = "inline", github_comment_id = 5, file = "a.cs", line = 1 }];
        Assert.Equal(HttpStatusCode.OK, (await limited.PostJsonAsync($"/api/tasks/{mineId}/comments", comment)).StatusCode);
        await AssertForbiddenAsync(await limited.PostJsonAsync($"/api/tasks/{theirsId}/comments", new[] { new { kind = "inline", github_comment_id = 6 } }));
        await AssertForbiddenAsync(await limited.PostJsonAsync($"/api/tasks/{theirsId}/reviews", new { github_review_id = 1, findings = Array.Empty<object>() }));
        Assert.Equal(0L, await db.ScalarAsync<long>($"select count(*) from review_comments where task_id = '{theirsId}'"));

        // Reads of one run or repository.
        Assert.Equal(HttpStatusCode.OK, (await limited.GetAsync($"/api/tasks/{mineId}/feedback", Ct)).StatusCode);
        await AssertForbiddenAsync(await limited.GetAsync($"/api/tasks/{theirsId}/feedback", Ct));
        Assert.Equal(HttpStatusCode.OK, (await limited.GetAsync("/api/repos/acme/mine/maintainers", Ct)).StatusCode);
        await AssertForbiddenAsync(await limited.GetAsync("/api/repos/other/theirs/maintainers", Ct));

        // Reads across repositories need one of its repositories as the filter; health spans everything.
        foreach (var path in new[] { "/api/tasks", "/api/feedback/export", "/api/analytics/feedback" })
        {
            await AssertForbiddenAsync(await limited.GetAsync(path, Ct));
            await AssertForbiddenAsync(await limited.GetAsync($"{path}?repository=other/theirs", Ct));
            Assert.Equal(HttpStatusCode.OK, (await limited.GetAsync($"{path}?repository=acme/mine", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await everything.GetAsync(path, Ct)).StatusCode);
        }
        var list = await (await limited.GetAsync("/api/tasks?repository=acme/mine", Ct)).JsonAsync();
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        await AssertForbiddenAsync(await limited.GetAsync("/api/poller/health", Ct));
        Assert.Equal(HttpStatusCode.OK, (await everything.GetAsync("/api/poller/health", Ct)).StatusCode);
    }

    [Fact]
    public async Task Keys_create_with_installations_and_keys_list_shows_them()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "FeedbackDashboard.dll");
        async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
        {
            var psi = new ProcessStartInfo("dotnet", [dll, .. args])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["DATABASE_URL"] = db.ConnectionString },
            };
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync(Ct);
            var stderr = p.StandardError.ReadToEndAsync(Ct);
            await p.WaitForExitAsync(Ct);
            return (p.ExitCode, await stdout, await stderr);
        }

        var created = await RunAsync("keys", "create", "--name", "ci-bot", "--scopes", "review:write", "--installations", "123,456");
        Assert.True(created.Code == 0, created.Err);
        Assert.StartsWith(ApiKeyService.KeyPrefix, created.Out.Trim());
        Assert.Contains("123,456", created.Err);
        Assert.Equal(new long[] { 123, 456 }, await db.ScalarAsync<long[]>("select installations from api_keys where name = 'ci-bot'"));

        var list = await RunAsync("keys", "list");
        Assert.Equal(0, list.Code);
        Assert.Contains("INSTALLATIONS", list.Out);
        Assert.Matches(@"ci-bot\s.*\s123,456\s", list.Out);

        var bad = await RunAsync("keys", "create", "--name", "x", "--scopes", "review:read", "--installations", "12,abc");
        Assert.NotEqual(0, bad.Code);
        Assert.Contains("--installations", bad.Err);
    }

    private static async Task AssertForbiddenAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        Assert.Contains("limited to installation(s) 77, 78", body);
    }
}
