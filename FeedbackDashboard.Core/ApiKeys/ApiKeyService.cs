using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.Runs;
using Microsoft.EntityFrameworkCore;

namespace FeedbackDashboard.Core.ApiKeys;

public static class Scopes
{
    public const string ReviewRead = "review:read";
    public const string ReviewWrite = "review:write";
    public const string MaintainersRead = "maintainers:read";
    public const string BotsWrite = "bots:write";
    public static readonly IReadOnlySet<string> All = new HashSet<string> { ReviewRead, ReviewWrite, MaintainersRead, BotsWrite };
}

public sealed record ApiKeyInfo(string Name, string Prefix, string[] Scopes, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt, long[]? Installations = null);

/// <summary>An authenticated key; <paramref name="Installations"/> null means every installation.</summary>
public sealed record AuthenticatedKey(long Id, string Name, IReadOnlySet<string> Scopes, IReadOnlySet<long>? Installations = null);

/// <summary>
/// API keys: random, shown once, stored as SHA-256 only. A verified key is remembered for a few seconds, so a busy
/// client costs one lookup per key every <see cref="CacheTtl"/> instead of one per request (the lookup would be a
/// large share of a feedback read's CPU); a revocation anywhere empties the cache on every replica through a NOTIFY on api_keys,
/// and the short lifetime bounds it when a notification is lost (LISTEN connection down).
/// </summary>
public sealed class ApiKeyService(IDbContextFactory<FeedbackDb> dbFactory, TimeProvider time)
{
    // Recognisable in logs and secret scanners; the random part carries the strength.
    public const string KeyPrefix = "fdk_";
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>How long a verified key is trusted without asking the database: under the 5 s the README promises for revocation.</summary>
    public static readonly TimeSpan CacheTtl = TimeSpan.FromSeconds(4);

    // Keyed by the token's SHA-256 (hex): the token itself never sits in memory longer than the request.
    private readonly ConcurrentDictionary<string, (AuthenticatedKey Key, long VerifiedAt)> _verified = new(StringComparer.Ordinal);

    /// <summary>Also listens for revocations on every replica (the notifier's api_keys channel).</summary>
    public ApiKeyService(IDbContextFactory<FeedbackDb> dbFactory, TimeProvider time, PollCycleNotifier notifications) : this(dbFactory, time)
    {
        notifications.ApiKeysChanged += ForgetVerified;
    }

    /// <summary>Drops every remembered key: the next request of each is checked against the database again.</summary>
    public void ForgetVerified()
    {
        Interlocked.Increment(ref _generation);
        _verified.Clear();
    }

    // Bumped by each forget: a lookup that started before a revocation must not store its (now stale) answer after it.
    private long _generation;

    public async Task<string> CreateAsync(string name, IReadOnlyCollection<string> scopes, CancellationToken ct = default) =>
        await CreateAsync(name, scopes, null, ct);

    /// <summary>A new key; with <paramref name="installations"/> it reaches only runs of those GitHub App installations.</summary>
    public async Task<string> CreateAsync(string name, IReadOnlyCollection<string> scopes, IReadOnlyCollection<long>? installations,
        CancellationToken ct = default)
    {
        if (installations is { Count: 0 } || installations?.Any(i => i <= 0) == true)
            throw new ArgumentException("--installations must be a comma list of positive installation ids");
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("a key needs a --name");
        var unknown = scopes.Where(s => !Scopes.All.Contains(s)).ToList();
        if (unknown.Count > 0 || scopes.Count == 0)
            throw new ArgumentException($"scopes must be some of {string.Join(", ", Scopes.All)}" +
                                        (unknown.Count > 0 ? $"; unknown: {string.Join(", ", unknown)}" : ""));

        var key = KeyPrefix + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.ApiKeys.AnyAsync(k => k.Name == name && k.RevokedAt == null, ct))
            throw new ArgumentException($"an active key named '{name}' exists; revoke it first");
        db.ApiKeys.Add(new ApiKey
        {
            Name = name.Trim(),
            Prefix = key[..(KeyPrefix.Length + 6)],
            KeyHash = Hash(key),
            Scopes = scopes.Distinct().Order().ToArray(),
            Installations = installations?.Distinct().Order().ToArray(),
            CreatedAt = time.GetUtcNow(),
        });
        await db.SaveChangesAsync(ct);
        return key;
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ApiKeys.OrderBy(k => k.Name).ThenBy(k => k.CreatedAt)
            .Select(k => new ApiKeyInfo(k.Name, k.Prefix, k.Scopes, k.CreatedAt, k.RevokedAt, k.LastUsedAt, k.Installations))
            .ToListAsync(ct);
    }

    public async Task<bool> RevokeAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var revoked = await db.ApiKeys.Where(k => k.Name == name && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), ct) > 0;
        // This replica at once; the others when the trigger's NOTIFY reaches them.
        ForgetVerified();
        return revoked;
    }

    /// <summary>The active key behind a bearer token, or null. Records last use at most once a minute.</summary>
    public async Task<AuthenticatedKey?> AuthenticateAsync(string token, CancellationToken ct = default)
    {
        if (!token.StartsWith(KeyPrefix, StringComparison.Ordinal) || token.Length > 200) return null;
        var hash = Hash(token);
        var cacheKey = Convert.ToHexString(hash);
        if (_verified.TryGetValue(cacheKey, out var cached) && time.GetElapsedTime(cached.VerifiedAt) < CacheTtl) return cached.Key;

        var verifiedAt = time.GetTimestamp();
        var generation = Interlocked.Read(ref _generation);
        var found = await LookUpAsync(hash, ct);
        // Only keys found active are remembered: an unknown key is asked for again (it may have just been created).
        if (found is null) _verified.TryRemove(cacheKey, out _);
        else if (Interlocked.Read(ref _generation) == generation) _verified[cacheKey] = (found, verifiedAt);
        return found;
    }

    private async Task<AuthenticatedKey?> LookUpAsync(byte[] hash, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var key = await db.ApiKeys.AsNoTracking()
            .Where(k => k.KeyHash == hash && k.RevokedAt == null)
            .Select(k => new { k.Id, k.Name, k.KeyHash, k.Scopes, k.LastUsedAt, k.Installations })
            .FirstOrDefaultAsync(ct);
        // The index found the row by hash; compare again in constant time so no timing leaks through.
        if (key is null || !CryptographicOperations.FixedTimeEquals(key.KeyHash, hash)) return null;

        var now = time.GetUtcNow();
        if (key.LastUsedAt is null || now - key.LastUsedAt >= LastUsedResolution)
        {
            var staleBefore = now - LastUsedResolution;
            // The condition keeps replicas from all writing the same minute.
            await db.ApiKeys.Where(k => k.Id == key.Id && (k.LastUsedAt == null || k.LastUsedAt <= staleBefore))
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), ct);
        }
        return new AuthenticatedKey(key.Id, key.Name, key.Scopes.ToHashSet(), key.Installations?.ToHashSet());
    }

    internal static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

}
