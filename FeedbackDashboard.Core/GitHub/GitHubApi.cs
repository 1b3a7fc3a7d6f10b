using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Octokit;
using Polly.Timeout;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>An answer from GitHub. TokenId names the installation token it was answered to (ETags belong to it).</summary>
public sealed record GitHubResponse(int Status, byte[] Body, string? ETag, string? NextLink, string? TokenId = null)
{
    public bool IsSuccess => Status is >= 200 and < 300;
}

/// <summary>
/// The one door to GitHub, for the calls we make on HttpClient (<see cref="SendAsync"/>: GraphQL, the conditional REST
/// reactions list, node ids) and for Octokit's REST clients (<see cref="CallAsync{T}"/>), under the same rules:
/// installation auth with one re-mint on 401, at most 4 requests in flight per installation, GitHub's rate-limit rules
/// per installation and bucket (403/429 and GraphQL's RATE_LIMITED answered with 200), and same-host redirects followed
/// with the token (renamed and transferred repositories). Transient failures (5xx, no answer, timeouts) are retried by
/// the resilience handler under both (<see cref="GitHubTransport"/>); usage is recorded by
/// <see cref="GitHubMeteringHandler"/>.
/// </summary>
public sealed class GitHubApi(GitHubTransport transport, GitHubAppAuth auth, TimeProvider time, ILogger<GitHubApi> log)
{
    public const int MaxInFlightPerInstallation = 4;
    /// <summary>A longer wait than this gives the bucket up for the cycle instead of stalling it.</summary>
    public static readonly TimeSpan MaxRateLimitWait = TimeSpan.FromMinutes(5);
    private const int MaxRateLimitRetries = 3;
    private const int MaxRedirects = 5;

    private readonly ConcurrentDictionary<long, SemaphoreSlim> _inFlight = new();
    private readonly ConcurrentDictionary<(long, RateBucket), DateTimeOffset> _blockedUntil = new();
    private readonly ConcurrentDictionary<long, IGitHubClient> _octokit = new();
    private readonly HttpClient http = transport.Http;

    public Uri BaseAddress => http.BaseAddress!;

    public async Task<GitHubResponse> SendAsync(GitHubUsage usage, long installationId, HttpMethod method, string url,
        string? jsonBody = null, string? ifNoneMatch = null, CancellationToken ct = default, string? etagToken = null)
    {
        var bucket = jsonBody is not null && method == HttpMethod.Post ? RateBucket.GraphQl : RateBucket.Core;
        ThrowIfUnavailable(usage, installationId, bucket);

        var gate = _inFlight.GetOrAdd(installationId, _ => new SemaphoreSlim(MaxInFlightPerInstallation));
        await gate.WaitAsync(ct);
        try
        {
            using var metering = GitHubMeteringHandler.Scope(usage, installationId);
            return await SendWithRulesAsync(usage, installationId, bucket, method, url, jsonBody, ifNoneMatch, etagToken, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// One Octokit REST call (every page of a list included) for an installation, under the rules of <see cref="SendAsync"/>:
    /// refused at once when the installation or its core bucket is out for the run; one re-mint on 401; a rate-limited
    /// answer blocks the installation's core bucket until the reset (a short wait is waited out and the call repeated,
    /// a longer one throws <see cref="InstallationUnavailableException"/>); any other failure is a
    /// <see cref="GitHubRequestException"/> with GitHub's status (404 for Octokit's NotFoundException, 0 for no answer).
    /// <paramref name="what"/> names the call in messages.
    /// </summary>
    public async Task<T> CallAsync<T>(GitHubUsage usage, long installationId, string what, Func<IGitHubClient, Task<T>> call,
        CancellationToken ct)
    {
        const RateBucket bucket = RateBucket.Core;
        ThrowIfUnavailable(usage, installationId, bucket);

        var gate = _inFlight.GetOrAdd(installationId, _ => new SemaphoreSlim(MaxInFlightPerInstallation));
        await gate.WaitAsync(ct);
        try
        {
            // Octokit builds its own requests: the ambient scope is how the metering handler under it knows the run.
            using var metering = GitHubMeteringHandler.Scope(usage, installationId);
            var client = _octokit.GetOrAdd(installationId, id => transport.CreateOctokit(new InstallationCredentials(auth, id)));
            var rateLimitRetries = 0;
            var reauthenticated = false;
            while (true)
            {
                await WaitIfBlockedAsync(usage, installationId, bucket, ct);
                // Minted here, so a failed mint is remembered for the run; Octokit's credential store then reads it from the cache.
                var token = await TokenAsync(usage, installationId, ct);
                try
                {
                    // Octokit's clients take no CancellationToken: a cancelled run stops waiting, the request ends by its timeout.
                    return await call(client).WaitAsync(ct);
                }
                catch (AuthorizationException)
                {
                    Unauthorized(usage, installationId, token, ref reauthenticated);
                }
                catch (ApiException e) when (RateLimitWait((int)e.StatusCode, graphQlLimited: false, name => Header(e.HttpResponse, name),
                                                 () => e.HttpResponse?.Body as string ?? e.Message, rateLimitRetries) is { } wait)
                {
                    RateLimited(usage, installationId, bucket, wait, rateLimitRetries++);
                }
                catch (ApiException e)
                {
                    throw new GitHubRequestException((int)e.StatusCode, $"{what} answered {(int)e.StatusCode}: {e.Message}");
                }
                catch (InstallationUnavailableException e)
                {
                    // The token expired between our read and Octokit's, and its re-mint failed.
                    usage.MarkUnavailable(installationId, e.Reason);
                    throw;
                }
                catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException || (e is OperationCanceledException && !ct.IsCancellationRequested))
                {
                    throw new GitHubRequestException(0, $"{what}: no answer ({e.Message})");
                }
                catch (Exception e) when (e is System.Runtime.Serialization.SerializationException or FormatException or InvalidCastException)
                {
                    throw new GitHubRequestException(200, $"{what}: unreadable answer ({e.Message})");
                }
                catch (InvalidOperationException e) when (e.Message.Contains("redirect", StringComparison.OrdinalIgnoreCase))
                {
                    throw new GitHubRequestException(301, $"{what}: {e.Message}");
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private void ThrowIfUnavailable(GitHubUsage usage, long installationId, RateBucket bucket)
    {
        if (usage.IsUnavailable(installationId, bucket, out var why))
            throw new InstallationUnavailableException(installationId, why, usage.IsUnavailable(installationId, out _) ? null : bucket);
    }

    /// <summary>
    /// GitHub refused the token: forget it and let the caller try once more with a fresh one; a second 401 puts the
    /// installation out for the run.
    /// </summary>
    private void Unauthorized(GitHubUsage usage, long installationId, string token, ref bool reauthenticated)
    {
        auth.Invalidate(installationId, token);
        if (reauthenticated)
        {
            usage.MarkUnavailable(installationId, "GitHub refused a fresh installation token (401)");
            throw new InstallationUnavailableException(installationId, "401 after a fresh token");
        }
        reauthenticated = true;
    }

    /// <summary>
    /// A rate-limited answer blocks the installation's bucket until the reset: a short block is waited out before the
    /// caller's next try, a long or repeated one gives the bucket up for the run.
    /// </summary>
    private void RateLimited(GitHubUsage usage, long installationId, RateBucket bucket, TimeSpan wait, int retriesSoFar)
    {
        var until = time.GetUtcNow() + wait;
        _blockedUntil[(installationId, bucket)] = until;
        if (wait > MaxRateLimitWait || retriesSoFar >= MaxRateLimitRetries)
        {
            var reason = $"rate limited ({bucket.ToString().ToLowerInvariant()}) until {until:u}";
            usage.MarkUnavailable(installationId, bucket, reason);
            throw new InstallationUnavailableException(installationId, reason, bucket);
        }
        log.LogWarning("GitHub rate limit ({Bucket}) on installation {InstallationId}: waiting {Seconds} s", bucket, installationId, wait.TotalSeconds);
    }

    /// <summary>Stops every request of this installation and bucket until the reset (GitHub's RATE_LIMITED, an empty bucket).</summary>
    public void Block(GitHubUsage usage, long installationId, RateBucket bucket, DateTimeOffset until, string reason)
    {
        _blockedUntil[(installationId, bucket)] = until;
        if (until - time.GetUtcNow() > MaxRateLimitWait) usage.MarkUnavailable(installationId, bucket, reason);
    }

    private async Task<GitHubResponse> SendWithRulesAsync(GitHubUsage usage, long installationId, RateBucket bucket,
        HttpMethod method, string url, string? jsonBody, string? ifNoneMatch, string? etagToken, CancellationToken ct)
    {
        var rateLimitRetries = 0;
        var redirects = 0;
        var reauthenticated = false;
        while (true)
        {
            await WaitIfBlockedAsync(usage, installationId, bucket, ct);
            var token = await TokenAsync(usage, installationId, ct);
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
                    Unauthorized(usage, installationId, token, ref reauthenticated);
                    continue;
                }

                if (status is 301 or 302 or 307 or 308 && SameHostRedirect(request, response) is { } location)
                {
                    // HttpClient would drop the Authorization header on a redirect; GitHub's own host gets the token again.
                    if (redirects++ >= MaxRedirects) throw new GitHubRequestException(status, $"{method} {url}: too many redirects");
                    log.LogInformation("GitHub moved {Url} to {Location}", url, location);
                    url = location;
                    continue;
                }

                var graphQlLimited = bucket == RateBucket.GraphQl && status == 200 && body.AsSpan().IndexOf("\"RATE_LIMITED\""u8) >= 0;
                if (RateLimitWait(status, graphQlLimited, name => Header(response, name), () => Encoding.UTF8.GetString(body), rateLimitRetries) is { } wait)
                {
                    RateLimited(usage, installationId, bucket, wait, rateLimitRetries++);
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

    private async Task<string> TokenAsync(GitHubUsage usage, long installationId, CancellationToken ct)
    {
        try
        {
            return await auth.GetTokenAsync(installationId, ct);
        }
        catch (Exception e) when (e is InstallationUnavailableException or HttpRequestException
                                      || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // Remembered for the rest of the run: every later call for it fails at once, without a request.
            usage.MarkUnavailable(installationId, e.Message);
            throw e as InstallationUnavailableException ?? new InstallationUnavailableException(installationId, e.Message);
        }
    }

    private async Task WaitIfBlockedAsync(GitHubUsage usage, long installationId, RateBucket bucket, CancellationToken ct)
    {
        if (!_blockedUntil.TryGetValue((installationId, bucket), out var until)) return;
        var wait = until - time.GetUtcNow();
        if (wait <= TimeSpan.Zero) return;
        if (wait > MaxRateLimitWait)
        {
            var reason = $"rate limited ({bucket.ToString().ToLowerInvariant()}) until {until:u}";
            usage.MarkUnavailable(installationId, bucket, reason);
            throw new InstallationUnavailableException(installationId, reason, bucket);
        }
        await Task.Delay(wait, time, ct);
    }

    /// <summary>
    /// How long GitHub asks us to wait, or null when the answer is not a rate limit: Retry-After, else the bucket's reset
    /// when it is empty, else at least a minute backing off (GitHub's advice for secondary limits). GraphQL reports its
    /// primary limit as HTTP 200 with an error of type RATE_LIMITED. The same rule reads our answers and Octokit's.
    /// </summary>
    private TimeSpan? RateLimitWait(int status, bool graphQlLimited, Func<string, string?> header, Func<string> body, int attempt)
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

    private static long? ParseLong(string? value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>Octokit keeps headers in a plain dictionary, spelled as they came.</summary>
    private static string? Header(IResponse? response, string name) =>
        response?.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    internal static string? NextLink(HttpResponseMessage response)
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

    /// <summary>An installation's Octokit credentials: its cached token, minted when due (GitHub Apps tokens go as Bearer).</summary>
    private sealed class InstallationCredentials(GitHubAppAuth auth, long installationId) : ICredentialStore
    {
        public async Task<Credentials> GetCredentials() =>
            new(await auth.GetTokenAsync(installationId, CancellationToken.None), AuthenticationType.Bearer);
    }
}
