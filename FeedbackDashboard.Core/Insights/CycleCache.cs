using System.Collections.Concurrent;
using FeedbackDashboard.Core.Runs;

namespace FeedbackDashboard.Core.Insights;

/// <summary>
/// Read results shared by every open dashboard page. When a poll cycle lands, each open page (a Blazor circuit)
/// reloads at once; asking the database once per page would send the same query hundreds of times in the same
/// second. Here the first page to ask for a given query and arguments runs it, every other page awaits that same
/// task (single flight), and the answer serves until the next cycle lands or <see cref="Lifetime"/> passes (runs
/// registered through the API or changed by webhooks appear without a cycle, so it stays short).
/// Hand-written because IMemoryCache runs the factory once per caller on a miss (no single flight), and neither it
/// nor HybridCache (another package) expires on "the next cycle landed" without extra plumbing larger than this class.
/// </summary>
public sealed class CycleCache
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<object, Entry> _entries = new();
    private readonly TimeProvider _time;
    private long _generation;

    public CycleCache(PollCycleNotifier notifier, TimeProvider time)
    {
        _time = time;
        notifier.CycleFinished += job =>
        {
            // Older answers are dropped before the pages hear of the cycle, so none of them reloads an old answer.
            Interlocked.Increment(ref _generation);
            _entries.Clear();
            CycleLanded?.Invoke(job);
        };
    }

    /// <summary>Raised after a landed cycle has emptied the cache: what a live page reloads on.</summary>
    public event Action<string>? CycleLanded;

    private sealed record Entry(long Generation, long CreatedAt, Lazy<Task<object?>> Value);

    /// <summary>
    /// The answer for <paramref name="key"/> (a value-equal tuple or record naming the query and its arguments).
    /// The load runs without the caller's token (other pages may be awaiting it); the caller stops waiting on its own.
    /// </summary>
    public async Task<T> GetAsync<T>(object key, Func<CancellationToken, Task<T>> load, CancellationToken ct)
    {
        var generation = Interlocked.Read(ref _generation);
        var entry = _entries.AddOrUpdate(key,
            _ => NewEntry(generation, load),
            (_, existing) => existing.Generation == generation && _time.GetElapsedTime(existing.CreatedAt) < Lifetime
                ? existing
                : NewEntry(generation, load));
        try
        {
            return (T)(await entry.Value.Value.WaitAsync(ct))!;
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // A failed load is not remembered: the next page to ask tries again.
            _entries.TryRemove(new KeyValuePair<object, Entry>(key, entry));
            throw;
        }
    }

    private Entry NewEntry<T>(long generation, Func<CancellationToken, Task<T>> load) =>
        new(generation, _time.GetTimestamp(), new Lazy<Task<object?>>(async () => await load(CancellationToken.None)));
}
