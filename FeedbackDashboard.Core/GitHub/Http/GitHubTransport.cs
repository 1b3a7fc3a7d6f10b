using System.Net.Http.Headers;
using Microsoft.Extensions.Http.Resilience;
using Octokit;
using Octokit.Internal;
using Polly;
using Polly.Timeout;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>
/// The one handler chain under every GitHub call (<see cref="CreateHandler"/>: transient retries, then metering), shared
/// by our HttpClient (GraphQL, the conditional REST lists) and every Octokit connection (the rest of REST), so both are
/// retried, metered and pooled alike.
/// </summary>
public sealed class GitHubTransport : IDisposable
{
    public const string Product = "FeedbackDashboard";
    public const string Version = "1.0";
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    public const int MaxServerRetries = 2;

    private readonly HttpMessageHandler _handler;
    private readonly HttpClientAdapter _octokitHttp;

    public GitHubTransport(Uri apiUrl, HttpMessageHandler? inner = null)
    {
        ApiUrl = apiUrl;
        _handler = CreateHandler(inner);
        Http = CreateHttpClient(apiUrl, _handler);
        // Octokit follows redirects itself (the handler chain never does) and keeps the Authorization header when the
        // new location is on the same host: a renamed repository's 301 to /repositories/{id}/… is read with the token.
        _octokitHttp = new HttpClientAdapter(() => _handler);
    }

    /// <summary>GITHUB_API_URL, e.g. https://api.github.com/ or https://ghe.example.com/api/v3/.</summary>
    public Uri ApiUrl { get; }

    public HttpClient Http { get; }

    /// <summary>
    /// An Octokit client signing its requests with <paramref name="credentials"/>. Given a Connection, Octokit uses the
    /// base address as it is (only its GitHubClient(…, Uri) constructor appends /api/v3/ for a GHES host), so its URLs
    /// are the ones our HttpClient sends.
    /// </summary>
    public IGitHubClient CreateOctokit(ICredentialStore credentials) =>
        new global::Octokit.GitHubClient(new Connection(new global::Octokit.ProductHeaderValue(Product, Version), ApiUrl, credentials, _octokitHttp,
            new SimpleJsonSerializer()));

    /// <summary>
    /// The handlers every GitHub call goes through, ours and Octokit's: transient retries (5xx, no answer, a 30 s
    /// timeout per attempt; twice, with jitter), then metering of each attempt, then the socket. Redirects are not
    /// followed here (HttpClient would drop the token): Octokit follows them to the same host with the token, and
    /// <see cref="GitHubConnection"/> does the same for our own calls.
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
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue(Product, Version));
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        http.DefaultRequestHeaders.Add("X-GitHub-Api-Version", "2022-11-28");
        return http;
    }

    public void Dispose()
    {
        Http.Dispose();
        _octokitHttp.Dispose();
        _handler.Dispose();
    }
}
