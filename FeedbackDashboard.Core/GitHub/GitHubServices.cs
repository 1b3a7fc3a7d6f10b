using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Timeout;

namespace FeedbackDashboard.Core.GitHub;

public static class GitHubServices
{
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    public const int MaxServerRetries = 2;

    /// <summary>
    /// The handlers every GitHub call goes through, ours and Octokit's: transient retries (5xx, no answer, a 30 s
    /// timeout per attempt; twice, with jitter), then metering of each attempt, then the socket. Redirects are not
    /// followed here (HttpClient would drop the token): Octokit follows them to the same host with the token, and
    /// <see cref="GitHubApi"/> does the same for our own calls.
    /// </summary>
    public static HttpMessageHandler CreateHandler(HttpMessageHandler? inner = null)
    {
        inner ??= new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 32 };
        if (inner is SocketsHttpHandler sockets) sockets.AllowAutoRedirect = false;
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = MaxServerRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                // Rate limits (403/429) are GitHub's own rules, handled by the callers, never blind retries.
                ShouldRetryAfterHeader = false,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is HttpRequestException or TimeoutRejectedException
                    || (args.Outcome.Result is { } r && (int)r.StatusCode >= 500)),
            })
            .AddTimeout(CallTimeout)
            .Build();
        return new ResilienceHandler(pipeline) { InnerHandler = new GitHubMeteringHandler { InnerHandler = inner } };
    }

    /// <summary>Our HttpClient over <paramref name="handler"/> (not owned): GITHUB_API_URL as base, GitHub's media type and version.</summary>
    public static HttpClient CreateHttpClient(Uri apiUrl, HttpMessageHandler handler)
    {
        var http = new HttpClient(handler, disposeHandler: false)
        {
            BaseAddress = apiUrl,
            // Per-attempt timeouts live in the resilience pipeline; this only stops a hung call from living forever.
            Timeout = TimeSpan.FromMinutes(2),
        };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue(GitHubTransport.Product, GitHubTransport.Version));
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        http.DefaultRequestHeaders.Add("X-GitHub-Api-Version", "2022-11-28");
        return http;
    }

    /// <summary>
    /// Registers the GitHub layer. Only the poller calls this: it is where the App key is read, so a serve
    /// instance never loads it.
    /// </summary>
    public static IServiceCollection AddGitHub(this IServiceCollection services, FeedbackSettings settings)
    {
        if (settings.GitHubAppId is not { } appId)
            throw new InvalidSettingException("ROLE=poller needs GITHUB_APP_ID.");
        var pem = settings.ReadAppPrivateKey();

        services.AddSingleton(_ => new GitHubTransport(settings.GitHubApiUrl));
        services.AddSingleton(sp => new GitHubAppAuth(sp.GetRequiredService<GitHubTransport>(), appId, pem, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new GitHubApi(sp.GetRequiredService<GitHubTransport>(), sp.GetRequiredService<GitHubAppAuth>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<GitHubApi>>()));
        services.AddSingleton(sp => new GitHubClient(sp.GetRequiredService<GitHubApi>(), settings.GitHubGraphQlUrl));
        return services;
    }
}
