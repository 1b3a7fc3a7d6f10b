using System.Diagnostics.Metrics;

namespace FeedbackDashboard.Core;

/// <summary>
/// The product's own metrics (System.Diagnostics.Metrics); /metrics exports them in Prometheus text, prefixed
/// with the meter name: feedbackdashboard_reactions_inserted_total, feedbackdashboard_poll_cycle_duration_s, ….
/// </summary>
public static class Telemetry
{
    public const string MeterName = "FeedbackDashboard";
    private static readonly Meter Meter = new(MeterName, "1.0");

    public static readonly Histogram<double> CycleDuration = Meter.CreateHistogram<double>(
        "poll_cycle_duration", "s", "Duration of a job run (label job)");
    public static readonly Counter<long> CommentsChecked = Meter.CreateCounter<long>(
        "comments_checked", description: "Comments whose reactions were read (label outcome: known, unchanged, failed, gone)");
    public static readonly Counter<long> ReactionsInserted = Meter.CreateCounter<long>(
        "reactions_inserted", description: "Feedback rows inserted by reconcile");
    public static readonly Counter<long> ReactionsDeleted = Meter.CreateCounter<long>(
        "reactions_deleted", description: "Feedback rows deleted by reconcile (un-reacts)");
    public static readonly Counter<long> GitHubRequests = Meter.CreateCounter<long>(
        "github_requests", description: "Requests to GitHub (label status; 0 = no answer)");
    public static readonly Counter<long> MaintainersRefreshes = Meter.CreateCounter<long>(
        "maintainers_refreshes", description: "Per-repository maintainers refresh outcomes (label outcome)");

    private static readonly Dictionary<(long, GitHub.RateBucket), int> RateLimit = [];

    /// <summary>Last remaining points seen per installation and bucket (core, graphql).</summary>
    public static void RecordRateLimit(long installationId, GitHub.RateBucket bucket, int remaining)
    {
        lock (RateLimit) RateLimit[(installationId, bucket)] = remaining;
    }

    static Telemetry()
    {
        Meter.CreateObservableGauge("github_rate_limit_remaining", () =>
        {
            lock (RateLimit)
                return RateLimit.Select(kv => new Measurement<int>(kv.Value,
                    new KeyValuePair<string, object?>("installation", kv.Key.Item1.ToString()),
                    new KeyValuePair<string, object?>("resource", kv.Key.Item2.ToString().ToLowerInvariant()))).ToList();
        }, description: "GitHub rate-limit points left, per installation and resource (core, graphql)");
    }
}
