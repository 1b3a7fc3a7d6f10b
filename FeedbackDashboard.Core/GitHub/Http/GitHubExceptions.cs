namespace FeedbackDashboard.Core.GitHub;

/// <summary>
/// The installation (or one of its rate-limit buckets, when Bucket is set) cannot be used for the rest of this cycle:
/// failed token mint, repeated 401, or a rate limit that resets later than a cycle can wait.
/// </summary>
public sealed class InstallationUnavailableException(long installationId, string reason, RateBucket? bucket = null)
    : Exception($"installation {installationId}{(bucket is { } b ? $" ({b.ToString().ToLowerInvariant()})" : "")} unavailable: {reason}")
{
    public long InstallationId { get; } = installationId;
    public RateBucket? Bucket { get; } = bucket;
    public string Reason { get; } = reason;
}

/// <summary>A GitHub call failed after retries; Status is the last HTTP status (0 when there was no answer).</summary>
public sealed class GitHubRequestException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
