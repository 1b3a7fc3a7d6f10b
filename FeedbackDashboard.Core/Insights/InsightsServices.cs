using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FeedbackDashboard.Core.Insights;

public static class InsightsServices
{
    /// <summary>The reads behind the pages and the API; a run's feedback goes through the hot-reads pool.</summary>
    public static IServiceCollection AddInsights(this IServiceCollection services, NpgsqlDataSource hotReads)
    {
        services.AddSingleton(new FeedbackQueries(hotReads));
        services.AddSingleton<AnalyticsQueries>();
        services.AddSingleton<RulesQueries>();
        services.AddSingleton<BotStandings>();
        services.AddSingleton<PollHealth>();
        services.AddSingleton<CycleCache>();
        return services;
    }
}
