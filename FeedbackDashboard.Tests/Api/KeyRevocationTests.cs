using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

/// <summary>Two real app processes on one database: a key revoked with `keys revoke` is refused by both.</summary>
public sealed class KeyRevocationTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task A_revoked_key_is_refused_by_every_replica()
    {
        await using var first = await RunningApp.StartAsync(db.ConnectionString);
        await using var second = await RunningApp.StartAsync(db.ConnectionString);
        var key = await new ApiKeyService(db.DbFactory, TimeProvider.System).CreateAsync("replicas", [Scopes.ReviewRead], Ct);
        HttpClient Client(RunningApp app) => new()
        {
            BaseAddress = app.Url,
            DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", key) },
        };
        using var a = Client(first);
        using var b = Client(second);
        // Both replicas have verified (and remembered) the key.
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync("api/tasks", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await b.GetAsync("api/tasks", Ct)).StatusCode);

        // The command line revokes on the database, as an operator does; neither replica is told directly.
        var revoke = Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "FeedbackDashboard.dll"), "keys", "revoke", "--name", "replicas"])
        {
            RedirectStandardOutput = true,
            Environment = { ["DATABASE_URL"] = db.ConnectionString },
        })!;
        await revoke.WaitForExitAsync(Ct);
        Assert.Equal(0, revoke.ExitCode);
        var revokedAt = Stopwatch.StartNew();

        foreach (var (name, client) in new[] { ("first", a), ("second", b) })
        {
            var status = HttpStatusCode.OK;
            // A generous bound for a loaded CI machine; the time it took is printed, not asserted.
            while (status == HttpStatusCode.OK && revokedAt.Elapsed < TimeSpan.FromSeconds(60))
            {
                status = (await client.GetAsync("api/tasks", Ct)).StatusCode;
                if (status == HttpStatusCode.OK) await Task.Delay(50, Ct);
            }
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            TestContext.Current.TestOutputHelper?.WriteLine($"{name} replica refused the key {revokedAt.Elapsed.TotalMilliseconds:0} ms after the revoke");
        }
    }
}
