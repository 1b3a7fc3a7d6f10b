using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Polling;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FeedbackDashboard.Core.Feedback;

/// <summary>
/// One reactions poll cycle: pending review captures first, then the tiered selection, fetched per installation
/// (GraphQL or REST) and reconciled batch by batch. One bad installation, comment or page is recorded and the cycle
/// goes on; a cycle cut short keeps every batch it finished.
/// </summary>
public sealed class ReactionsPoller(
    NpgsqlDataSource db,
    PollSelection selection,
    ReactionsReconciler reconciler,
    ReviewCaptureProcessor captures,
    InstallationLocks locks,
    PollCycleRecorder recorder,
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
            var selected = await selection.SelectAsync(now, settings.PollerInterval, settings.PollerWindowDays, ct);
            var installations = selected.Select(c => c.InstallationId).Concat(await PendingCaptureInstallationsAsync(ct)).ToHashSet();

            await using var held = await locks.ClaimAsync(installations, cycle, ct);
            report.InstallationsSkipped = installations.Count - held.Owned.Count;
            if (report.InstallationsSkipped > 0)
                log.LogInformation("{Skipped} installation(s) held by another poller this cycle", report.InstallationsSkipped);

            var captureOutcome = await captures.ProcessPendingAsync(session, held.Owned.Contains, ct);
            report.CapturesProcessed = captureOutcome.Processed;
            foreach (var e in captureOutcome.Errors) report.Error(e);

            // Captures may have recorded new comments: select again so they are polled in this same cycle.
            if (captureOutcome.Done > 0) selected = await selection.SelectAsync(now, settings.PollerInterval, settings.PollerWindowDays, ct);
            var mine = selected.Where(c => held.Owned.Contains(c.InstallationId)).GroupBy(c => c.InstallationId).ToList();
            report.CommentsSelected = mine.Sum(g => g.Count());

            await Parallel.ForEachAsync(mine, new ParallelOptions { MaxDegreeOfParallelism = ParallelInstallations, CancellationToken = ct },
                async (group, token) => await PollInstallationAsync(session, group.Key, group.ToList(), report, token));

            report.Status = report.ErrorCount == 0 ? "ok" : report.CommentsChecked + report.CommentsUnchanged > 0 ? "partial" : "failed";
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            report.Status = "cancelled";
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or GitHubRequestException)
        {
            log.LogError(e, "Reactions cycle {CycleId} failed", cycleId);
            report.Error($"cycle failed: {e.Message}");
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

    private async Task PollInstallationAsync(GitHubSession session, long installationId, List<PollableComment> comments,
        CycleReport report, CancellationToken ct)
    {
        using var scope = log.BeginScope(new Dictionary<string, object> { ["InstallationId"] = installationId });
        foreach (var batch in comments.Chunk(ReconcileBatch))
        {
            if (session.IsUnavailable(installationId, out var reason))
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
                await ApplyAsync(installationId, results, report, ct);
            }
            catch (InstallationUnavailableException e)
            {
                log.LogWarning("Installation {InstallationId} skipped for this cycle: {Reason}", installationId, e.Message);
                report.Error($"installation {installationId}: {e.Message}");
                Add(report, failed: batch.Length);
            }
        }
        if (session.IsUnavailable(installationId, out var why) && !report.Errors.Any(e => e.StartsWith($"installation {installationId}:")))
            report.Error($"installation {installationId}: {why}");
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

        // Node ids come from capture; the few missing are looked up once by REST and stored.
        var missing = batch.Where(c => c.NodeId is null).ToList();
        var lookups = await Task.WhenAll(missing.Select(async c => (c, await github.GetNodeIdAsync(session, installationId, c.Ref, ct))));
        var learned = new List<(CommentKey, string)>();
        foreach (var (c, (outcome, nodeId)) in lookups)
        {
            if (outcome == FetchOutcome.Known) { learned.Add((c.Key, nodeId!)); withNodes.Add(c with { NodeId = nodeId }); }
            else results.Add((c, outcome == FetchOutcome.Gone ? ReactionsResult.Gone : ReactionsResult.Fail("node id lookup failed")));
        }
        await StoreNodeIdsAsync(learned, ct);
        withNodes.AddRange(batch.Where(c => c.NodeId is not null));

        var byNode = await github.GetReactionsGraphQlAsync(session, installationId, [.. withNodes.Select(c => c.NodeId!)], ct);
        foreach (var c in withNodes)
            results.Add((c, byNode.TryGetValue(c.NodeId!, out var r) ? r : ReactionsResult.Fail("no answer for node")));
        return results;
    }

    private async Task ApplyAsync(long installationId, List<(PollableComment Comment, ReactionsResult Result)> results,
        CycleReport report, CancellationToken ct)
    {
        var known = new List<KnownReactions>();
        var gone = new List<CommentKey>();
        int unchanged = 0, failed = 0;
        foreach (var (c, r) in results)
        {
            switch (r.Outcome)
            {
                case FetchOutcome.Known: known.Add(new KnownReactions(c.Key, r.Reactions, r.ETag)); break;
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

        var counts = await reconciler.ReconcileAsync(known, time.GetUtcNow(), ct);
        await MarkGoneAsync(gone, ct);
        lock (report)
        {
            report.CommentsChecked += known.Count;
            report.CommentsUnchanged += unchanged;
            report.CommentsFailed += failed;
            report.CommentsGone += gone.Count;
            report.ReactionsInserted += counts.Inserted;
            report.ReactionsDeleted += counts.Deleted;
        }
    }

    private static void Add(CycleReport report, int failed)
    {
        lock (report) report.CommentsFailed += failed;
    }

    private async Task MarkGoneAsync(List<CommentKey> gone, CancellationToken ct)
    {
        if (gone.Count == 0) return;
        // Deleted on GitHub: no longer polled; the feedback it drew stays.
        await using var cmd = db.CreateCommand("""
            update review_comments c set gone_at = @now
            from unnest(@kinds, @ids) as g(kind, id) where c.kind = g.kind and c.github_comment_id = g.id
            """);
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        cmd.Parameters.AddWithValue("kinds", gone.Select(g => g.Kind).ToArray());
        cmd.Parameters.AddWithValue("ids", gone.Select(g => g.Id).ToArray());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task StoreNodeIdsAsync(List<(CommentKey Key, string NodeId)> learned, CancellationToken ct)
    {
        if (learned.Count == 0) return;
        await using var cmd = db.CreateCommand("""
            update review_comments c set node_id = n.node_id
            from unnest(@kinds, @ids, @nodes) as n(kind, id, node_id) where c.kind = n.kind and c.github_comment_id = n.id
            """);
        cmd.Parameters.AddWithValue("kinds", learned.Select(l => l.Key.Kind).ToArray());
        cmd.Parameters.AddWithValue("ids", learned.Select(l => l.Key.Id).ToArray());
        cmd.Parameters.AddWithValue("nodes", learned.Select(l => l.NodeId).ToArray());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<List<long>> PendingCaptureInstallationsAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "select distinct t.installation_id from review_captures rc join tasks t on t.id = rc.task_id where rc.status = 'pending'");
        var list = new List<long>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(r.GetInt64(0));
        return list;
    }
}
