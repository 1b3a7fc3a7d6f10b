using Coravel.Invocable;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Bots;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Runs;

namespace FeedbackDashboard.Jobs;

/// <summary>Coravel tick for the observed-bots sweep: once at start, then every OBSERVE_SWEEP_SECS. The logic is in Core.</summary>
public sealed class ObserveSweepJob(ObserveSweep sweep, CycleGate gate, FeedbackSettings settings) : IInvocable, ICancellableInvocable
{
    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        if (gate.TryEnter(Job.Observe, settings.ObserveSweep, runAtStart: true))
            await sweep.RunAsync(CancellationToken);
    }
}
