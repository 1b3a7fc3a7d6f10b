using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Core.Runs;

public static class RunsServices
{
    /// <summary>Run records, installation locks and the cycle notifications.</summary>
    public static IServiceCollection AddRuns(this IServiceCollection services)
    {
        services.AddSingleton(PollerInstance.ThisProcess);
        services.AddSingleton<InstallationLocks>();
        services.AddSingleton<PollCycleRecorder>();
        services.AddSingleton<PollCycleNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<PollCycleNotifier>());
        return services;
    }

    /// <summary>The job gate and the poller's presence.</summary>
    public static IServiceCollection AddRunsPoller(this IServiceCollection services)
    {
        services.AddSingleton<CycleGate>();
        services.AddSingleton<PollerPresence>();
        return services;
    }
}
