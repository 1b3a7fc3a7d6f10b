using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Core.Maintainers;

public static class MaintainersServices
{
    /// <summary>The maintainers table as pages and the API read it.</summary>
    public static IServiceCollection AddMaintainers(this IServiceCollection services)
    {
        services.AddSingleton<MaintainersQueries>();
        return services;
    }

    /// <summary>The refresh from GitHub.</summary>
    public static IServiceCollection AddMaintainersPoller(this IServiceCollection services)
    {
        services.AddSingleton<MaintainersRefresher>();
        return services;
    }
}
