using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Core.Webhooks;

public static class WebhooksServices
{
    /// <summary>Deliveries and their switch.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddSingleton<WebhookProcessor>();
        services.AddSingleton<WebhookStats>();
        return services;
    }

    /// <summary>Redelivery of failed deliveries, which needs the App key.</summary>
    public static IServiceCollection AddWebhooksPoller(this IServiceCollection services)
    {
        services.AddSingleton<WebhookRedelivery>();
        return services;
    }
}
