using FeedbackDashboard.Core.Data;
using Npgsql;

namespace FeedbackDashboard.Core.Runs;

/// <summary>Who this poller is in poller_instances, poll_cycles and poller_installations.</summary>
public sealed record PollerInstance(string Id)
{
    /// <summary>Host and process: a container restarted in the same pod comes back under the same name.</summary>
    public static PollerInstance ThisProcess { get; } = new($"{Environment.MachineName}/{Environment.ProcessId}");
}

/// <summary>
/// The live pollers, from a heartbeat row each keeps fresh. A poller that stops beating (killed, cut off from the
/// database) drops out after a few of its ticks and the others take its share; one that stops cleanly leaves at once.
/// Each beat also closes the cycles of pollers that are gone, so none stays running forever.
/// </summary>
public sealed class PollerPresence(NpgsqlDataSource db, PollCycleRecorder recorder, PollerInstance self, FeedbackSettings settings,
    TimeProvider time)
{
    /// <summary>Beats missed before the others count a poller gone.</summary>
    public const int MissedBeats = 3;

    public string Self => self.Id;

    /// <summary>How often a poller beats: its scheduler tick.</summary>
    public TimeSpan BeatEvery => TimeSpan.FromSeconds(CycleGate.TickSeconds(settings.PollerInterval));

    public async Task BeatAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using (var cmd = db.CreateCommand("""
            insert into poller_instances (instance, started_at, beat_at, alive_until) values (@instance, @now, @now, @until)
            on conflict (instance) do update set beat_at = excluded.beat_at, alive_until = excluded.alive_until
            """))
        {
            cmd.Parameters.AddWithValue("instance", self.Id);
            cmd.Parameters.AddWithValue("now", now);
            cmd.Parameters.AddWithValue("until", now + MissedBeats * BeatEvery);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        // A cycle of a poller that never beat (an older version) is left alone for two intervals.
        await recorder.CloseInterruptedAsync(now, 2 * settings.PollerInterval, ct);
    }

    /// <summary>The live pollers, this one always among them.</summary>
    public async Task<IReadOnlyList<string>> LiveAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select instance from poller_instances where alive_until > @now order by instance");
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        var live = new SortedSet<string>(StringComparer.Ordinal) { self.Id };
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) live.Add(r.Get<string>("instance"));
        return [.. live];
    }

    /// <summary>A clean stop: the others take this poller's share at their next tick instead of after its missed beats.</summary>
    public async Task LeaveAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("delete from poller_instances where instance = @instance");
        cmd.Parameters.AddWithValue("instance", self.Id);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
