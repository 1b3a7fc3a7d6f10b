using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FeedbackDashboard.Core.Polling;

/// <summary>
/// LISTENs on the poll_cycles channel (a trigger NOTIFYs when a cycle finishes, on whichever instance ran it) and
/// tells open dashboard pages, so they refresh without a reload.
/// </summary>
public sealed class PollCycleNotifier(NpgsqlDataSource db, ILogger<PollCycleNotifier> log) : BackgroundService
{
    /// <summary>Raised with the job name ("reactions" or "maintainers") when a cycle lands.</summary>
    public event Action<string>? CycleFinished;

    /// <summary>For tests and for callers that know a cycle landed in this process.</summary>
    public void Raise(string job) => CycleFinished?.Invoke(job);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var conn = await db.OpenConnectionAsync(stoppingToken);
                conn.Notification += (_, e) => Raise(e.Payload);
                await using (var listen = new NpgsqlCommand("listen poll_cycles", conn))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                while (!stoppingToken.IsCancellationRequested) await conn.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The database went away: pages fall back to their timer; try again shortly.
                log.LogDebug(e, "LISTEN poll_cycles lost; retrying in 5 s");
                try { await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }
}
