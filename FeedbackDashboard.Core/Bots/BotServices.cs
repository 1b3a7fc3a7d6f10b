using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Core.Bots;

public static class BotServices
{
    /// <summary>Bot profiles, observed comments and candidates.</summary>
    public static IServiceCollection AddBots(this IServiceCollection services)
    {
        services.AddSingleton<BotProfiles>();
        services.AddSingleton<ObservedComments>();
        services.AddSingleton<BotStandings>();
        return services;
    }
}
