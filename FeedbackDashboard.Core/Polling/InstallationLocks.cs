using Npgsql;

namespace FeedbackDashboard.Core.Polling;

/// <summary>
/// One poller per installation, guaranteed: a session advisory try-lock per installation (skip what another
/// instance holds right now) plus a claim of the cycle number in poller_installations (skip what another instance
/// already polled this cycle). Several pollers split installations; a mistaken second one never double-polls.
/// </summary>
public sealed class InstallationLocks(NpgsqlDataSource db, TimeProvider time)
{
    // High bits name the lock family, so installation locks never meet other advisory locks.
    private const long Namespace = 0x5046L << 48;

    public async Task<HeldInstallations> ClaimAsync(IReadOnlyCollection<long> installations, long cycle, CancellationToken ct)
    {
        var connection = await db.OpenConnectionAsync(ct);
        var owned = new HashSet<long>();
        try
        {
            foreach (var installation in installations.Order())
            {
                await using var lockCmd = new NpgsqlCommand("select pg_try_advisory_lock(@key)", connection);
                lockCmd.Parameters.AddWithValue("key", Namespace | installation);
                if (!(bool)(await lockCmd.ExecuteScalarAsync(ct))!) continue;

                await using var claim = new NpgsqlCommand("""
                    insert into poller_installations (installation_id, last_cycle, claimed_at, instance)
                    values (@installation, @cycle, @now, @instance)
                    on conflict (installation_id) do update
                        set last_cycle = excluded.last_cycle, claimed_at = excluded.claimed_at, instance = excluded.instance
                        where poller_installations.last_cycle < excluded.last_cycle
                    """, connection);
                claim.Parameters.AddWithValue("installation", installation);
                claim.Parameters.AddWithValue("cycle", cycle);
                claim.Parameters.AddWithValue("now", time.GetUtcNow());
                claim.Parameters.AddWithValue("instance", PollCycleRecorder.Instance);
                if (await claim.ExecuteNonQueryAsync(ct) == 1) owned.Add(installation);
                else await UnlockAsync(connection, installation);
            }
            return new HeldInstallations(connection, owned);
        }
        catch
        {
            await connection.DisposeAsync(); // closing the session releases its advisory locks
            throw;
        }
    }

    internal static async Task UnlockAsync(NpgsqlConnection connection, long installation)
    {
        await using var cmd = new NpgsqlCommand("select pg_advisory_unlock(@key)", connection);
        cmd.Parameters.AddWithValue("key", Namespace | installation);
        await cmd.ExecuteScalarAsync(CancellationToken.None);
    }
}

/// <summary>The installations this instance polls this cycle; disposing releases their locks.</summary>
public sealed class HeldInstallations(NpgsqlConnection connection, HashSet<long> owned) : IAsyncDisposable
{
    public IReadOnlySet<long> Owned => owned;

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var installation in owned) await InstallationLocks.UnlockAsync(connection, installation);
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }
}
