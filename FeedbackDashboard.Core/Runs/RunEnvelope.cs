using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using Microsoft.Extensions.Logging;

namespace FeedbackDashboard.Core.Runs;

/// <summary>A job run's poll_cycles row: opened at the start, or by the work itself when a run is recorded only if it finds something to do.</summary>
public sealed class JobRun(PollCycleRecorder recorder, Job job)
{
    public long? Id { get; private set; }

    public async Task<long> StartAsync(CancellationToken ct) => (long)(Id ??= await recorder.StartAsync(job, ct));
}

/// <summary>
/// The envelope every job run shares, so none is left running or recorded as ok when it failed: the poll_cycles row
/// opened, the work run, a cancellation recorded as cancelled, an error the job counts as failing recorded as failed,
/// and the end (with the report's counters and GitHub usage) written whatever happened.
/// </summary>
public static class RunEnvelope
{
    /// <param name="name">How the log names the run, e.g. "Maintainers refresh".</param>
    /// <param name="failure">The error text for an exception that fails the run (it is then not thrown); null lets it through.</param>
    /// <param name="startLazily">When true the work calls <see cref="JobRun.StartAsync"/> itself; a run never started is not recorded.</param>
    /// <returns>The run's poll_cycles id; null when it was never started.</returns>
    public static async Task<long?> RecordRunAsync(this PollCycleRecorder recorder, Job job, string name, CycleReport report,
        GitHubUsage usage, Func<JobRun, Task> work, Func<Exception, string?> failure, ILogger log, CancellationToken ct,
        bool startLazily = false)
    {
        var run = new JobRun(recorder, job);
        if (!startLazily) await run.StartAsync(ct);
        try
        {
            await work(run);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            report.Status = CycleStatus.Cancelled;
        }
        catch (Exception e) when (run.Id is not null && failure(e) is { } error)
        {
            log.LogError(e, "{Run} {CycleId} failed", name, run.Id);
            report.Error(error);
            report.Status = CycleStatus.Failed;
        }
        finally
        {
            if (run.Id is { } id) await recorder.FinishAsync(id, report, usage);
        }
        return run.Id;
    }
}
