using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Core.Demo;

public static class DemoServices
{
    /// <summary>Demo data for ./run.sh --demo.</summary>
    public static IServiceCollection AddDemo(this IServiceCollection services)
    {
        services.AddSingleton<DemoData>();
        return services;
    }
}
