using Coravel;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Bots;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Runs;

namespace FeedbackDashboard.Jobs;

public static class JobsRegistration
{
    /// <summary>ROLE=poller only: the GitHub layer (and with it the App key) and the scheduled jobs.</summary>
    public static IServiceCollection AddPollerJobs(this IServiceCollection services, FeedbackSettings settings)
    {
        services.AddFeedbackPoller(settings);
        services.AddHostedService<PollerHeartbeat>();
        services.AddScheduler();
        services.AddTransient<ReactionsPollJob>();
        services.AddTransient<MaintainersRefreshJob>();
        services.AddTransient<ObserveSweepJob>();
        if (settings.GitHubWebhookSecret is not null) services.AddHostedService<WebhookRedeliveryOnStart>();
        return services;
    }

    public static void UsePollerJobs(this IServiceProvider services, FeedbackSettings settings)
    {
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("FeedbackDashboard.Jobs");
        services.UseScheduler(s =>
        {
            s.Schedule<ReactionsPollJob>()
                .EverySeconds(CycleGate.TickSeconds(settings.PollerInterval))
                .PreventOverlapping(nameof(ReactionsPollJob));
            s.Schedule<MaintainersRefreshJob>()
                .EverySeconds(CycleGate.TickSeconds(settings.MaintainersRefresh))
                .PreventOverlapping(nameof(MaintainersRefreshJob));
            // OBSERVE_SWEEP_SECS=0: webhooks alone capture observed bots.
            if (settings.ObserveSweep > TimeSpan.Zero)
            {
                s.Schedule<ObserveSweepJob>()
                    .EverySeconds(CycleGate.TickSeconds(settings.ObserveSweep))
                    .PreventOverlapping(nameof(ObserveSweepJob));
            }
        }).OnError(e => log.LogError(e, "A scheduled job failed"));
        log.LogInformation("Poller role: reactions every {Interval} s (strategy {Strategy}), maintainers every {Refresh} s, observed-bots sweep every {Sweep} s",
            settings.PollerInterval.TotalSeconds, settings.PollerStrategy, settings.MaintainersRefresh.TotalSeconds, settings.ObserveSweep.TotalSeconds);
    }
}
