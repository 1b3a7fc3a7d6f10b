using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Polling;
using Microsoft.Extensions.Logging;

namespace FeedbackDashboard.Core.Feedback;

/// <summary>
/// One reactions poll cycle: pending review captures first, then the tiered selection, fetched per installation
/// (GraphQL or REST) and reconciled batch by batch. Each installation first reads which repositories it reaches, so a
/// lost repository pauses instead of looking deleted. One bad installation, comment or page is recorded and the cycle
/// goes on; a cycle cut short keeps every batch it finished; a cycle that throws is recorded as failed.
/// </summary>
public sealed class ReactionsPoller(
    PollSelection selection,
    ReactionsReconciler reconciler,
    ReviewCaptureProcessor captures,
    InstallationLocks locks,
    PollCycleRecorder recorder,
    PollStore store,
    RepositoryAccess access,
    PollConditions conditions,
    PollBudgets budgets,
    GitHubClient github,
    FeedbackSettings settings,
    TimeProvider time,
    ILogger<ReactionsPoller> log)
{
    /// <summary>Comments fetched before a reconcile: a cut-short cycle loses at most one batch of work.</summary>
    public const int ReconcileBatch = 500;
    private const int ParallelInstallations = 4;

    public async Task<CycleReport> RunCycleAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var cycle = PollSelection.CycleNumber(now, settings.PollerInterval);
        var cycleId = await recorder.StartAsync(Jobs.Reactions, ct);
        var report = new CycleReport();
        var session = new GitHubSession();
        using var scope = log.BeginScope(new Dictionary<string, object> { ["CycleId"] = cycleId, ["Cycle"] = cycle });
        try
        {
            var budget = settings.PollerSchedule == PollerSchedule.Budget;
            var selected = budget ? [] : await selection.SelectAsync(now, settings.PollerInterval, settings.PollerWindowDays, ct);
            var installations = (budget ? await selection.InstallationsAsync(now, settings.PollerWindowDays, ct) : selected.Select(c => c.InstallationId))
                .Concat(await store.PendingCaptureInstallationsAsync(ct))
                .Concat(await store.InstallationsWithLostAccessAsync(ct)).ToHashSet();

            await using var held = await locks.ClaimAsync(installations, cycle, ct);
            report.InstallationsSkipped = installations.Count - held.Owned.Count;
            if (report.InstallationsSkipped > 0)
                log.LogInformation("{Skipped} installation(s) held by another poller this cycle", report.InstallationsSkipped);

            var captureOutcome = await captures.ProcessPendingAsync(session, held.Owned.Contains, ct);
            report.CapturesProcessed = captureOutcome.Processed;
            foreach (var e in captureOutcome.Errors) report.Error(e);

            // Captures may have recorded new comments: select again so they are polled in this same cycle.
            if (captureOutcome.Done > 0 && !budget) selected = await selection.SelectAsync(now, settings.PollerInterval, settings.PollerWindowDays, ct);
            var mine = selected.Where(c => held.Owned.Contains(c.InstallationId)).ToLookup(c => c.InstallationId);
            if (budget) await selection.ParkOutOfWindowAsync(now, settings.PollerWindowDays, ct);

            await Parallel.ForEachAsync(held.Owned, new ParallelOptions { MaxDegreeOfParallelism = ParallelInstallations, CancellationToken = ct },
                async (installationId, token) => await PollInstallationAsync(session, installationId,
                    budget ? null : [.. mine[installationId]], now, report, token));
            await RecordInstallationConditionsAsync(session, held.Owned, ct);

            report.Status = report.ErrorCount == 0 ? "ok" : report.CommentsChecked + report.CommentsUnchanged > 0 ? "partial" : "failed";
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            report.Status = "cancelled";
        }
        catch (Exception e)
        {
            // Whatever it was, the cycle did not do its work: recorded as failed with the error, never as ok.
            log.LogError(e, "Reactions cycle {CycleId} failed", cycleId);
            report.Error($"cycle failed: {e.GetType().Name}: {e.Message}");
            report.Status = "failed";
        }
        finally
        {
            await recorder.FinishAsync(cycleId, report, session);
        }
        log.LogInformation(
            "Reactions cycle {CycleId} {Status}: {Selected} selected, {Checked} checked, {Unchanged} unchanged, {Failed} failed, {Gone} gone, +{Inserted} -{Deleted}, {Requests} requests",
            cycleId, report.Status, report.CommentsSelected, report.CommentsChecked, report.CommentsUnchanged, report.CommentsFailed,
            report.CommentsGone, report.ReactionsInserted, report.ReactionsDeleted, session.Requests);
        return report;
    }

    private RateBucket Bucket => settings.PollerStrategy == PollerStrategy.GraphQl ? RateBucket.GraphQl : RateBucket.Core;

    /// <summary>Polls one installation: <paramref name="tiered"/> comments, or (budget) what its budget buys, by priority.</summary>
    private async Task PollInstallationAsync(GitHubSession session, long installationId, List<PollableComment>? tiered,
        DateTimeOffset now, CycleReport report, CancellationToken ct)
    {
        using var scope = log.BeginScope(new Dictionary<string, object> { ["InstallationId"] = installationId });
        InstallationAccess? reach = null;
        try
        {
            reach = await access.RefreshAsync(session, installationId, ct);
        }
        catch (InstallationUnavailableException e)
        {
            log.LogWarning("Installation {InstallationId}: repositories not read: {Reason}", installationId, e.Message);
        }
        var comments = tiered ?? await budgets.SelectAsync(session, github, installationId, now, ct);
        lock (report) report.CommentsSelected += comments.Count;
        if (reach is not null)
        {
            // Paused, not failed: lost access is a condition, shown on the health page, and not the comments' fault.
            report.CommentsPaused += comments.RemoveAll(c => reach.Lost.Contains(c.RepositoryId));
            comments = [.. comments.Select(c => reach.Reachable.TryGetValue(c.RepositoryId, out var gid) ? c with { RepositoryGitHubId = gid } : c)];
        }

        foreach (var batch in comments.Chunk(ReconcileBatch))
        {
            if (session.IsUnavailable(installationId, Bucket, out _))
            {
                // Counted, not retried comment by comment: the installation is out for this cycle.
                Add(report, failed: batch.Length);
                continue;
            }
            try
            {
                var results = settings.PollerStrategy == PollerStrategy.GraphQl
                    ? await FetchGraphQlAsync(session, installationId, batch, report, ct)
                    : await FetchRestAsync(session, installationId, batch, ct);
                await ApplyAsync(reach, results, report, ct);
            }
            catch (InstallationUnavailableException e)
            {
                log.LogWarning("Installation {InstallationId} skipped for this cycle: {Reason}", installationId, e.Message);
                Add(report, failed: batch.Length);
            }
        }
        if (session.IsUnavailable(installationId, Bucket, out var why))
            report.Error($"installation {installationId}: {why}");
        await budgets.RecordAsync(session, installationId, now, ct);
    }

    private async Task<List<(PollableComment Comment, ReactionsResult Result)>> FetchRestAsync(GitHubSession session,
        long installationId, PollableComment[] batch, CancellationToken ct)
    {
        // GitHubApi bounds the requests in flight per installation; start them all.
        var tasks = batch.Select(async c => (c, await github.GetReactionsRestAsync(session, installationId, c.Ref, ct)));
        return [.. await Task.WhenAll(tasks)];
    }

    private async Task<List<(PollableComment Comment, ReactionsResult Result)>> FetchGraphQlAsync(GitHubSession session,
        long installationId, PollableComment[] batch, CycleReport report, CancellationToken ct)
    {
        var results = new List<(PollableComment, ReactionsResult)>(batch.Length);
        var withNodes = new List<PollableComment>(batch.Length);
        var nodeIds = new List<(CommentKey, string?)>();

        // Node ids come from capture; the few missing are looked up once by REST and stored.
        var missing = batch.Where(c => c.NodeId is null).ToList();
        var lookups = await Task.WhenAll(missing.Select(async c => (c, await github.GetNodeIdAsync(session, installationId, c.Ref, ct))));
        foreach (var (c, (outcome, nodeId)) in lookups)
        {
            if (outcome == FetchOutcome.Known) { nodeIds.Add((c.Key, nodeId)); withNodes.Add(c with { NodeId = nodeId }); }
            else results.Add((c, outcome == FetchOutcome.Gone ? ReactionsResult.Gone : ReactionsResult.Fail("node id lookup failed")));
        }
        withNodes.AddRange(batch.Where(c => c.NodeId is not null));

        var byNode = await github.GetReactionsGraphQlAsync(session, installationId, [.. withNodes.Select(c => c.NodeId!)], ct);
        foreach (var c in withNodes)
        {
            var answer = byNode.TryGetValue(c.NodeId!, out var r) ? r : new NodeReactions(null, null, null, ReactionsResult.Fail("no answer for node"));
            results.Add((c, await VerifyAsync(session, installationId, c, answer, nodeIds, ct)));
        }
        await store.SetNodeIdsAsync(nodeIds, ct);
        return results;
    }

    /// <summary>
    /// A node id may come from a client: its answer counts only when it is the comment registered (type and id) in the
    /// run's repository. A wrong one is forgotten, so the comment's own id is looked up again. A NOT_FOUND node is
    /// asked about by REST before anyone calls the comment deleted.
    /// </summary>
    private async Task<ReactionsResult> VerifyAsync(GitHubSession session, long installationId, PollableComment c, NodeReactions answer,
        List<(CommentKey, string?)> nodeIds, CancellationToken ct)
    {
        if (answer.Result.Outcome == FetchOutcome.Gone)
        {
            var (outcome, actual) = await github.GetNodeIdAsync(session, installationId, c.Ref with { NodeId = null }, ct);
            if (outcome == FetchOutcome.Gone) return ReactionsResult.Gone;
            if (outcome == FetchOutcome.Known && actual != c.NodeId) nodeIds.Add((c.Key, actual));
            return ReactionsResult.Fail(outcome == FetchOutcome.Known
                ? $"node {c.NodeId} did not resolve but the comment exists (node id {actual})"
                : "node not found and the comment could not be checked");
        }
        if (answer.Result.Outcome != FetchOutcome.Known) return answer.Result;

        var expectedType = c.Kind == CommentKind.Inline ? "PullRequestReviewComment" : "IssueComment";
        string? mismatch =
            answer.TypeName != expectedType ? $"is a {answer.TypeName}, not a {expectedType}"
            : answer.CommentId != c.Key.Id ? $"is comment {answer.CommentId?.ToString() ?? "?"}, not {c.Key.Id}"
            : c.RepositoryGitHubId is null ? null
            : answer.RepositoryId != c.RepositoryGitHubId ? $"belongs to repository {answer.RepositoryId?.ToString() ?? "?"}, not {c.Repository} ({c.RepositoryGitHubId})"
            : null;
        if (c.RepositoryGitHubId is null && mismatch is null)
            return ReactionsResult.Fail($"node {c.NodeId}: the repository's id is unknown this cycle, so the node can't be checked");
        if (mismatch is null) return answer.Result;
        nodeIds.Add((c.Key, null));
        return ReactionsResult.Fail($"node {c.NodeId} {mismatch}: not polled with it");
    }

    private async Task ApplyAsync(InstallationAccess? reach, List<(PollableComment Comment, ReactionsResult Result)> results,
        CycleReport report, CancellationToken ct)
    {
        var known = new List<KnownReactions>();
        var gone = new List<CommentKey>();
        int unchanged = 0, failed = 0, skipped = 0;
        foreach (var (c, raw) in results)
        {
            // Not found is evidence of deletion only while the repository answers with the same token.
            var r = raw.Outcome == FetchOutcome.Gone && reach?.Reachable.ContainsKey(c.RepositoryId) != true
                ? ReactionsResult.Fail("not found, and the repository's access is unknown this cycle")
                : raw;
            switch (r.Outcome)
            {
                case FetchOutcome.Known:
                    known.Add(new KnownReactions(c.Key, r.Reactions, r.ETag, r.ETagToken));
                    skipped += r.SkippedNonHuman;
                    break;
                case FetchOutcome.NotModified: unchanged++; break;
                case FetchOutcome.Gone: gone.Add(c.Key); break;
                default:
                    failed++;
                    log.LogWarning("Reactions of {Kind} comment {CommentId} in {Repository} unknown this cycle: {Error}",
                        c.Key.Kind, c.Key.Id, c.Repository, r.Error);
                    report.Error($"{c.Key.Kind} comment {c.Key.Id} ({c.Repository}): {r.Error}");
                    break;
            }
        }

        var counts = await reconciler.ReconcileAsync(known, time.GetUtcNow(), ct, settings.PollerInterval);
        await store.RetireAsync(gone, time.GetUtcNow(), settings.PollerInterval * PollScheduling.RecheckCycles, ct);
        lock (report)
        {
            report.CommentsChecked += known.Count;
            report.CommentsUnchanged += unchanged;
            report.CommentsFailed += failed;
            report.CommentsGone += gone.Count;
            report.SkippedNonHuman += skipped;
            report.ReactionsInserted += counts.Inserted;
            report.ReactionsDeleted += counts.Deleted;
        }
    }

    /// <summary>Installation-wide conditions as this cycle saw them: a token GitHub won't mint, a rate-limited bucket.</summary>
    private async Task RecordInstallationConditionsAsync(GitHubSession session, IEnumerable<long> owned, CancellationToken ct)
    {
        var limited = session.RateLimited.GroupBy(x => x.Installation).ToDictionary(g => g.Key, g => string.Join("; ", g.Select(x => x.Reason)));
        foreach (var installationId in owned)
        {
            if (session.IsUnavailable(installationId, out var why)) await conditions.SetAsync(installationId, null, ConditionKind.TokenFailed, why, ct);
            else await conditions.ClearAsync(installationId, null, ConditionKind.TokenFailed, ct);
            if (limited.TryGetValue(installationId, out var reason)) await conditions.SetAsync(installationId, null, ConditionKind.RateLimited, reason, ct);
            else await conditions.ClearAsync(installationId, null, ConditionKind.RateLimited, ct);
        }
    }

    private static void Add(CycleReport report, int failed)
    {
        lock (report) report.CommentsFailed += failed;
    }
}
