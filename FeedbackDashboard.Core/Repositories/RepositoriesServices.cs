using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Core.Repositories;

public static class RepositoriesServices
{
    /// <summary>Repository conditions.</summary>
    public static IServiceCollection AddRepositories(this IServiceCollection services)
    {
        services.AddSingleton<PollConditions>();
        return services;
    }

    /// <summary>Access and renames as GitHub reports them.</summary>
    public static IServiceCollection AddRepositoriesPoller(this IServiceCollection services)
    {
        services.AddSingleton<RepositoryAccess>();
        return services;
    }
}
