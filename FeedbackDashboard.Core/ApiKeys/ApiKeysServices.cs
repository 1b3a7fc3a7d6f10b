using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Core.ApiKeys;

public static class ApiKeysServices
{
    /// <summary>API keys and the installations they reach.</summary>
    public static IServiceCollection AddApiKeys(this IServiceCollection services)
    {
        services.AddSingleton<InstallationLookup>();
        services.AddSingleton<ApiKeyService>();
        return services;
    }
}
