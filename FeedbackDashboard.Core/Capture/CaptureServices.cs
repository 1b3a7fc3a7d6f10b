using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Core.Capture;

public static class CaptureServices
{
    /// <summary>Runs and comments registered through the API.</summary>
    public static IServiceCollection AddCapture(this IServiceCollection services)
    {
        services.AddSingleton<CaptureService>();
        return services;
    }

    /// <summary>Review capture, which reads the posted review from GitHub.</summary>
    public static IServiceCollection AddCapturePoller(this IServiceCollection services)
    {
        services.AddSingleton<ReviewCaptureProcessor>();
        return services;
    }
}
