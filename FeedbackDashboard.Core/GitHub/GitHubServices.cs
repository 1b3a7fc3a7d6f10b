using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FeedbackDashboard.Core.GitHub;

public static class GitHubServices
{
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
        services.AddSingleton(sp => new GitHubConnection(sp.GetRequiredService<GitHubTransport>(), sp.GetRequiredService<GitHubAppAuth>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<GitHubConnection>>()));
        services.AddSingleton(sp => new GitHubClient(sp.GetRequiredService<GitHubConnection>(), settings.GitHubGraphQlUrl));
        return services;
    }
}
