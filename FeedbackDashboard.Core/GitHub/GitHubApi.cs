using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Polly.Timeout;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>An answer from GitHub. TokenId names the installation token it was answered to (ETags belong to it).</summary>
public sealed record GitHubResponse(int Status, byte[] Body, string? ETag, string? NextLink, string? TokenId = null)
{
    public bool IsSuccess => Status is >= 200 and < 300;
}

/// <summary>
/// The one door to GitHub for the calls we make on HttpClient (GraphQL and the conditional REST reactions list):
/// installation auth with one re-mint on 401, at most 4 requests in flight per installation, GitHub's rate-limit rules
/// per installation and bucket (403/429 and GraphQL's RATE_LIMITED answered with 200), and same-host redirects followed
/// with the token (renamed and transferred repositories). Transient failures (5xx, no answer, timeouts) are retried by
/// the resilience handler under the HttpClient (<see cref="GitHubServices.CreateHttpClient"/>); usage is recorded by
/// <see cref="GitHubMeteringHandler"/>.
/// </summary>
public sealed class GitHubApi(HttpClient http, GitHubAppAuth auth, TimeProvider time, ILogger<GitHubApi> log)
{
    public const int MaxInFlightPerInstallation = 4;
    /// <summary>A longer wait than this gives the bucket up for the cycle instead of stalling it.</summary>
    public static readonly TimeSpan MaxRateLimitWait = TimeSpan.FromMinutes(5);
    private const int MaxRateLimitRetries = 3;
    private const int MaxRedirects = 5;

    private readonly ConcurrentDictionary<long, SemaphoreSlim> _inFlight = new();
    private readonly ConcurrentDictionary<(long, RateBucket), DateTimeOffset> _blockedUntil = new();

    public Uri BaseAddress => http.BaseAddress!;

    public async Task<GitHubResponse> SendAsync(GitHubSession session, long installationId, HttpMethod method, string url,
        string? jsonBody = null, string? ifNoneMatch = null, CancellationToken ct = default, string? etagToken = null)
    {
        var bucket = jsonBody is not null && method == HttpMethod.Post ? RateBucket.GraphQl : RateBucket.Core;
        if (session.IsUnavailable(installationId, bucket, out var why))
            throw new InstallationUnavailableException(installationId, why, session.IsUnavailable(installationId, out _) ? null : bucket);

        var gate = _inFlight.GetOrAdd(installationId, _ => new SemaphoreSlim(MaxInFlightPerInstallation));
        await gate.WaitAsync(ct);
        try
        {
            using var metering = GitHubMeteringHandler.Scope(session, installationId);
            return await SendWithRulesAsync(session, installationId, bucket, method, url, jsonBody, ifNoneMatch, etagToken, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops every request of this installation and bucket until the reset (GitHub's RATE_LIMITED, an empty bucket).</summary>
    public void Block(GitHubSession session, long installationId, RateBucket bucket, DateTimeOffset until, string reason)
    {
        _blockedUntil[(installationId, bucket)] = until;
        if (until - time.GetUtcNow() > MaxRateLimitWait) session.MarkUnavailable(installationId, bucket, reason);
    }

    private async Task<GitHubResponse> SendWithRulesAsync(GitHubSession session, long installationId, RateBucket bucket,
        HttpMethod method, string url, string? jsonBody, string? ifNoneMatch, string? etagToken, CancellationToken ct)
    {
        var rateLimitRetries = 0;
        var redirects = 0;
        var reauthenticated = false;
        while (true)
        {
            await WaitIfBlockedAsync(session, installationId, bucket, ct);
            var token = await TokenAsync(session, installationId, ct);
            var tokenId = GitHubAppAuth.TokenId(token);

            using var request = new HttpRequestMessage(method, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            // An ETag belongs to the token that received it: sent with another, it can only cost a wasted comparison.
            if (ifNoneMatch is not null && etagToken == tokenId) request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
            if (jsonBody is not null) request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, ct);
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                throw new GitHubRequestException(0, $"{method} {url}: no answer ({e.Message})");
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                var body = await response.Content.ReadAsByteArrayAsync(ct);

                if (status == 401)
                {
                    auth.Invalidate(installationId, token);
                    if (!reauthenticated)
                    {
                        reauthenticated = true;
                        continue;
                    }
                    session.MarkUnavailable(installationId, "GitHub refused a fresh installation token (401)");
                    throw new InstallationUnavailableException(installationId, "401 after a fresh token");
                }

                if (status is 301 or 302 or 307 or 308 && SameHostRedirect(request, response) is { } location)
                {
                    // HttpClient would drop the Authorization header on a redirect; GitHub's own host gets the token again.
                    if (redirects++ >= MaxRedirects) throw new GitHubRequestException(status, $"{method} {url}: too many redirects");
                    log.LogInformation("GitHub moved {Url} to {Location}", url, location);
                    url = location;
                    continue;
                }

                if (RateLimitWait(response, bucket, status, body, rateLimitRetries) is { } wait)
                {
                    var until = time.GetUtcNow() + wait;
                    if (wait > MaxRateLimitWait || rateLimitRetries++ >= MaxRateLimitRetries)
                    {
                        var reason = $"rate limited ({bucket.ToString().ToLowerInvariant()}) until {until:u}";
                        _blockedUntil[(installationId, bucket)] = until;
                        session.MarkUnavailable(installationId, bucket, reason);
                        throw new InstallationUnavailableException(installationId, reason, bucket);
                    }
                    log.LogWarning("GitHub rate limit ({Bucket}) on installation {InstallationId}: waiting {Seconds} s", bucket, installationId, wait.TotalSeconds);
                    _blockedUntil[(installationId, bucket)] = until;
                    continue;
                }

                if (status >= 500) throw new GitHubRequestException(status, $"{method} {url}: {status}");
                return new GitHubResponse(status, body, response.Headers.ETag?.ToString(), NextLink(response), tokenId);
            }
        }
    }

    private string? SameHostRedirect(HttpRequestMessage request, HttpResponseMessage response)
    {
        if (response.Headers.Location is not { } location) return null;
        var target = location.IsAbsoluteUri ? location : new Uri(request.RequestUri!, location);
        var home = BaseAddress;
        return target.Scheme == home.Scheme && target.Host == home.Host && target.Port == home.Port ? target.ToString() : null;
    }

    private async Task<string> TokenAsync(GitHubSession session, long installationId, CancellationToken ct)
    {
        try
        {
            return await auth.GetTokenAsync(installationId, ct);
        }
        catch (Exception e) when (e is InstallationUnavailableException or HttpRequestException
                                      || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // Remembered for the rest of the run: every later call for it fails at once, without a request.
            session.MarkUnavailable(installationId, e.Message);
            throw e as InstallationUnavailableException ?? new InstallationUnavailableException(installationId, e.Message);
        }
    }

    private async Task WaitIfBlockedAsync(GitHubSession session, long installationId, RateBucket bucket, CancellationToken ct)
    {
        if (!_blockedUntil.TryGetValue((installationId, bucket), out var until)) return;
        var wait = until - time.GetUtcNow();
        if (wait <= TimeSpan.Zero) return;
        if (wait > MaxRateLimitWait)
        {
            var reason = $"rate limited ({bucket.ToString().ToLowerInvariant()}) until {until:u}";
            session.MarkUnavailable(installationId, bucket, reason);
            throw new InstallationUnavailableException(installationId, reason, bucket);
        }
        await Task.Delay(wait, time, ct);
    }

    /// <summary>
    /// How long GitHub asks us to wait, or null when the answer is not a rate limit: Retry-After, else the bucket's reset
    /// when it is empty, else at least a minute backing off (GitHub's advice for secondary limits). GraphQL reports its
    /// primary limit as HTTP 200 with an error of type RATE_LIMITED.
    /// </summary>
    private TimeSpan? RateLimitWait(HttpResponseMessage response, RateBucket bucket, int status, byte[] body, int attempt)
    {
        var graphQlLimited = bucket == RateBucket.GraphQl && status == 200 && body.AsSpan().IndexOf("\"RATE_LIMITED\""u8) >= 0;
        if (status is not (403 or 429) && !graphQlLimited) return null;
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta) return delta;
        if (retryAfter?.Date is { } date) return Max(date - time.GetUtcNow(), TimeSpan.FromSeconds(1));

        var remaining = GitHubMeteringHandler.HeaderLong(response, "x-ratelimit-remaining");
        var reset = GitHubMeteringHandler.HeaderLong(response, "x-ratelimit-reset");
        if ((remaining == 0 || graphQlLimited) && reset is { } r)
            return Max(DateTimeOffset.FromUnixTimeSeconds(r) - time.GetUtcNow(), TimeSpan.FromSeconds(1));
        var secondary = Encoding.UTF8.GetString(body).Contains("rate limit", StringComparison.OrdinalIgnoreCase);
        if (status == 429 || secondary || remaining == 0 || graphQlLimited)
            return TimeSpan.FromSeconds(60 * Math.Pow(2, attempt));
        return null;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string? NextLink(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var values)) return null;
        foreach (var part in string.Join(",", values).Split(','))
        {
            var pieces = part.Split(';');
            if (pieces.Length > 1 && pieces.Skip(1).Any(p => p.Trim() == "rel=\"next\""))
                return pieces[0].Trim().TrimStart('<').TrimEnd('>');
        }
        return null;
    }

    internal static bool IsNotFound(GitHubResponse r) => r.Status == (int)HttpStatusCode.NotFound || r.Status == (int)HttpStatusCode.Gone;
}
