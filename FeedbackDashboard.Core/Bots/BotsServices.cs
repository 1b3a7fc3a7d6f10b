using FeedbackDashboard.Core.GitHub;
using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Core.Bots;

public static class BotsServices
{
    /// <summary>Bot profiles and observed comments.</summary>
    public static IServiceCollection AddBots(this IServiceCollection services)
    {
        services.AddSingleton<BotProfiles>();
        services.AddSingleton<ObservedComments>();
        return services;
    }

    /// <summary>The observed-bots sweep.</summary>
    public static IServiceCollection AddBotsPoller(this IServiceCollection services)
    {
        services.AddSingleton<ObserveSweep>();
        return services;
    }
}
