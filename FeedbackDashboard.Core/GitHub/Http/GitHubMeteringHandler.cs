using System.Globalization;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>
/// Sits under every GitHub call, ours on HttpClient and Octokit's alike, and records what each answer says: status,
/// the rate-limit bucket it was charged to (x-ratelimit-resource) and that bucket's limit, remaining and reset. The run
/// and installation come from <see cref="Scope"/>, which the caller opens around the call (Octokit builds its own
/// requests, so an ambient scope is the one way through it).
/// </summary>
public sealed class GitHubMeteringHandler : DelegatingHandler
{
    private static readonly AsyncLocal<(GitHubUsage Usage, long Installation)?> Current = new();

    public static IDisposable Scope(GitHubUsage usage, long installationId)
    {
        var previous = Current.Value;
        Current.Value = (usage, installationId);
        return new Restore(previous);
    }

    /// <summary>Calls made inside are not charged to any run (the App-JWT token mint).</summary>
    public static IDisposable Unmetered()
    {
        var previous = Current.Value;
        Current.Value = null;
        return new Restore(previous);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var scope = Current.Value;
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, ct);
        }
        catch (Exception) when (scope is not null)
        {
            scope.Value.Usage.Record(scope.Value.Installation, 0, BucketOf(request, null), null);
            throw;
        }
        if (scope is { } s) s.Usage.Record(s.Installation, (int)response.StatusCode, BucketOf(request, response), RateLimitOf(response));
        return response;
    }

    /// <summary>GitHub names the bucket in x-ratelimit-resource; without it, GraphQL is the POST to …/graphql.</summary>
    public static RateBucket BucketOf(HttpRequestMessage request, HttpResponseMessage? response) =>
        response is not null && response.Headers.TryGetValues("x-ratelimit-resource", out var v) && v.FirstOrDefault() is { } resource
            ? resource == "graphql" ? RateBucket.GraphQl : RateBucket.Core
            : request.RequestUri?.AbsolutePath.EndsWith("/graphql", StringComparison.Ordinal) == true ? RateBucket.GraphQl : RateBucket.Core;

    public static RateLimitState? RateLimitOf(HttpResponseMessage response) =>
        HeaderLong(response, "x-ratelimit-remaining") is { } remaining
            ? new RateLimitState((int)(HeaderLong(response, "x-ratelimit-limit") ?? 0), (int)remaining,
                HeaderLong(response, "x-ratelimit-reset") is { } reset ? DateTimeOffset.FromUnixTimeSeconds(reset) : DateTimeOffset.MinValue)
            : null;

    public static long? HeaderLong(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) &&
        long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private sealed class Restore((GitHubUsage, long)? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}
