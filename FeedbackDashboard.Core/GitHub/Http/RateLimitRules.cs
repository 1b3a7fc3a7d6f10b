using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>
/// GitHub's rate-limit rules, read the same way from our answers and Octokit's: primary limits (an empty bucket, and
/// GraphQL's RATE_LIMITED under a 200), secondary limits and Retry-After. A limited answer blocks the installation's
/// bucket until GitHub's reset, for every caller of this process.
/// </summary>
internal sealed class RateLimitRules(TimeProvider time, ILogger log)
{
    /// <summary>A longer wait than this gives the bucket up for the cycle instead of stalling it.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(5);
    private const int MaxRetries = 3;

    private readonly ConcurrentDictionary<(long, RateBucket), DateTimeOffset> _blockedUntil = new();

    /// <summary>
    /// How long GitHub asks us to wait, or null when the answer is not a rate limit: Retry-After, else the bucket's reset
    /// when it is empty, else at least a minute backing off (GitHub's advice for secondary limits).
    /// </summary>
    public TimeSpan? WaitOf(int status, bool graphQlLimited, Func<string, string?> header, Func<string> body, int attempt)
    {
        if (status is not (403 or 429) && !graphQlLimited) return null;
        if (header("Retry-After") is { } retryAfter)
        {
            if (long.TryParse(retryAfter, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)) return TimeSpan.FromSeconds(seconds);
            if (DateTimeOffset.TryParse(retryAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
                return Max(date - time.GetUtcNow(), TimeSpan.FromSeconds(1));
        }

        var remaining = ParseLong(header("x-ratelimit-remaining"));
        var reset = ParseLong(header("x-ratelimit-reset"));
        if ((remaining == 0 || graphQlLimited) && reset is { } r)
            return Max(DateTimeOffset.FromUnixTimeSeconds(r) - time.GetUtcNow(), TimeSpan.FromSeconds(1));
        var secondary = body().Contains("rate limit", StringComparison.OrdinalIgnoreCase);
        if (status == 429 || secondary || remaining == 0 || graphQlLimited)
            return TimeSpan.FromSeconds(60 * Math.Pow(2, attempt));
        return null;
    }

    /// <summary>
    /// Blocks the installation's bucket for <paramref name="wait"/>: a short block is waited out before the caller's next
    /// try, a long or repeated one gives the bucket up for the run.
    /// </summary>
    public void Limited(GitHubUsage usage, long installationId, RateBucket bucket, TimeSpan wait, int retriesSoFar)
    {
        var until = time.GetUtcNow() + wait;
        _blockedUntil[(installationId, bucket)] = until;
        if (wait > MaxWait || retriesSoFar >= MaxRetries)
        {
            var reason = Reason(bucket, until);
            usage.MarkUnavailable(installationId, bucket, reason);
            throw new InstallationUnavailableException(installationId, reason, bucket);
        }
        log.LogWarning("GitHub rate limit ({Bucket}) on installation {InstallationId}: waiting {Seconds} s", bucket, installationId, wait.TotalSeconds);
    }

    /// <summary>Waits out a short block of the bucket; a long one gives the bucket up for the run.</summary>
    public async Task WaitIfBlockedAsync(GitHubUsage usage, long installationId, RateBucket bucket, CancellationToken ct)
    {
        if (!_blockedUntil.TryGetValue((installationId, bucket), out var until)) return;
        var wait = until - time.GetUtcNow();
        if (wait <= TimeSpan.Zero) return;
        if (wait > MaxWait)
        {
            var reason = Reason(bucket, until);
            usage.MarkUnavailable(installationId, bucket, reason);
            throw new InstallationUnavailableException(installationId, reason, bucket);
        }
        await Task.Delay(wait, time, ct);
    }

    private static string Reason(RateBucket bucket, DateTimeOffset until) => $"rate limited ({bucket.ToString().ToLowerInvariant()}) until {until:u}";

    private static long? ParseLong(string? value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
