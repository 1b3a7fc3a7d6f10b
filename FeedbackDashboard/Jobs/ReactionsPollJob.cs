using Coravel.Invocable;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Reactions;
using FeedbackDashboard.Core.Runs;

namespace FeedbackDashboard.Jobs;

/// <summary>
/// Coravel tick for the reactions poll: one cycle per POLLER_INTERVAL_SECS, and on the ticks between, a catch-up that
/// takes over what a poller gone since the cycle began left undone. The logic is in Core.
/// </summary>
public sealed class ReactionsPollJob(ReactionsPoller poller, CycleGate gate, FeedbackSettings settings)
    : IInvocable, ICancellableInvocable
{
    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        if (gate.TryEnter(Job.Reactions, settings.PollerInterval))
            await poller.RunCycleAsync(CancellationToken);
        else
            await poller.CatchUpAsync(CancellationToken);
    }
}
