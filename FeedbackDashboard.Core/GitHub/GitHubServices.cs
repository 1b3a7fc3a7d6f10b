using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FeedbackDashboard.Core.GitHub;

public static class GitHubServices
{
    /// <summary>The HttpClient every GitHub call goes through: GITHUB_API_URL as base, GitHub's media type and version.</summary>
    public static HttpClient CreateHttpClient(Uri apiUrl, HttpMessageHandler? handler = null)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler);
        http.BaseAddress = apiUrl;
        // Per-call timeouts live in GitHubApi; this only stops a hung connection from living forever.
        http.Timeout = TimeSpan.FromMinutes(2);
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("FeedbackDashboard", "1.0"));
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

        services.AddKeyedSingleton("github", (_, _) => CreateHttpClient(settings.GitHubApiUrl, new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = 32,
        }));
        services.AddSingleton(sp => new GitHubAppAuth(sp.GetRequiredKeyedService<HttpClient>("github"), appId, pem, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new GitHubApi(sp.GetRequiredKeyedService<HttpClient>("github"), sp.GetRequiredService<GitHubAppAuth>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<GitHubApi>>()));
        services.AddSingleton(sp => new GitHubClient(sp.GetRequiredService<GitHubApi>(), settings.GitHubGraphQlUrl));
        return services;
    }
}
