using Octokit;
using Octokit.Internal;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>
/// The one handler chain under every GitHub call (<see cref="GitHubServices.CreateHandler"/>: transient retries, then
/// metering), shared by our HttpClient (GraphQL, the conditional reactions list) and every Octokit connection (the
/// rest of REST), so both are retried, metered and pooled alike.
/// </summary>
public sealed class GitHubTransport : IDisposable
{
    public const string Product = "FeedbackDashboard";
    public const string Version = "1.0";

    private readonly HttpMessageHandler _handler;
    private readonly HttpClientAdapter _octokitHttp;

    public GitHubTransport(Uri apiUrl, HttpMessageHandler? inner = null)
    {
        ApiUrl = apiUrl;
        _handler = GitHubServices.CreateHandler(inner);
        Http = GitHubServices.CreateHttpClient(apiUrl, _handler);
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
        new global::Octokit.GitHubClient(new Connection(new ProductHeaderValue(Product, Version), ApiUrl, credentials, _octokitHttp,
            new SimpleJsonSerializer()));

    public void Dispose()
    {
        Http.Dispose();
        _octokitHttp.Dispose();
        _handler.Dispose();
    }
}
