using System.Collections.Concurrent;
using System.Text;
using FeedbackDashboard.Core.Data;
using Npgsql;

namespace FeedbackDashboard.Core.Runs;

/// <summary>
/// Splits installations over the live pollers and makes each poll exclusive. The split is rendezvous hashing with a
/// cap of ⌈installations / pollers⌉ each, so every poller computes the same fair share without talking to the others.
/// Exclusivity is a time lease in poller_installations, taken by one conditional upsert: an installation is claimed
/// when its last claim was released before this cycle began, or its lease ran out (its poller died or overran). Claims
/// never depend on cycle numbers, so a changed interval or a restart cannot strand an installation.
/// </summary>
public sealed class InstallationLocks(NpgsqlDataSource db, PollerInstance self, TimeProvider time)
{
    /// <summary>Claims this process holds right now: a lease under this name that is not here is a former incarnation's.</summary>
    private readonly ConcurrentDictionary<long, byte> _held = new();

    /// <summary>Each installation's poller: the live poller that ranks it highest and still has room under the cap.</summary>
    public static IReadOnlyDictionary<long, string> Assign(IEnumerable<long> installations, IReadOnlyCollection<string> live)
    {
        var ids = installations.Distinct().Order().ToList();
        var result = new Dictionary<long, string>(ids.Count);
        if (live.Count == 0) return result;
        var cap = (ids.Count + live.Count - 1) / live.Count;
        var load = live.ToDictionary(i => i, _ => 0, StringComparer.Ordinal);
        var seeds = live.ToDictionary(i => i, Seed, StringComparer.Ordinal);
        // Installations in order of their strongest preference, so a cap moves the least-attached ones.
        var ranked = ids.Select(id => (id, order: live.OrderByDescending(i => Score(seeds[i], id)).ThenBy(i => i, StringComparer.Ordinal).ToList()))
            .OrderByDescending(x => Score(seeds[x.order[0]], x.id)).ThenBy(x => x.id);
        foreach (var (id, order) in ranked)
        {
            var owner = order.First(i => load[i] < cap);
            load[owner]++;
            result[id] = owner;
        }
        return result;
    }

    /// <summary>FNV-1a of the poller's name: stable across processes, unlike string.GetHashCode.</summary>
    private static ulong Seed(string instance)
    {
        var h = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(instance)) h = (h ^ b) * 1099511628211UL;
        return h;
    }

    /// <summary>SplitMix64 of the pair, so close installation ids spread over the pollers.</summary>
    private static ulong Score(ulong seed, long installation)
    {
        var z = seed ^ (ulong)installation * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// Claims this poller's share of <paramref name="installations"/> for the cycle that began at
    /// <paramref name="cycleStart"/>, each for <paramref name="lease"/>; those that went longest without a finished poll
    /// come first.
    /// </summary>
    public async Task<HeldInstallations> ClaimAsync(IReadOnlyCollection<long> installations, IReadOnlyCollection<string> live,
        DateTimeOffset cycleStart, TimeSpan lease, CancellationToken ct)
    {
        var share = Assign(installations, live).Where(kv => kv.Value == self.Id).Select(kv => kv.Key).Order().ToArray();
        var owned = new List<(long Id, DateTimeOffset? Completed)>();
        if (share.Length > 0)
        {
            var now = time.GetUtcNow();
            await using var cmd = db.CreateCommand("""
                insert into poller_installations as p (installation_id, claimed_at, instance, lease_until)
                select id, @now, @instance, @until from unnest(@ids) as x(id)
                on conflict (installation_id) do update
                    set claimed_at = excluded.claimed_at, instance = excluded.instance, lease_until = excluded.lease_until,
                        released_at = null
                    where (p.released_at is not null and p.claimed_at < @cycle_start)
                       or (p.released_at is null and (p.lease_until <= @now or (p.instance = @instance and p.installation_id <> all(@held))))
                returning installation_id, completed_at
                """);
            cmd.Parameters.AddWithValue("now", now);
            cmd.Parameters.AddWithValue("instance", self.Id);
            cmd.Parameters.AddWithValue("until", now + lease);
            cmd.Parameters.AddWithValue("ids", share);
            cmd.Parameters.AddWithValue("cycle_start", cycleStart);
            cmd.Parameters.AddWithValue("held", _held.Keys.ToArray());
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                owned.Add((r.Get<long>("installation_id"), r.Get<DateTimeOffset?>("completed_at")));
        }
        foreach (var (id, _) in owned) _held[id] = 0;
        // Never finished first, then longest since: installations a deadline left out lead the next cycle.
        var ordered = owned.OrderBy(o => o.Completed ?? DateTimeOffset.MinValue).ThenBy(o => o.Id).Select(o => o.Id).ToList();
        return new HeldInstallations(this, ordered);
    }

    /// <summary>Ends claims; <paramref name="completed"/> when the installation's work was done, not cut short.</summary>
    internal async Task ReleaseAsync(IReadOnlyCollection<long> installations, bool completed)
    {
        if (installations.Count == 0) return;
        try
        {
            var now = time.GetUtcNow();
            await using var cmd = db.CreateCommand("""
                update poller_installations set released_at = @now, lease_until = @now,
                    completed_at = case when @completed then @now else completed_at end
                where installation_id = any(@ids) and instance = @instance and released_at is null
                """);
            cmd.Parameters.AddWithValue("now", now);
            cmd.Parameters.AddWithValue("completed", completed);
            cmd.Parameters.AddWithValue("ids", installations.ToArray());
            cmd.Parameters.AddWithValue("instance", self.Id);
            await cmd.ExecuteNonQueryAsync(CancellationToken.None);
        }
        finally
        {
            // Not released in the table (the database is gone)? The lease runs out by itself.
            foreach (var id in installations) _held.TryRemove(id, out _);
        }
    }
}

/// <summary>The installations this poller claimed, longest unfinished first; disposing releases what is still held.</summary>
public sealed class HeldInstallations(InstallationLocks locks, IReadOnlyList<long> owned) : IAsyncDisposable
{
    private readonly HashSet<long> _open = [.. owned];

    public IReadOnlyList<long> Owned => owned;

    public bool Contains(long installation) => owned.Contains(installation);

    /// <summary>Releases one installation as soon as its poll ends, so a stopped poller holds nothing finished.</summary>
    public async Task ReleaseAsync(long installation, bool completed)
    {
        lock (_open)
        {
            if (!_open.Remove(installation)) return;
        }
        await locks.ReleaseAsync([installation], completed);
    }

    /// <summary>What was never reached is released unfinished.</summary>
    public async ValueTask DisposeAsync()
    {
        long[] rest;
        lock (_open)
        {
            rest = [.. _open];
            _open.Clear();
        }
        await locks.ReleaseAsync(rest, completed: false);
    }
}
