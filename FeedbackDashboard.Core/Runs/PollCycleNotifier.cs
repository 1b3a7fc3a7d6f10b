using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FeedbackDashboard.Core.Runs;

/// <summary>
/// The process's one LISTEN connection. poll_cycles: a trigger NOTIFYs when a cycle finishes, on whichever instance
/// ran it, and open dashboard pages refresh without a reload. api_keys: a key was revoked (or changed) on some
/// replica, and the verified-key cache is emptied.
/// </summary>
public sealed class PollCycleNotifier(NpgsqlDataSource db, ILogger<PollCycleNotifier> log) : BackgroundService
{
    /// <summary>Raised with the job name ("reactions" or "maintainers") when a cycle lands.</summary>
    public event Action<string>? CycleFinished;

    /// <summary>
    /// Raised when api_keys changed anywhere, and each time the LISTEN connection is (re)established, since
    /// notifications sent while it was down are lost.
    /// </summary>
    public event Action? ApiKeysChanged;

    /// <summary>For tests and for callers that know a cycle landed in this process.</summary>
    public void Raise(string job) => CycleFinished?.Invoke(job);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var conn = await db.OpenConnectionAsync(stoppingToken);
                conn.Notification += (_, e) =>
                {
                    if (e.Channel == "api_keys") ApiKeysChanged?.Invoke();
                    else Raise(e.Payload);
                };
                await using (var listen = new NpgsqlCommand("listen poll_cycles; listen api_keys", conn))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                ApiKeysChanged?.Invoke();
                while (!stoppingToken.IsCancellationRequested) await conn.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The database went away: pages fall back to their timer; try again shortly.
                log.LogDebug(e, "LISTEN poll_cycles/api_keys lost; retrying in 5 s");
                try { await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }
}
