using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Repositories;
using FeedbackDashboard.Core.Runs;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FeedbackDashboard.Core.Reactions;

/// <summary>
/// One reactions poll cycle over this poller's claimed share of the installations (<see cref="InstallationLocks"/>):
/// pending review captures first, then the selection, fetched per installation (GraphQL or REST) and reconciled batch
/// by batch, all within a deadline short of the interval. Each installation first reads which repositories it reaches, so a
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
    CommentPolls commentPolls,
    RepositoryAccess access,
    PollConditions conditions,
    PollBudgets budgets,
    GitHubClient github,
    FeedbackSettings settings,
    TimeProvider time,
    ILogger<ReactionsPoller> log,
    PollerPresence presence,
    AppliedSuggestions? applied = null)
{
    /// <summary>Comments fetched before a reconcile: a cut-short cycle loses at most one batch of work.</summary>
    public const int ReconcileBatch = 500;
    private const int ParallelInstallations = 4;

    /// <summary>Share of the interval a cycle may run: it ends before the next one is due, whatever GitHub's speed.</summary>
    public const double DeadlineShare = 0.8;

    public static TimeSpan Deadline(TimeSpan interval) => interval * DeadlineShare;

    /// <summary>The start of the cycle <paramref name="now"/> falls in: claims made before it are over.</summary>
    public static DateTimeOffset CycleStart(DateTimeOffset now, TimeSpan interval) =>
        DateTimeOffset.FromUnixTimeSeconds(PollSelection.CycleNumber(now, interval) * (long)interval.TotalSeconds);

    /// <summary>A cycle: always recorded, polling this poller's share of the installations not yet polled this cycle.</summary>
    public async Task<PollReport> RunCycleAsync(CancellationToken ct) => (await RunAsync(catchUp: false, ct))!;

    /// <summary>
    /// Between cycles, on each scheduler tick: polls what became this poller's share since the cycle began (a poller
    /// gone, a lease run out). Recorded only when it claimed something; null otherwise.
    /// </summary>
    public Task<PollReport?> CatchUpAsync(CancellationToken ct) => RunAsync(catchUp: true, ct);

    private async Task<PollReport?> RunAsync(bool catchUp, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var interval = settings.PollerInterval;
        var cycle = PollSelection.CycleNumber(now, interval);
        var deadline = Deadline(interval);
        var report = new PollReport();
        var usage = new GitHubUsage();
        var cycleId = await recorder.RecordRunAsync(Job.Reactions, "Reactions cycle", report, usage, async run =>
        {
            HeldInstallations? held = null;
            using var timer = new CancellationTokenSource(deadline, time);
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
            using var scope = log.BeginScope(new Dictionary<string, object> { ["CycleId"] = run.Id ?? 0, ["Cycle"] = cycle });
            try
            {
                await presence.BeatAsync(ct);
                var budget = settings.PollerSchedule == PollerSchedule.Budget;
                var pending = await store.PendingCaptureInstallationsAsync(ct);
                var lost = await store.InstallationsWithLostAccessAsync(ct);
                var threads = await store.InstallationsWithDueThreadsAsync(now, settings.PollerWindowDays, ct);
                var looks = applied is null ? [] : await applied.InstallationsWantingAsync(ct);
                var extra = pending.Concat(lost).Concat(threads).Concat(looks).ToHashSet();
                var installations = (await selection.InstallationsAsync(now, settings.PollerWindowDays, ct)).Concat(extra).ToHashSet();

                held = await locks.ClaimAsync(installations, await presence.LiveAsync(ct), CycleStart(now, interval),
                    deadline + presence.BeatEvery, ct);
                if (held.Owned.Count == 0 && catchUp) return;
                await run.StartAsync(ct);
                report.InstallationsSkipped = installations.Count - held.Owned.Count;
                if (report.InstallationsSkipped > 0)
                    log.LogInformation("{Skipped} installation(s) polled by another poller this cycle", report.InstallationsSkipped);

                var captureOutcome = await captures.ProcessPendingAsync(usage, held.Contains, bounded.Token);
                report.CapturesProcessed = captureOutcome.Processed;
                foreach (var e in captureOutcome.Errors) report.Error(e);

                // Tiers select after the captures, so comments they recorded are polled in this same cycle.
                var selected = budget ? [] : await selection.SelectAsync(now, interval, settings.PollerWindowDays, bounded.Token);
                var mine = selected.Where(c => held.Contains(c.InstallationId)).ToLookup(c => c.InstallationId);
                if (budget) await commentPolls.ParkOutOfWindowAsync(now, settings.PollerWindowDays, bounded.Token);

                // Under tiers an installation none of whose comments is due this cycle has nothing to do.
                var work = held.Owned.Where(i => budget || mine.Contains(i) || extra.Contains(i)).ToList();
                foreach (var idle in held.Owned.Except(work)) await held.ReleaseAsync(idle, completed: true);
                report.InstallationsPolled = work.Count;
                await PollInstallationsAsync(usage, work, held, budget ? null : mine, now, now + deadline, report, bounded.Token, ct);
                await RecordInstallationConditionsAsync(usage, work, ct);

                report.Settle();
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                report.Error($"cycle stopped at its deadline ({deadline.TotalSeconds:0} s)");
                report.DeadlineReached = true;
                report.Settle();
            }
            finally
            {
                try
                {
                    if (held is not null) await held.DisposeAsync();
                }
                catch (NpgsqlException e)
                {
                    log.LogWarning(e, "Claims not released; their leases run out by themselves");
                }
            }
            // Any other exception means the cycle did not do its work: recorded as failed with the error, never as ok.
        }, e => $"cycle failed: {e.GetType().Name}: {e.Message}", log, ct, startLazily: catchUp);
        if (cycleId is null) return null;
        log.LogInformation(
            "Reactions cycle {CycleId} {Status}: {Polled} installations, {Selected} selected, {Checked} checked, {Unchanged} unchanged, {Failed} failed, {Gone} gone, +{Inserted} -{Deleted}, {Requests} requests",
            cycleId, report.Status, report.InstallationsPolled, report.CommentsSelected, report.CommentsChecked, report.CommentsUnchanged,
            report.CommentsFailed, report.CommentsGone, report.ReactionsInserted, report.ReactionsDeleted, usage.Requests);
        return report;
    }

    /// <summary>
    /// Polls the installations a few at a time within the cycle's deadline. Each one gets a time share of what is left
    /// (the remaining time × parallelism / installations not yet done), so one slow installation cannot eat the cycle;
    /// one cut short, or never reached, is released unfinished and leads the next cycle.
    /// </summary>
    private async Task PollInstallationsAsync(GitHubUsage usage, List<long> installations, HeldInstallations held,
        ILookup<long, PollableComment>? tiered, DateTimeOffset now, DateTimeOffset deadlineAt, PollReport report,
        CancellationToken bounded, CancellationToken ct)
    {
        var left = installations.Count;
        var started = 0;
        try
        {
            await Parallel.ForEachAsync(installations, new ParallelOptions { MaxDegreeOfParallelism = ParallelInstallations, CancellationToken = bounded },
                async (installationId, token) =>
                {
                    Interlocked.Increment(ref started);
                    var waiting = Math.Max(1, Volatile.Read(ref left));
                    var share = (deadlineAt - time.GetUtcNow()) * Math.Min(ParallelInstallations, waiting) / waiting;
                    using var own = new CancellationTokenSource(share > TimeSpan.Zero ? share : TimeSpan.Zero, time);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, own.Token);
                    var completed = false;
                    try
                    {
                        await PollInstallationAsync(usage, installationId, tiered is null ? null : [.. tiered[installationId]], now, report, linked.Token);
                        completed = true;
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        log.LogWarning("Installation {InstallationId} stopped after its time share of {Share:0.0} s", installationId, share.TotalSeconds);
                        report.Error($"installation {installationId}: stopped after its time share of the cycle ({share.TotalSeconds:0.0} s); it goes first next cycle");
                        lock (report) report.DeadlineReached = true;
                        // What it spent still counts against its budget.
                        await budgets.RecordAsync(usage, installationId, now, ct);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref left);
                        await held.ReleaseAsync(installationId, completed);
                    }
                });
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            var notReached = installations.Count - Volatile.Read(ref started);
            if (notReached > 0)
                report.Error($"{notReached} installation(s) not reached before the cycle's deadline; they go first next cycle");
            report.DeadlineReached = true;
        }
    }

    private RateBucket Bucket => settings.PollerStrategy == PollerStrategy.GraphQl ? RateBucket.GraphQl : RateBucket.Core;

    /// <summary>Polls one installation: <paramref name="tiered"/> comments, or (budget) what its budget buys, by priority.</summary>
    private async Task PollInstallationAsync(GitHubUsage usage, long installationId, List<PollableComment>? tiered,
        DateTimeOffset now, PollReport report, CancellationToken ct)
    {
        using var scope = log.BeginScope(new Dictionary<string, object> { ["InstallationId"] = installationId });
        InstallationAccess? reach = null;
        try
        {
            reach = await access.RefreshAsync(usage, installationId, ct);
        }
        catch (InstallationUnavailableException e)
        {
            log.LogWarning("Installation {InstallationId}: repositories not read: {Reason}", installationId, e.Message);
        }
        var comments = tiered ?? await budgets.SelectAsync(usage, github, installationId, now, ct);
        lock (report) report.CommentsSelected += comments.Count;
        if (reach is not null)
        {
            // Paused, not failed: lost access is a condition, shown on the health page, and not the comments' fault.
            report.CommentsPaused += comments.RemoveAll(c => reach.Lost.Contains(c.RepositoryId));
            comments = [.. comments.Select(c => reach.Reachable.TryGetValue(c.RepositoryId, out var gid) ? c with { RepositoryGitHubId = gid } : c)];
        }

        // Comments whose reactions or signals were written: their pull requests are decided once, after every batch.
        var written = new List<CommentKey>();
        foreach (var batch in comments.Chunk(ReconcileBatch))
        {
            if (usage.IsUnavailable(installationId, Bucket, out _))
            {
                // Counted, not retried comment by comment: the installation is out for this cycle.
                Add(report, failed: batch.Length);
                continue;
            }
            try
            {
                var results = settings.PollerStrategy == PollerStrategy.GraphQl
                    ? await FetchGraphQlAsync(usage, installationId, batch, report, ct)
                    : await AddSignalsAsync(usage, installationId, await FetchRestAsync(usage, installationId, batch, ct), ct);
                written.AddRange(await ApplyAsync(reach, results, report, ct));
                await store.SetTextsAsync([.. results.Where(p => p is { Comment.NeedsText: true, Text: not null })
                    .Select(p => (p.Comment.Key, p.Text!.Body, p.Text.Url))], ct);
            }
            catch (InstallationUnavailableException e)
            {
                log.LogWarning("Installation {InstallationId} skipped for this cycle: {Reason}", installationId, e.Message);
                Add(report, failed: batch.Length);
            }
        }
        if (usage.IsUnavailable(installationId, Bucket, out var why))
            report.Error($"installation {installationId}: {why}");
        // Thread reads spend the same installation's points, before the cycle's spend is recorded: the budget sees them.
        await PollThreadsAsync(usage, installationId, now, report, ct);
        // Pushes seen by a webhook or by the thread read: the commits' requests count in the same core budget.
        if (applied is not null) await applied.RunAsync(usage, installationId, ct);
        // Reactions and signals can change what became of a comment (a 👎, outdated): decided again for their pull requests.
        await store.DecideAsync(new DispositionScope.Comments(written), ct);
        await budgets.RecordAsync(usage, installationId, now, ct);
    }

    private async Task<List<Polled>> FetchRestAsync(GitHubUsage usage,
        long installationId, PollableComment[] batch, CancellationToken ct)
    {
        // GitHubConnection bounds the requests in flight per installation; start them all.
        var tasks = batch.Select(async c => new Polled(c, await github.Reactions.GetRestAsync(usage, installationId, c.Ref, ct)));
        return [.. await Task.WhenAll(tasks)];
    }

    /// <summary>
    /// REST has no outdated: the REST strategy reads the signals from GraphQL too, one point per 100 comments, for the
    /// comments that still exist. A node id missing is looked up once (as the GraphQL strategy does); a node that is
    /// not this comment, or any unclear answer, leaves the comment's signals as they were.
    /// </summary>
    private async Task<List<Polled>> AddSignalsAsync(GitHubUsage usage, long installationId, List<Polled> polled, CancellationToken ct)
    {
        if (usage.IsUnavailable(installationId, RateBucket.GraphQl, out _)) return polled;
        var alive = polled.Where(p => p.Result.Outcome is FetchOutcome.Known or FetchOutcome.NotModified).ToList();
        var nodeIds = new List<(CommentKey, string?)>();
        var lookups = await Task.WhenAll(alive.Where(p => p.Comment.NodeId is null)
            .Select(async p => (p, await github.Comments.GetNodeIdAsync(usage, installationId, p.Comment.Ref, ct))));
        var withNodes = new Dictionary<CommentKey, string>();
        foreach (var (p, (outcome, nodeId)) in lookups)
            if (outcome == FetchOutcome.Known && nodeId is not null) { withNodes[p.Comment.Key] = nodeId; nodeIds.Add((p.Comment.Key, nodeId)); }
        foreach (var p in alive) if (p.Comment.NodeId is { } n) withNodes[p.Comment.Key] = n;

        var wantText = alive.Where(p => p.Comment.NeedsText && withNodes.ContainsKey(p.Comment.Key)).Select(p => withNodes[p.Comment.Key]).ToHashSet();
        var answers = await github.Comments.GetSignalsAsync(usage, installationId, [.. withNodes.Values], ct, wantText);
        var result = new List<Polled>(polled.Count);
        foreach (var p in polled)
        {
            if (!withNodes.TryGetValue(p.Comment.Key, out var node) || !answers.TryGetValue(node, out var answer)
                || answer is not { Result.Outcome: FetchOutcome.Known, Signals: { } signals })
            {
                result.Add(p);
                continue;
            }
            var c = p.Comment with { NodeId = node };
            if (Mismatch(c, answer) is null && c.RepositoryGitHubId is not null) result.Add(p with { Comment = c, Signals = signals, Text = answer.Text });
            else
            {
                if (Mismatch(c, answer) is not null) nodeIds.Add((c.Key, null));
                result.Add(p);
            }
        }
        await store.SetNodeIdsAsync(nodeIds, ct);
        return result;
    }

    /// <summary>Why a node's answer is not the comment registered in the run's repository, or null when it is.</summary>
    private static string? Mismatch(PollableComment c, NodeReactions answer)
    {
        var expectedType = c.Kind == CommentKind.Inline ? "PullRequestReviewComment" : "IssueComment";
        return answer.TypeName != expectedType ? $"is a {answer.TypeName}, not a {expectedType}"
            : answer.CommentId != c.Key.Id ? $"is comment {answer.CommentId?.ToString() ?? "?"}, not {c.Key.Id}"
            : c.RepositoryGitHubId is null ? null
            : answer.RepositoryId != c.RepositoryGitHubId ? $"belongs to repository {answer.RepositoryId?.ToString() ?? "?"}, not {c.Repository} ({c.RepositoryGitHubId})"
            : null;
    }

    /// <summary>Pull requests whose threads one cycle reads at most, per installation (10 a request, 5 points each).</summary>
    public const int ThreadsPerCycle = 100;

    /// <summary>GitHub's formula for one pull request in <see cref="GraphQlDocuments.Threads"/>: (1 + 50 threads) / 100.</summary>
    public const double ThreadPointsPerPullRequest = 0.51;

    /// <summary>Further pages of review threads one cycle reads at most, per installation.</summary>
    public const int ExtraThreadPages = 10;

    /// <summary>
    /// Review threads of the installation's due pull requests: resolved, by whom, human replies, written for our
    /// inline comments in them. A pull request answered incompletely is left as it was and asked again next cycle.
    /// </summary>
    private async Task PollThreadsAsync(GitHubUsage usage, long installationId, DateTimeOffset now, PollReport report, CancellationToken ct)
    {
        if (usage.IsUnavailable(installationId, RateBucket.GraphQl, out _) || usage.IsUnavailable(installationId, out _)) return;
        try
        {
            // Under the budget schedule threads spend only what the comments left of the cycle's points: reactions
            // first, and the share holds. A pull request costs about half a point (GraphQlDocuments.Threads).
            var max = ThreadsPerCycle;
            var left = budgets.GraphQlPointsLeft(usage, installationId);
            if (left is { } l) max = Math.Min(max, (int)Math.Floor(l / ThreadPointsPerPullRequest));
            if (max < 1) return;
            var due = await store.DueThreadsAsync(installationId, now, settings.PollerWindowDays, max, ct);
            if (due.Count == 0) return;
            // Pages past a pull request's first 50 threads cost a point each: what the budget has left over, and never
            // more than ExtraThreadPages a cycle (a pull request with hundreds of threads is read in part).
            var extra = Math.Min(ExtraThreadPages, left is { } rest ? (int)Math.Floor(rest - due.Count * ThreadPointsPerPullRequest) : ExtraThreadPages);
            var answers = await github.PullRequests.GetThreadsAsync(usage, installationId, due, Math.Max(0, extra), ct);
            var read = new List<string>();
            var states = new List<ReviewThreadState>();
            foreach (var (pr, answer) in answers)
            {
                if (answer.Outcome != FetchOutcome.Known)
                {
                    log.LogWarning("Threads of pull request {PullRequest} unknown this cycle: {Error}", pr, answer.Error);
                    if (answer.Outcome == FetchOutcome.Failed) report.Error($"threads of pull request {pr}: {answer.Error}");
                    continue;
                }
                read.Add(pr);
                foreach (var thread in answer.Threads)
                {
                    foreach (var comment in thread.Comments)
                    {
                        var replies = thread.Comments.Count(c => !c.IsBot && c.CommentId != comment.CommentId);
                        states.Add(new ReviewThreadState(pr, comment.CommentId, thread.NodeId, thread.Resolved, thread.ResolvedBy,
                            thread.ResolvedByBot, replies, comment.Login));
                    }
                }
            }
            await store.WriteThreadsAsync(read, states, time.GetUtcNow(), ct);
            if (applied is not null)
                await applied.RecordHeadsAsync([.. answers.Where(a => a.Value is { Outcome: FetchOutcome.Known, HeadOid: not null })
                    .Select(a => (a.Key, a.Value.HeadOid!))], time.GetUtcNow(), ct);
            await store.DecideAsync(new DispositionScope.PullRequestNodes(read), ct);
        }
        catch (InstallationUnavailableException e)
        {
            log.LogWarning("Installation {InstallationId}: threads not read this cycle: {Reason}", installationId, e.Message);
        }
    }

    private async Task<List<Polled>> FetchGraphQlAsync(GitHubUsage usage,
        long installationId, PollableComment[] batch, PollReport report, CancellationToken ct)
    {
        var results = new List<Polled>(batch.Length);
        var withNodes = new List<PollableComment>(batch.Length);
        var nodeIds = new List<(CommentKey, string?)>();

        // Node ids come from capture; the few missing are looked up once by REST and stored.
        var missing = batch.Where(c => c.NodeId is null).ToList();
        var lookups = await Task.WhenAll(missing.Select(async c => (c, await github.Comments.GetNodeIdAsync(usage, installationId, c.Ref, ct))));
        foreach (var (c, (outcome, nodeId)) in lookups)
        {
            if (outcome == FetchOutcome.Known) { nodeIds.Add((c.Key, nodeId)); withNodes.Add(c with { NodeId = nodeId }); }
            else results.Add(new Polled(c, outcome == FetchOutcome.Gone ? ReactionsResult.Gone : ReactionsResult.Fail("node id lookup failed")));
        }
        withNodes.AddRange(batch.Where(c => c.NodeId is not null));

        var wantText = withNodes.Where(c => c.NeedsText).Select(c => c.NodeId!).ToHashSet();
        var byNode = await github.Reactions.GetGraphQlAsync(usage, installationId, [.. withNodes.Select(c => c.NodeId!)], ct, wantText);
        foreach (var c in withNodes)
        {
            var answer = byNode.TryGetValue(c.NodeId!, out var r) ? r : new NodeReactions(null, null, null, ReactionsResult.Fail("no answer for node"));
            var verified = await VerifyAsync(usage, installationId, c, answer, nodeIds, ct);
            var whole = ReferenceEquals(verified, answer.Result) && verified.Outcome == FetchOutcome.Known;
            results.Add(new Polled(c, verified, whole ? answer.Signals : null, whole ? answer.Text : null));
        }
        await store.SetNodeIdsAsync(nodeIds, ct);
        return results;
    }

    /// <summary>
    /// A node id may come from a client: its answer counts only when it is the comment registered (type and id) in the
    /// run's repository. A wrong one is forgotten, so the comment's own id is looked up again. A NOT_FOUND node is
    /// asked about by REST before anyone calls the comment deleted.
    /// </summary>
    private async Task<ReactionsResult> VerifyAsync(GitHubUsage usage, long installationId, PollableComment c, NodeReactions answer,
        List<(CommentKey, string?)> nodeIds, CancellationToken ct)
    {
        if (answer.Result.Outcome == FetchOutcome.Gone)
        {
            var (outcome, actual) = await github.Comments.GetNodeIdAsync(usage, installationId, c.Ref with { NodeId = null }, ct);
            if (outcome == FetchOutcome.Gone) return ReactionsResult.Gone;
            if (outcome == FetchOutcome.Known && actual != c.NodeId) nodeIds.Add((c.Key, actual));
            return ReactionsResult.Fail(outcome == FetchOutcome.Known
                ? $"node {c.NodeId} did not resolve but the comment exists (node id {actual})"
                : "node not found and the comment could not be checked");
        }
        if (answer.Result.Outcome != FetchOutcome.Known) return answer.Result;

        var mismatch = Mismatch(c, answer);
        if (c.RepositoryGitHubId is null && mismatch is null)
            return ReactionsResult.Fail($"node {c.NodeId}: the repository's id is unknown this cycle, so the node can't be checked");
        if (mismatch is null) return answer.Result;
        nodeIds.Add((c.Key, null));
        return ReactionsResult.Fail($"node {c.NodeId} {mismatch}: not polled with it");
    }

    private async Task<IReadOnlyList<CommentKey>> ApplyAsync(InstallationAccess? reach, List<Polled> results, PollReport report, CancellationToken ct)
    {
        var known = new List<KnownReactions>();
        // Signals only of nodes GitHub answered whole: a failed or unclear node keeps its previous signals.
        var signals = results.Where(p => p.Signals is not null).Select(p => (p.Comment.Key, p.Signals!)).ToList();
        var gone = new List<CommentKey>();
        int unchanged = 0, failed = 0, skipped = 0;
        foreach (var (c, raw, _, _) in results)
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
                        c.Key.Kind.ToWire(), c.Key.Id, c.Repository, r.Error);
                    report.Error($"{c.Key} ({c.Repository}): {r.Error}");
                    break;
            }
        }

        var counts = await reconciler.ReconcileAsync(known, time.GetUtcNow(), ct, settings.PollerInterval);
        await commentPolls.WriteSignalsAsync(signals, time.GetUtcNow(), ct);
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
        return [.. known.Select(k => k.Comment), .. signals.Select(x => x.Key)];
    }

    /// <summary>Installation-wide conditions as this cycle saw them: a token GitHub won't mint, a rate-limited bucket.</summary>
    private async Task RecordInstallationConditionsAsync(GitHubUsage usage, IEnumerable<long> owned, CancellationToken ct)
    {
        var limited = usage.RateLimited.GroupBy(x => x.Installation).ToDictionary(g => g.Key, g => string.Join("; ", g.Select(x => x.Reason)));
        foreach (var installationId in owned)
        {
            if (usage.IsUnavailable(installationId, out var why)) await conditions.SetAsync(installationId, null, ConditionKind.TokenFailed, why, ct);
            else await conditions.ClearAsync(installationId, null, ConditionKind.TokenFailed, ct);
            if (limited.TryGetValue(installationId, out var reason)) await conditions.SetAsync(installationId, null, ConditionKind.RateLimited, reason, ct);
            else await conditions.ClearAsync(installationId, null, ConditionKind.RateLimited, ct);
        }
    }

    /// <summary>One comment's answer this cycle: its reactions, and its signals when its node was answered whole.</summary>
    private sealed record Polled(PollableComment Comment, ReactionsResult Result, CommentSignals? Signals = null, CommentText? Text = null);

    private static void Add(PollReport report, int failed)
    {
        lock (report) report.CommentsFailed += failed;
    }
}
