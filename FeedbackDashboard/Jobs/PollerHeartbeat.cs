using FeedbackDashboard.Core.Runs;
using Npgsql;

namespace FeedbackDashboard.Jobs;

/// <summary>
/// Keeps this poller in poller_instances on its own loop, apart from the jobs, so a long cycle never makes it look gone.
/// On a clean stop it leaves, and the other pollers take its share at their next tick.
/// </summary>
public sealed class PollerHeartbeat(PollerPresence presence, TimeProvider time, ILogger<PollerHeartbeat> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await presence.BeatAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                log.LogWarning(e, "Poller heartbeat not written; the other pollers take this one's share if it stays away");
            }
            try
            {
                await Task.Delay(presence.BeatEvery, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await presence.LeaveAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
        {
            log.LogWarning(e, "Poller did not leave cleanly; the others count it gone after its missed beats");
        }
    }
}
