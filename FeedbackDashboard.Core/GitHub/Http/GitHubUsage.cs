using System.Collections.Concurrent;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>
/// One job run's use of GitHub: what it cost (requests, 304s, points per rate-limit bucket, the budgets
/// GitHub last reported per installation) and which installations, or which of their buckets, are unusable for the
/// rest of the run.
/// </summary>
public sealed class GitHubUsage
{
    private readonly ConcurrentDictionary<long, string> _unavailable = new();
    private readonly ConcurrentDictionary<(long, RateBucket), string> _bucketUnavailable = new();
    private readonly ConcurrentDictionary<(long, RateBucket), RateLimitState> _rateLimits = new();
    private readonly ConcurrentDictionary<(long, RateBucket), int> _pointsByInstallation = new();
    private int _requests;
    private int _notModified;
    private int _corePoints;
    private int _graphQlPoints;
    private int _graphQlSplitRequests;

    public int Requests => _requests;
    public int NotModified => _notModified;
    /// <summary>Points spent: REST requests answered with anything but 304 (core), GraphQL's own rateLimit.cost (graphql).</summary>
    public int CorePoints => _corePoints;
    public int GraphQlPoints => _graphQlPoints;
    /// <summary>Extra GraphQL requests spent splitting batches to isolate nodes behind errors without a path.</summary>
    public int GraphQlSplitRequests => _graphQlSplitRequests;
    public IReadOnlyDictionary<(long Installation, RateBucket Bucket), RateLimitState> RateLimits => _rateLimits;

    public int PointsOf(long installationId, RateBucket bucket) => _pointsByInstallation.GetValueOrDefault((installationId, bucket));

    public bool IsUnavailable(long installationId, out string reason) => _unavailable.TryGetValue(installationId, out reason!);

    /// <summary>The whole installation, or this bucket of it, is out for the run.</summary>
    public bool IsUnavailable(long installationId, RateBucket bucket, out string reason) =>
        _unavailable.TryGetValue(installationId, out reason!) || _bucketUnavailable.TryGetValue((installationId, bucket), out reason!);

    public void MarkUnavailable(long installationId, string reason) => _unavailable.TryAdd(installationId, reason);

    public void MarkUnavailable(long installationId, RateBucket bucket, string reason) => _bucketUnavailable.TryAdd((installationId, bucket), reason);

    /// <summary>Every (installation, bucket) given up for a rate limit, with why.</summary>
    public IEnumerable<(long Installation, RateBucket Bucket, string Reason)> RateLimited =>
        _bucketUnavailable.Select(kv => (kv.Key.Item1, kv.Key.Item2, kv.Value));

    internal void Record(long installationId, int status, RateBucket bucket, RateLimitState? rateLimit)
    {
        Interlocked.Increment(ref _requests);
        if (status == 304) Interlocked.Increment(ref _notModified);
        // A GraphQL request's points are its reported cost (RecordGraphQlCost); an unanswered request costs nothing.
        else if (bucket == RateBucket.Core && status != 0)
        {
            Interlocked.Increment(ref _corePoints);
            _pointsByInstallation.AddOrUpdate((installationId, RateBucket.Core), 1, (_, n) => n + 1);
        }
        if (rateLimit is not null) RecordRateLimit(installationId, bucket, rateLimit);
        Telemetry.GitHubRequests.Add(1, new KeyValuePair<string, object?>("status", status.ToString()));
    }

    internal void RecordGraphQlCost(long installationId, int cost, RateLimitState? state)
    {
        Interlocked.Add(ref _graphQlPoints, cost);
        _pointsByInstallation.AddOrUpdate((installationId, RateBucket.GraphQl), cost, (_, n) => n + cost);
        if (state is not null) RecordRateLimit(installationId, RateBucket.GraphQl, state);
    }

    internal void RecordGraphQlSplit(int requests) => Interlocked.Add(ref _graphQlSplitRequests, requests);

    private void RecordRateLimit(long installationId, RateBucket bucket, RateLimitState state)
    {
        _rateLimits[(installationId, bucket)] = state;
        Telemetry.RecordRateLimit(installationId, bucket, state.Remaining);
    }
}

/// <summary>GitHub's separate rate-limit budgets (x-ratelimit-resource): REST's core and GraphQL's points.</summary>
public enum RateBucket { Core, GraphQl }

/// <summary>A budget as GitHub last reported it for one installation.</summary>
public sealed record RateLimitState(int Limit, int Remaining, DateTimeOffset ResetAt);
