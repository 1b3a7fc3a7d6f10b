using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;

namespace FeedbackDashboard.Core.GitHub;

public sealed record GitHubResponse(int Status, byte[] Body, string? ETag, string? NextLink)
{
    public bool IsSuccess => Status is >= 200 and < 300;
}

/// <summary>
/// The one door to GitHub: installation auth, at most 4 requests in flight per installation, rate-limit
/// bookkeeping and waits (per installation), bounded retries of 5xx and timeouts, a timeout on every call.
/// </summary>
public sealed class GitHubApi(HttpClient http, GitHubAppAuth auth, TimeProvider time, ILogger<GitHubApi> log)
{
    public const int MaxInFlightPerInstallation = 4;
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    /// <summary>A longer wait than this gives the installation up for the cycle instead of stalling it.</summary>
    public static readonly TimeSpan MaxRateLimitWait = TimeSpan.FromMinutes(5);
    private const int MaxServerRetries = 2;
    private const int MaxRateLimitRetries = 3;

    private readonly ConcurrentDictionary<long, SemaphoreSlim> _inFlight = new();
    private readonly ConcurrentDictionary<long, DateTimeOffset> _blockedUntil = new();

    public Uri BaseAddress => http.BaseAddress!;

    public async Task<GitHubResponse> SendAsync(GitHubSession session, long installationId, HttpMethod method, string url,
        string? jsonBody = null, string? ifNoneMatch = null, CancellationToken ct = default)
    {
        if (session.IsUnavailable(installationId, out var why))
            throw new InstallationUnavailableException(installationId, why);

        var gate = _inFlight.GetOrAdd(installationId, _ => new SemaphoreSlim(MaxInFlightPerInstallation));
        await gate.WaitAsync(ct);
        try
        {
            return await SendWithRetriesAsync(session, installationId, method, url, jsonBody, ifNoneMatch, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<GitHubResponse> SendWithRetriesAsync(GitHubSession session, long installationId, HttpMethod method,
        string url, string? jsonBody, string? ifNoneMatch, CancellationToken ct)
    {
        var serverRetries = 0;
        var rateLimitRetries = 0;
        var reauthenticated = false;
        while (true)
        {
            await WaitIfBlockedAsync(session, installationId, ct);
            var token = await TokenAsync(session, installationId, ct);

            using var request = new HttpRequestMessage(method, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (ifNoneMatch is not null) request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
            if (jsonBody is not null) request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");

            HttpResponseMessage response;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(CallTimeout);
            try
            {
                response = await http.SendAsync(request, timeout.Token);
            }
            catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                session.Record(installationId, 0, null, 0);
                if (serverRetries++ < MaxServerRetries)
                {
                    await Task.Delay(Backoff(serverRetries), ct);
                    continue;
                }
                throw new GitHubRequestException(0, $"{method} {url}: no answer ({e.Message})");
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                var remaining = HeaderInt(response, "X-RateLimit-Remaining");
                session.Record(installationId, status, remaining, 1);
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

                if (RateLimitWait(response, status, remaining, body, rateLimitRetries) is { } wait)
                {
                    if (wait > MaxRateLimitWait || rateLimitRetries++ >= MaxRateLimitRetries)
                    {
                        _blockedUntil[installationId] = time.GetUtcNow() + wait;
                        session.MarkUnavailable(installationId, $"rate limited for {wait.TotalSeconds:0} s");
                        throw new InstallationUnavailableException(installationId, $"rate limited for {wait.TotalSeconds:0} s");
                    }
                    log.LogWarning("GitHub rate limit on installation {InstallationId}: waiting {Seconds} s", installationId, wait.TotalSeconds);
                    _blockedUntil[installationId] = time.GetUtcNow() + wait;
                    continue;
                }

                if (status >= 500)
                {
                    if (serverRetries++ < MaxServerRetries)
                    {
                        await Task.Delay(Backoff(serverRetries), ct);
                        continue;
                    }
                    throw new GitHubRequestException(status, $"{method} {url}: {status} after {MaxServerRetries} retries");
                }

                return new GitHubResponse(status, body, response.Headers.ETag?.ToString(), NextLink(response));
            }
        }
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

    private async Task WaitIfBlockedAsync(GitHubSession session, long installationId, CancellationToken ct)
    {
        if (!_blockedUntil.TryGetValue(installationId, out var until)) return;
        var wait = until - time.GetUtcNow();
        if (wait <= TimeSpan.Zero) return;
        if (wait > MaxRateLimitWait)
        {
            session.MarkUnavailable(installationId, $"rate limited until {until:u}");
            throw new InstallationUnavailableException(installationId, $"rate limited until {until:u}");
        }
        await Task.Delay(wait, time, ct);
    }

    /// <summary>How long GitHub asks us to wait, or null when the answer is not a rate limit.</summary>
    private TimeSpan? RateLimitWait(HttpResponseMessage response, int status, int? remaining, byte[] body, int attempt)
    {
        if (status is not (403 or 429)) return null;
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta) return delta;
        if (retryAfter?.Date is { } date) return Max(date - time.GetUtcNow(), TimeSpan.FromSeconds(1));

        var secondary = Encoding.UTF8.GetString(body).Contains("rate limit", StringComparison.OrdinalIgnoreCase);
        if (remaining == 0 && HeaderInt(response, "X-RateLimit-Reset") is { } reset)
            return Max(DateTimeOffset.FromUnixTimeSeconds(reset) - time.GetUtcNow(), TimeSpan.FromSeconds(1));
        if (status == 429 || secondary || remaining == 0)
            return TimeSpan.FromSeconds(60 * Math.Pow(2, attempt)); // GitHub's advice: at least a minute, backing off
        return null;
    }

    // Sub-second jitter between retries of a failed call: real time, not the injected clock, which tests stop.
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(100 * Math.Pow(2, attempt) * (0.5 + Random.Shared.NextDouble()));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static int? HeaderInt(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) &&
        int.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

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
