using System.Diagnostics;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Runs;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackDashboard.Tests.Core;

public sealed class ApiKeyServiceTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{

    [Fact]
    public async Task Key_is_random_prefixed_and_stored_only_as_its_hash()
    {
        var keys = new ApiKeyService(db.DbFactory, TimeProvider.System);
        var a = await keys.CreateAsync("hash-a", [Scopes.ReviewRead], Ct);
        var b = await keys.CreateAsync("hash-b", [Scopes.ReviewRead], Ct);

        Assert.StartsWith("fdk_", a);
        Assert.NotEqual(a, b);
        Assert.True(Convert.FromBase64String(a[4..].Replace('-', '+').Replace('_', '/') + "=").Length >= 32);
        Assert.Equal(0L, await db.ScalarAsync<long>($"select count(*) from api_keys where encode(key_hash, 'escape') like '%{a[4..12]}%' or prefix = '{a}'"));
        Assert.Equal(1L, await db.ScalarAsync<long>($"select count(*) from api_keys where key_hash = decode('{Convert.ToHexString(ApiKeyService.Hash(a))}', 'hex')"));

        var found = await keys.AuthenticateAsync(a, Ct);
        Assert.Equal("hash-a", found!.Name);
        Assert.Null(await keys.AuthenticateAsync(a + "x", Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => keys.CreateAsync("bad-scope", ["admin"], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => keys.CreateAsync("hash-a", [Scopes.ReviewRead], Ct));
    }

    [Fact]
    public async Task Last_use_is_written_at_most_once_a_minute()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-01T10:00:00Z"));
        var keys = new ApiKeyService(db.DbFactory, time);
        var key = await keys.CreateAsync("last-used", [Scopes.ReviewRead], Ct);
        var lastUsed = () => db.ScalarAsync<DateTime>("select last_used_at from api_keys where name = 'last-used'");

        await keys.AuthenticateAsync(key, Ct);
        Assert.Equal(DateTime.Parse("2026-11-01T10:00:00Z").ToUniversalTime(), await lastUsed());

        time.Advance(TimeSpan.FromSeconds(30));
        await keys.AuthenticateAsync(key, Ct);
        Assert.Equal(DateTime.Parse("2026-11-01T10:00:00Z").ToUniversalTime(), await lastUsed());

        time.Advance(TimeSpan.FromSeconds(31));
        await keys.AuthenticateAsync(key, Ct);
        Assert.Equal(DateTime.Parse("2026-11-01T10:01:01Z").ToUniversalTime(), await lastUsed());
    }

    [Fact]
    public async Task A_verified_key_is_remembered_for_the_cache_lifetime_only()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-01T10:00:00Z"));
        var keys = new ApiKeyService(db.DbFactory, time);
        var key = await keys.CreateAsync("cached", [Scopes.ReviewRead], Ct);
        Assert.NotNull(await keys.AuthenticateAsync(key, Ct));

        // Revoked behind the service's back (no NOTIFY listener here): the remembered answer holds until it expires.
        await db.ExecuteAsync("update api_keys set revoked_at = now() where name = 'cached'");
        Assert.NotNull(await keys.AuthenticateAsync(key, Ct));
        time.Advance(ApiKeyService.CacheTtl);
        Assert.Null(await keys.AuthenticateAsync(key, Ct));
    }

    [Fact]
    public async Task A_revocation_on_one_replica_empties_the_cache_of_another_through_notify()
    {
        // Time stands still, so the cache never expires: only the api_keys NOTIFY can make the second replica refuse.
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-01T10:00:00Z"));
        var listener = new PollCycleNotifier(db.DataSource, NullLogger<PollCycleNotifier>.Instance);
        var connected = new TaskCompletionSource();
        listener.ApiKeysChanged += () => connected.TrySetResult();
        var replicaA = new ApiKeyService(db.DbFactory, time);
        var replicaB = new ApiKeyService(db.DbFactory, time, listener);
        await listener.StartAsync(Ct);
        try
        {
            await connected.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            var key = await replicaA.CreateAsync("notified", [Scopes.ReviewRead], Ct);
            Assert.NotNull(await replicaB.AuthenticateAsync(key, Ct));

            Assert.True(await replicaA.RevokeAsync("notified", Ct));
            var refused = false;
            for (var i = 0; i < 300 && !refused; i++)
            {
                refused = await replicaB.AuthenticateAsync(key, Ct) is null;
                if (!refused) await Task.Delay(100, Ct);
            }
            Assert.True(refused, "the second replica still accepts the revoked key");
        }
        finally
        {
            await listener.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task Keys_command_line_creates_lists_and_revokes()
    {
        var (code, output, _) = await RunAsync("keys", "create", "--name", "cli-bot", "--scopes", "review:read,review:write");
        Assert.Equal(0, code);
        var key = output.Trim();
        Assert.StartsWith("fdk_", key);
        Assert.NotNull(await new ApiKeyService(db.DbFactory, TimeProvider.System).AuthenticateAsync(key, Ct));

        var (_, list, _) = await RunAsync("keys", "list");
        Assert.Contains("cli-bot", list);
        Assert.Contains("review:read,review:write", list);
        Assert.DoesNotContain(key, list);

        Assert.Equal(0, (await RunAsync("keys", "revoke", "--name", "cli-bot")).Code);
        Assert.Null(await new ApiKeyService(db.DbFactory, TimeProvider.System).AuthenticateAsync(key, Ct));
        var (missing, _, error) = await RunAsync("keys", "revoke", "--name", "cli-bot");
        Assert.NotEqual(0, missing);
        Assert.Contains("no active key", error);

        var (bad, _, badError) = await RunAsync("keys", "create", "--name", "x", "--scopes", "root");
        Assert.NotEqual(0, bad);
        Assert.Contains("scopes", badError);
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "FeedbackDashboard.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["DATABASE_URL"] = db.ConnectionString },
        };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync(Ct);
        var error = p.StandardError.ReadToEndAsync(Ct);
        await p.WaitForExitAsync(Ct);
        return (p.ExitCode, await output, await error);
    }
}
