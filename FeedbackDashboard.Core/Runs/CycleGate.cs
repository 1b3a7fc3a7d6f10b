using System.Collections.Concurrent;
using FeedbackDashboard.Core.Model;

namespace FeedbackDashboard.Core.Runs;

/// <summary>
/// Turns a frequent scheduler tick into one run per cycle number (unix time / interval). Coravel's EverySeconds
/// stops at 59, so any interval — 300 s, 3600 s, 90 s — works the same way, and runs line up with the cycle
/// number the tiered selection uses.
/// </summary>
public sealed class CycleGate(TimeProvider time)
{
    private readonly ConcurrentDictionary<Job, long> _last = new();

    /// <summary>True once per cycle number; the first call for a job is true when <paramref name="runAtStart"/>.</summary>
    public bool TryEnter(Job job, TimeSpan interval, bool runAtStart = true)
    {
        var cycle = time.GetUtcNow().ToUnixTimeSeconds() / (long)interval.TotalSeconds;
        if (!_last.TryGetValue(job, out var last))
        {
            _last[job] = cycle;
            return runAtStart;
        }
        if (cycle <= last) return false;
        _last[job] = cycle;
        return true;
    }

    /// <summary>Scheduler tick that finds a new cycle within a tenth of the interval (1 s to 30 s).</summary>
    public static int TickSeconds(TimeSpan interval) => (int)Math.Clamp(interval.TotalSeconds / 10, 1, 30);
}
