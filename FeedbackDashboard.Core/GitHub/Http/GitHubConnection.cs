using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Octokit;
using Polly.Timeout;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>
/// The one door to GitHub, with two ways in: requests we build on HttpClient (<see cref="SendAsync"/>: GraphQL, the
/// conditional REST lists, node ids) and Octokit's REST clients (<see cref="CallAsync{T}"/>). Both go through one rule
/// loop: installation auth with one re-mint on 401, at most 4 requests in flight per installation, GitHub's rate-limit
/// rules per installation and bucket (<see cref="RateLimitRules"/>), and same-host redirects followed with the token
/// (renamed and transferred repositories; Octokit follows its own the same way). Transient failures (5xx, no answer,
/// timeouts) are retried by the resilience handler under both (<see cref="GitHubTransport"/>); usage is recorded by
/// <see cref="GitHubMeteringHandler"/>.
/// </summary>
public sealed class GitHubConnection(GitHubTransport transport, GitHubAppAuth auth, TimeProvider time, ILogger<GitHubConnection> log)
{
    public const int MaxInFlightPerInstallation = 4;
    private const int MaxRedirects = 5;

    private readonly ConcurrentDictionary<long, SemaphoreSlim> _inFlight = new();
    private readonly ConcurrentDictionary<long, IGitHubClient> _octokit = new();
    private readonly RateLimitRules _rateLimits = new(time, log);
    private readonly HttpClient http = transport.Http;

    /// <summary>One request on our HttpClient; the If-None-Match goes only with the token its ETag was answered to.</summary>
    public Task<GitHubResponse> SendAsync(GitHubUsage usage, long installationId, HttpMethod method, string url,
        string? jsonBody = null, string? ifNoneMatch = null, CancellationToken ct = default, string? etagToken = null)
    {
        var bucket = jsonBody is not null && method == HttpMethod.Post ? RateBucket.GraphQl : RateBucket.Core;
        return RunAsync(usage, installationId, bucket, async (token, movedTo, ct) =>
        {
            url = movedTo ?? url;
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
            catch (Exception e) when (IsNoAnswer(e, ct))
            {
                throw new GitHubRequestException(0, $"{method} {url}: no answer ({e.Message})");
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                var body = await response.Content.ReadAsByteArrayAsync(ct);
                var headers = response.Headers;
                var answer = new GitHubResponse(status, body, headers.ETag?.ToString(), GitHubResponse.NextLinkOf(response), tokenId);
                return new RuleAnswer<GitHubResponse>(status, $"{method} {url}", name => Header(headers, name), () => Encoding.UTF8.GetString(body),
                    () => status >= 500 ? throw new GitHubRequestException(status, $"{method} {url}: {status}") : answer)
                {
                    GraphQlRateLimited = bucket == RateBucket.GraphQl && status == 200 && body.AsSpan().IndexOf("\"RATE_LIMITED\""u8) >= 0,
                    // HttpClient would drop the Authorization header on a redirect; GitHub's own host gets the token again.
                    MovedTo = status is 301 or 302 or 307 or 308 ? SameHostRedirect(request, response) : null,
                };
            }
        }, ct);
    }

    /// <summary>
    /// One Octokit REST call (every page of a list included) for an installation, under the same rules as
    /// <see cref="SendAsync"/>: any failure but the rules' own is a <see cref="GitHubRequestException"/> with GitHub's
    /// status (404 for Octokit's NotFoundException, 0 for no answer). <paramref name="what"/> names the call in messages.
    /// </summary>
    public Task<T> CallAsync<T>(GitHubUsage usage, long installationId, string what, Func<IGitHubClient, Task<T>> call,
        CancellationToken ct) =>
        RunAsync(usage, installationId, RateBucket.Core, async (_, _, ct) =>
        {
            // The token was minted by the loop, so a failed mint is remembered for the run; Octokit's credential store
            // then reads it from the cache.
            var client = _octokit.GetOrAdd(installationId, id => transport.CreateOctokit(new InstallationCredentials(auth, id)));
            try
            {
                // Octokit's clients take no CancellationToken: a cancelled run stops waiting, the request ends by its timeout.
                var result = await call(client).WaitAsync(ct);
                return new RuleAnswer<T>(200, what, _ => null, () => "", () => result);
            }
            catch (AuthorizationException e)
            {
                return new RuleAnswer<T>(401, what, _ => null, () => e.Message, () => throw new GitHubRequestException(401, $"{what} answered 401"));
            }
            catch (ApiException e)
            {
                return new RuleAnswer<T>((int)e.StatusCode, what, name => Header(e.HttpResponse, name), () => e.HttpResponse?.Body as string ?? e.Message,
                    () => throw new GitHubRequestException((int)e.StatusCode, $"{what} answered {(int)e.StatusCode}: {e.Message}"));
            }
            catch (Exception e) when (IsNoAnswer(e, ct))
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
        }, ct);

    /// <summary>
    /// The rule loop both doors share. Refused at once when the installation or this bucket of it is out for the run;
    /// then, per attempt: wait out a short block of the bucket, take a token, ask, and read the answer by GitHub's rules:
    /// a 401 forgets the token and tries once more, a same-host redirect is followed, a rate limit blocks the bucket
    /// until the reset (a short wait is waited out and the call repeated, a longer one throws
    /// <see cref="InstallationUnavailableException"/>); anything else is the attempt's own result.
    /// </summary>
    private async Task<T> RunAsync<T>(GitHubUsage usage, long installationId, RateBucket bucket,
        Func<string, string?, CancellationToken, Task<RuleAnswer<T>>> attempt, CancellationToken ct)
    {
        if (usage.IsUnavailable(installationId, bucket, out var why))
            throw new InstallationUnavailableException(installationId, why, usage.IsUnavailable(installationId, out _) ? null : bucket);

        var gate = _inFlight.GetOrAdd(installationId, _ => new SemaphoreSlim(MaxInFlightPerInstallation));
        await gate.WaitAsync(ct);
        try
        {
            // Octokit builds its own requests: the ambient scope is how the metering handler under it knows the run.
            using var metering = GitHubMeteringHandler.Scope(usage, installationId);
            var rateLimitRetries = 0;
            var redirects = 0;
            var reauthenticated = false;
            string? movedTo = null;
            while (true)
            {
                await _rateLimits.WaitIfBlockedAsync(usage, installationId, bucket, ct);
                var token = await TokenAsync(usage, installationId, ct);
                RuleAnswer<T> answer;
                try
                {
                    answer = await attempt(token, movedTo, ct);
                }
                catch (InstallationUnavailableException e)
                {
                    // The token expired between the loop's read and Octokit's, and its re-mint failed.
                    usage.MarkUnavailable(installationId, e.Reason);
                    throw;
                }

                if (answer.Status == 401)
                {
                    Unauthorized(usage, installationId, token, ref reauthenticated);
                    continue;
                }
                if (answer.MovedTo is { } location)
                {
                    if (redirects++ >= MaxRedirects) throw new GitHubRequestException(answer.Status, $"{answer.What}: too many redirects");
                    log.LogInformation("GitHub moved {Request} to {Location}", answer.What, location);
                    movedTo = location;
                    continue;
                }
                if (_rateLimits.WaitOf(answer.Status, answer.GraphQlRateLimited, answer.Header, answer.Body, rateLimitRetries) is { } wait)
                {
                    _rateLimits.Limited(usage, installationId, bucket, wait, rateLimitRetries++);
                    continue;
                }
                return answer.Result();
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// GitHub refused the token: forget it and let the loop try once more with a fresh one; a second 401 puts the
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

    private string? SameHostRedirect(HttpRequestMessage request, HttpResponseMessage response)
    {
        if (response.Headers.Location is not { } location) return null;
        var target = location.IsAbsoluteUri ? location : new Uri(request.RequestUri!, location);
        var home = http.BaseAddress!;
        return target.Scheme == home.Scheme && target.Host == home.Host && target.Port == home.Port ? target.ToString() : null;
    }

    /// <summary>No answer came: the socket failed, an attempt timed out, or the request was cancelled by anything but the caller.</summary>
    private static bool IsNoAnswer(Exception e, CancellationToken ct) =>
        e is HttpRequestException or TimeoutRejectedException || (e is OperationCanceledException && !ct.IsCancellationRequested);

    private static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>Octokit keeps headers in a plain dictionary, spelled as they came.</summary>
    private static string? Header(IResponse? response, string name) =>
        response?.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>
    /// One attempt's answer as the rule loop reads it (status, a header, the body, GraphQL's RATE_LIMITED under a 200,
    /// a same-host Location), and <see cref="Result"/>: what the caller gets when no rule applies.
    /// </summary>
    private sealed record RuleAnswer<T>(int Status, string What, Func<string, string?> Header, Func<string> Body, Func<T> Result)
    {
        public bool GraphQlRateLimited { get; init; }
        public string? MovedTo { get; init; }
    }

    /// <summary>An installation's Octokit credentials: its cached token, minted when due (GitHub Apps tokens go as Bearer).</summary>
    private sealed class InstallationCredentials(GitHubAppAuth auth, long installationId) : ICredentialStore
    {
        public async Task<Credentials> GetCredentials() =>
            new(await auth.GetTokenAsync(installationId, CancellationToken.None), AuthenticationType.Bearer);
    }
}
