using System.Collections.Concurrent;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>
/// One job run's view of GitHub: what it cost (requests, 304s, statuses, rate-limit remaining per installation)
/// and which installations are unusable for the rest of the run.
/// </summary>
public sealed class GitHubSession
{
    private readonly ConcurrentDictionary<long, string> _unavailable = new();
    private readonly ConcurrentDictionary<int, int> _byStatus = new();
    private readonly ConcurrentDictionary<long, int> _rateRemaining = new();
    private int _requests;
    private int _notModified;
    private int _points;

    public int Requests => _requests;
    public int NotModified => _notModified;
    /// <summary>Requests that cost a rate-limit point (everything but 304s); GraphQL reports its own cost.</summary>
    public int RateLimitPoints => _points;
    public IReadOnlyDictionary<int, int> ByStatus => _byStatus;
    public IReadOnlyDictionary<long, int> RateLimitRemaining => _rateRemaining;

    public bool IsUnavailable(long installationId, out string reason) => _unavailable.TryGetValue(installationId, out reason!);

    public void MarkUnavailable(long installationId, string reason) => _unavailable.TryAdd(installationId, reason);

    internal void Record(long installationId, int status, int? rateRemaining, int points)
    {
        Interlocked.Increment(ref _requests);
        _byStatus.AddOrUpdate(status, 1, (_, n) => n + 1);
        if (status == 304) Interlocked.Increment(ref _notModified);
        else Interlocked.Add(ref _points, points);
        if (rateRemaining is { } r)
        {
            _rateRemaining[installationId] = r;
            Telemetry.RecordRateLimit(installationId, r);
        }
        Telemetry.GitHubRequests.Add(1, new KeyValuePair<string, object?>("status", status.ToString()));
    }
}
