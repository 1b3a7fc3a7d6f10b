using Coravel.Invocable;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Maintainers;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Runs;

namespace FeedbackDashboard.Jobs;

/// <summary>Coravel tick for the maintainers refresh: once at start, then every MAINTAINERS_REFRESH_SECS.</summary>
public sealed class MaintainersRefreshJob(MaintainersRefresher refresher, CycleGate gate, FeedbackSettings settings)
    : IInvocable, ICancellableInvocable
{
    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        if (gate.TryEnter(Job.Maintainers, settings.MaintainersRefresh, runAtStart: true))
            await refresher.RunAsync(CancellationToken);
    }
}
