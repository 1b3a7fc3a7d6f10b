using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Reactions;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Tests.Jobs;

public sealed class PollerRoleTests
{

    [Fact]
    public async Task A_serve_host_starts_without_github_configuration_and_polls_nothing()
    {
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        var task = await db.TaskAsync("acme/serve", DateTimeOffset.UtcNow);
        await db.CommentAsync(task, "inline", 1, DateTimeOffset.UtcNow);

        await using var app = new AppFactory(db.ConnectionString, new Dictionary<string, string?>
        {
            ["ROLE"] = "serve",
            ["POLLER_INTERVAL_SECS"] = "1",
            // A key path that does not exist: reading it would fail the start.
            ["GITHUB_APP_PRIVATE_KEY_PATH"] = "/nonexistent/key.pem",
        });
        using var client = app.CreateClient();
        Assert.True((await client.GetAsync("/readyz", Ct)).IsSuccessStatusCode);

        Assert.Null(app.Services.GetService<ReactionsPoller>());
        Assert.Null(app.Services.GetService<GitHubAppAuth>());
        await Task.Delay(2500, Ct); // more than two ticks of a 1 s interval
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from poll_cycles"));
    }

    [Fact]
    public async Task A_poller_host_runs_the_reactions_cycle_on_its_schedule()
    {
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        await using var fake = await FakeGitHub.StartAsync();
        fake.Installations.Add(77);
        var task = await db.TaskAsync("acme/poller", DateTimeOffset.UtcNow);
        fake.AddComment("acme/poller", CommentKind.Inline, 1);
        fake.React(CommentKind.Inline, 1, 10, "+1");
        await db.CommentAsync(task, "inline", 1, DateTimeOffset.UtcNow, nodeId: "PRRC_1");

        await using var app = new AppFactory(db.ConnectionString, new Dictionary<string, string?>
        {
            ["ROLE"] = "poller",
            ["POLLER_INTERVAL_SECS"] = "2",
            ["GITHUB_APP_ID"] = FakeGitHub.AppId.ToString(),
            ["GITHUB_APP_PRIVATE_KEY"] = fake.AppKeyPem,
            ["GITHUB_API_URL"] = fake.ApiUrl.ToString(),
            ["GITHUB_GRAPHQL_URL"] = fake.GraphQlUrl.ToString(),
        });
        app.CreateClient().Dispose(); // starts the host

        var deadline = DateTime.UtcNow.AddSeconds(45);
        // The feedback lands before the cycle's record is finished: wait for both. With a 2 s interval one cycle's
        // budget share (1.4 GraphQL points) buys less than a request, so the budget scheduler saves up for a second.
        while ((await db.ScalarAsync<long>("select count(*) from poll_cycles where job = 'reactions' and status = 'ok' and comments_checked > 0") == 0
                || (await db.FeedbackAsync()).Count == 0) && DateTime.UtcNow < deadline)
            await Task.Delay(100, Ct);

        var cycles = await db.ScalarAsync<string>("select coalesce(string_agg(status || ' ' || errors::text, '; '), 'none') from poll_cycles");
        var requests = string.Join(", ", fake.Requests.Select(r => $"{r.At:HH:mm:ss.fff} {r.Route} {r.Status}"));
        Assert.True((await db.FeedbackAsync()).SequenceEqual(["inline/1/10/user10/+1"]), $"feedback differs; cycles: {cycles}; GitHub saw: {requests}");
        Assert.True(await db.ScalarAsync<long>("select count(*) from poll_cycles where job = 'reactions' and status = 'ok'") >= 1, cycles);
        Assert.NotNull(app.Services.GetService<ReactionsPoller>());
    }

    [Fact]
    public async Task A_poller_without_an_app_key_refuses_to_start_with_a_clear_line()
    {
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "FeedbackDashboard.dll")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment = { ["DATABASE_URL"] = db.ConnectionString, ["ROLE"] = "poller", ["GITHUB_APP_ID"] = "1", ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" },
        };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stderr = await p.StandardError.ReadToEndAsync(Ct);
        await p.WaitForExitAsync(Ct);
        Assert.NotEqual(0, p.ExitCode);
        Assert.Contains("GITHUB_APP_PRIVATE_KEY", stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
