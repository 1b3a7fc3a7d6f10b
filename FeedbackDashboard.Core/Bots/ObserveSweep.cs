using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Reactions;
using FeedbackDashboard.Core.Runs;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FeedbackDashboard.Core.Bots;

/// <summary>An observed-bots sweep: repositories swept or failed, comments read and stored, pull requests asked about.</summary>
public sealed class SweepReport : CycleReport
{
    public int ReposOk { get; set; }
    public int ReposFailed { get; set; }
    public int CommentsRead { get; set; }
    /// <summary>Comments registered or whose edited body was taken.</summary>
    public int CommentsStored { get; set; }
    public int Candidates { get; set; }
    public int PullRequestsFetched { get; set; }
    public int InstallationsSwept { get; set; }
    public int InstallationsSkipped { get; set; }
    /// <summary>An installation's budget ran out before all its repositories were swept: they resume from their cursors.</summary>
    public bool BudgetSpent { get; set; }

    public CycleStatus Settle()
    {
        Settle(ReposFailed > 0 || ErrorCount > 0, ReposOk > 0);
        return Status == CycleStatus.Ok && BudgetSpent ? Status = CycleStatus.Partial : Status;
    }

    public override IEnumerable<(string Column, int Value)> Counters() =>
    [
        ("repos_ok", ReposOk), ("repos_failed", ReposFailed), ("comments_checked", CommentsRead), ("rows_changed", CommentsStored),
        ("installations_polled", InstallationsSwept), ("installations_skipped", InstallationsSkipped),
    ];

    public override void RecordMetrics()
    {
    }
}

/// <summary>
/// Reads each installed repository's two comment lists from where the last sweep stopped (per repository and list
/// cursors), so a profiled bot's comment no webhook brought is registered all the same. Installations are split over
/// the live pollers like the reactions poll; each spends at most POLLER_BUDGET_SHARE of its hourly core limit, less what
/// the last hour already spent, and stops when that is gone: the cursors say where the next sweep goes on.
/// </summary>
public sealed class ObserveSweep(NpgsqlDataSource db, GitHubClient github, ObservedComments observed, PollCycleRecorder recorder,
    PollerPresence presence, FeedbackSettings settings, TimeProvider time, ILogger<ObserveSweep> log)
{
    private const long LockKeyBase = 0x4F42_5356_0000_0000L; // "OBSV": one sweep of an installation at a time across pollers

    /// <summary>
    /// Points kept in hand before each request: a 5xx is retried by the transport (each attempt is charged), so one
    /// call may cost this many.
    /// </summary>
    public const int RequestHeadroom = 1 + GitHubTransport.MaxServerRetries;

    private sealed record Repo(long Id, string FullName, long InstallationId);

    private sealed class BudgetSpentException() : Exception("the installation's sweep budget is spent");

    /// <summary>What one installation may spend in this sweep, checked before each request.</summary>
    private sealed class Allowance(GitHubUsage usage, long installation, int allowed, int floor)
    {
        private readonly int _before = usage.PointsOf(installation, RateBucket.Core);

        public int Spent => usage.PointsOf(installation, RateBucket.Core) - _before;

        /// <summary>True when a request (with its possible retries) fits both our share and what GitHub says is left above the others' share.</summary>
        public bool CanRequest() =>
            Spent + RequestHeadroom <= allowed
            && (!usage.RateLimits.TryGetValue((installation, RateBucket.Core), out var now) || now.Remaining - RequestHeadroom >= floor);
    }

    public async Task<SweepReport> RunAsync(CancellationToken ct)
    {
        var report = new SweepReport();
        var usage = new GitHubUsage();
        var cycleId = await recorder.RecordRunAsync(Job.Observe, "Observed-bots sweep", report, usage, async _ =>
        {
            var repos = await LoadReposAsync(ct);
            var installations = repos.Select(r => r.InstallationId).Distinct().ToList();
            var assigned = InstallationLocks.Assign(installations, [.. await presence.LiveAsync(ct)]);
            foreach (var installation in installations)
            {
                ct.ThrowIfCancellationRequested();
                if (assigned.GetValueOrDefault(installation) != presence.Self)
                {
                    report.InstallationsSkipped++;
                    continue;
                }
                await SweepInstallationAsync(usage, installation, [.. repos.Where(r => r.InstallationId == installation)], report, ct);
            }
            report.Settle();
        }, e => e is NpgsqlException ? $"sweep failed: {e.Message}" : null, log, ct);
        log.LogInformation("Observed-bots sweep {CycleId} {Status}: {Ok} repositories swept, {Failed} failed, {Read} comments read, {Stored} stored, " +
                           "{Requests} requests, {Points} core points", cycleId, report.Status, report.ReposOk, report.ReposFailed, report.CommentsRead,
            report.CommentsStored, usage.Requests, usage.CorePoints);
        return report;
    }

    private async Task SweepInstallationAsync(GitHubUsage usage, long installation, List<Repo> repos, SweepReport report, CancellationToken ct)
    {
        await using var lockConn = await db.OpenConnectionAsync(ct);
        if (!await LockAsync(lockConn, "pg_try_advisory_lock", installation, ct))
        {
            report.InstallationsSkipped++;
            return;
        }
        try
        {
            report.InstallationsSwept++;
            var allowance = await AllowanceAsync(usage, installation, ct);
            // Pull request authors asked of GitHub in this sweep, so each is asked once.
            var authors = new Dictionary<(long, int), PullRequestAuthor?>();
            foreach (var repo in repos)
            {
                if (!allowance.CanRequest())
                {
                    report.BudgetSpent = true;
                    break;
                }
                try
                {
                    await SweepRepoAsync(usage, allowance, repo, authors, report, ct);
                    report.ReposOk++;
                }
                catch (BudgetSpentException)
                {
                    report.BudgetSpent = true;
                    break;
                }
                catch (Exception e) when (e is GitHubRequestException or InstallationUnavailableException)
                {
                    // This repository keeps its cursors and the others go on; an unusable installation ends its sweep.
                    log.LogWarning("Sweep of {Repository} (installation {InstallationId}) stopped: {Error}", repo.FullName, installation, e.Message);
                    report.ReposFailed++;
                    report.Error($"{repo.FullName}: {e.Message}");
                    if (e is InstallationUnavailableException) break;
                }
            }
            if (allowance.Spent > 0 || usage.RateLimits.ContainsKey((installation, RateBucket.Core)))
                await RecordSpendAsync(usage, installation, allowance.Spent, ct);
        }
        finally
        {
            // Unlocked here, not left to the pool, which would keep the lock on an idle connection.
            await LockAsync(lockConn, "pg_advisory_unlock", installation, CancellationToken.None);
        }
    }

    private static async Task<bool> LockAsync(NpgsqlConnection conn, string function, long installation, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"select {function}(@k)", conn);
        cmd.Parameters.AddWithValue("k", LockKeyBase ^ installation);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// The installation's share of its hourly core limit less what the sweep (and a REST reactions poll) spent in the
    /// last hour, and never below what GitHub's last reading leaves to the others' share.
    /// </summary>
    private async Task<Allowance> AllowanceAsync(GitHubUsage usage, long installation, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var cmd = db.CreateCommand("""
            select b.rate_limit, b.remaining, b.reset_at,
                   coalesce((select sum(points) from observe_spend s where s.installation_id = @inst and s.spent_at > @now - interval '1 hour'), 0)::int
                   + case when @rest then coalesce((select sum(points) from installation_spend s
                                                    where s.installation_id = @inst and s.cycle_at > @now - interval '1 hour'), 0)::int
                          else 0 end as spent
            from (select 1) one left join observe_budgets b on b.installation_id = @inst
            """);
        cmd.Parameters.AddWithValue("inst", installation);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("rest", settings.PollerStrategy == PollerStrategy.Rest);
        int? limit = null, remaining = null;
        DateTimeOffset? reset = null;
        int spent;
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            if (r.Get<int?>("rate_limit") is { } rateLimit) (limit, remaining, reset) = (rateLimit, r.Get<int>("remaining"), r.Get<DateTimeOffset>("reset_at"));
            spent = r.Get<int>("spent");
        }
        if (limit is null)
        {
            // Never read: ask GitHub (free) rather than assume 5,000 and overspend a smaller limit.
            try
            {
                if ((await github.RateLimit.GetAsync(usage, installation, ct)).TryGetValue(RateBucket.Core, out var read))
                    (limit, remaining, reset) = (read.Limit, read.Remaining, read.ResetAt);
            }
            catch (Exception e) when (e is GitHubRequestException or InstallationUnavailableException)
            {
                // Planned with GitHub's default limit; the sweep's own answers bring the real one.
            }
        }
        var l = limit is > 0 ? limit.Value : PollScheduling.DefaultLimit;
        var allowed = (int)Math.Floor(settings.PollerBudgetShare * l) - spent;
        var floor = (int)Math.Ceiling((1 - settings.PollerBudgetShare) * l);
        if (remaining is { } left && reset > now) allowed = Math.Min(allowed, left - floor);
        return new Allowance(usage, installation, Math.Max(0, allowed), floor);
    }

    private async Task SweepRepoAsync(GitHubUsage usage, Allowance allowance, Repo repo, Dictionary<(long, int), PullRequestAuthor?> authors,
        SweepReport report, CancellationToken ct)
    {
        foreach (var list in new[] { CommentList.Pulls, CommentList.Issues })
            await SweepListAsync(usage, allowance, repo, list, authors, report, ct);
    }

    private sealed record Cursor(DateTimeOffset At, string? ETag, string? ETagToken);

    private async Task SweepListAsync(GitHubUsage usage, Allowance allowance, Repo repo, CommentList list,
        Dictionary<(long, int), PullRequestAuthor?> authors, SweepReport report, CancellationToken ct)
    {
        var cursor = await CursorAsync(repo.Id, list, ct);
        // GitHub's since is inclusive and its times whole seconds: from the second after the cursor, a quiet list
        // answers an empty page, whose ETag the last quiet sweep kept.
        var since = cursor is null ? time.GetUtcNow().AddDays(-settings.BackfillDays) : cursor.At.AddSeconds(1);
        string? url = CommentsClient.FirstPage(repo.FullName, list, since);
        var first = true;
        while (url is not null)
        {
            if (!allowance.CanRequest()) throw new BudgetSpentException();
            var page = await github.Comments.GetPageAsync(usage, repo.InstallationId, list, url, first ? cursor?.ETag : null, first ? cursor?.ETagToken : null, ct);
            if (page.NotModified)
            {
                await SaveCursorAsync(repo.Id, list, null, null, null, ct);
                return;
            }
            report.CommentsRead += page.Comments.Count;
            await StorePageAsync(usage, allowance, repo, list, page.Comments, cursor?.At, authors, report, ct);

            var newest = page.Comments.Count == 0 ? (DateTimeOffset?)null : page.Comments.Max(c => c.UpdatedAt);
            // The next page may hold more of the newest second (a review's comments share one), and a comment updated in
            // this very second may not be listed yet: either way the cursor stays before that second.
            var limit = WholeSecond(page.NextLink is null ? time.GetUtcNow() : newest ?? time.GetUtcNow()).AddSeconds(-1);
            DateTimeOffset? at = newest is { } n ? (n < limit ? n : limit) : cursor is null ? since.AddSeconds(-1) : null;
            var quiet = first && page.Comments.Count == 0 && page.NextLink is null;
            await SaveCursorAsync(repo.Id, list, at, quiet ? page.ETag : null, quiet ? page.ETagToken : null, ct);
            first = false;
            url = page.NextLink;
        }
    }

    /// <summary>
    /// Stores a page's comments, each in its own transaction (one that fails is logged and the others go on), after
    /// asking GitHub for the authors of pull requests a new run needs and no run names yet.
    /// </summary>
    private async Task StorePageAsync(GitHubUsage usage, Allowance allowance, Repo repo, CommentList list, IReadOnlyList<ListedComment> page,
        DateTimeOffset? previousCursor, Dictionary<(long, int), PullRequestAuthor?> authors, SweepReport report, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var swept = page.Where(c => c.PrNumber is not null).Select(c => ToSwept(c, list)).ToList();
        await using var conn = await db.OpenConnectionAsync(ct);
        var needed = new HashSet<int>();
        foreach (var s in swept)
            if (await observed.NeedsRunAsync(conn, s, ct)) needed.Add(s.PrNumber);
        var known = await ObservedComments.KnownAuthorsAsync(conn, repo.Id, [.. needed], ct);
        foreach (var pr in needed.Where(pr => !known.ContainsKey(pr) && !authors.ContainsKey((repo.Id, pr))).Order())
        {
            // Asked before anything of the page is stored: a budget spent here leaves the cursor where it was.
            if (!allowance.CanRequest()) throw new BudgetSpentException();
            var author = await github.PullRequests.GetAuthorAsync(usage, repo.InstallationId, repo.FullName, pr, ct);
            authors[(repo.Id, pr)] = author is { } a ? new PullRequestAuthor(a.Id, a.Login, a.Association) : null;
            report.PullRequestsFetched++;
        }
        foreach (var s in swept)
        {
            var author = known.GetValueOrDefault(s.PrNumber) ?? authors.GetValueOrDefault((repo.Id, s.PrNumber));
            var isNew = previousCursor is null || s.Comment.CreatedAt > previousCursor;
            try
            {
                await using var tx = await conn.BeginTransactionAsync(ct);
                var outcome = await observed.ApplySweptAsync(conn, tx, repo.InstallationId, repo.Id, repo.FullName, s, isNew, author, now, ct);
                await tx.CommitAsync(ct);
                if (outcome is SweptOutcome.Registered or SweptOutcome.Updated) report.CommentsStored++;
                if (outcome == SweptOutcome.Candidate) report.Candidates++;
            }
            catch (Exception e) when (e is PostgresException or InvalidOperationException)
            {
                log.LogWarning("Sweep of {Repository}: comment {Kind}/{Id} not stored: {Error}", repo.FullName, s.Comment.Kind, s.Comment.GithubCommentId, e.Message);
                report.Error($"{repo.FullName}: {s.Comment.Kind} comment {s.Comment.GithubCommentId}: {e.Message}");
            }
        }
    }

    private static SweptComment ToSwept(ListedComment c, CommentList list)
    {
        var kind = list == CommentList.Pulls ? CommentKinds.Inline : CommentKinds.Reply;
        var comment = new CapturedComment(kind, c.Id, c.NodeId, list == CommentList.Pulls ? c.Path : null,
            list == CommentList.Pulls && c.Line is > 0 ? c.Line : null, c.CreatedAt.ToUniversalTime(), null, c.Body, FindingTags.None)
        { HtmlUrl = c.HtmlUrl, AuthorLogin = c.Login, AuthorId = c.UserId };
        return new SweptComment(comment, c.Login, c.UserType, list == CommentList.Pulls ? c.ReviewId : null, c.PrNumber!.Value, c.UpdatedAt);
    }

    private static DateTimeOffset WholeSecond(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private static string Wire(CommentList list) => list == CommentList.Pulls ? "pulls" : "issues";

    private async Task<Cursor?> CursorAsync(long repository, CommentList list, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select cursor_at, etag, etag_token from observe_cursors where repository_id = @repo and list = @list");
        cmd.Parameters.AddWithValue("repo", repository);
        cmd.Parameters.AddWithValue("list", Wire(list));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new Cursor(r.Get<DateTimeOffset>("cursor_at"), r.GetOrNull<string>("etag"), r.GetOrNull<string>("etag_token")) : null;
    }

    /// <summary>Moves the cursor forward (never back) and keeps a quiet page's ETag; null leaves each as it is.</summary>
    private async Task SaveCursorAsync(long repository, CommentList list, DateTimeOffset? at, string? etag, string? etagToken, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            insert into observe_cursors as c (repository_id, list, cursor_at, etag, etag_token, swept_at)
            values (@repo, @list, coalesce(@at, @now), @etag, @token, @now)
            on conflict (repository_id, list) do update
                set cursor_at = greatest(c.cursor_at, coalesce(@at::timestamptz, c.cursor_at)),
                    etag = case when @etag::text is null then c.etag else excluded.etag end,
                    etag_token = case when @etag::text is null then c.etag_token else excluded.etag_token end,
                    swept_at = excluded.swept_at
            """);
        cmd.Parameters.AddWithValue("repo", repository);
        cmd.Parameters.AddWithValue("list", Wire(list));
        cmd.Parameters.Add(new NpgsqlParameter("at", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = (object?)at ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("etag", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)etag ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("token", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)etagToken ?? DBNull.Value });
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task RecordSpendAsync(GitHubUsage usage, long installation, int points, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var batch = db.CreateBatch();
        var spend = new NpgsqlBatchCommand("""
            insert into observe_spend (installation_id, spent_at, points) values (@inst, @now, @points)
            on conflict (installation_id, spent_at) do update set points = observe_spend.points + excluded.points
            """);
        spend.Parameters.AddWithValue("inst", installation);
        spend.Parameters.AddWithValue("now", now);
        spend.Parameters.AddWithValue("points", points);
        batch.BatchCommands.Add(spend);
        var prune = new NpgsqlBatchCommand("delete from observe_spend where installation_id = @inst and spent_at < @now - interval '1 day'");
        prune.Parameters.AddWithValue("inst", installation);
        prune.Parameters.AddWithValue("now", now);
        batch.BatchCommands.Add(prune);
        if (usage.RateLimits.TryGetValue((installation, RateBucket.Core), out var state) && state.Limit > 0)
        {
            var reading = new NpgsqlBatchCommand("""
                insert into observe_budgets (installation_id, rate_limit, remaining, reset_at) values (@inst, @limit, @remaining, @reset)
                on conflict (installation_id) do update
                    set rate_limit = excluded.rate_limit, remaining = excluded.remaining, reset_at = excluded.reset_at
                """);
            reading.Parameters.AddWithValue("inst", installation);
            reading.Parameters.AddWithValue("limit", state.Limit);
            reading.Parameters.AddWithValue("remaining", state.Remaining);
            reading.Parameters.AddWithValue("reset", state.ResetAt);
            batch.BatchCommands.Add(reading);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Installed repositories the installation still reaches, those swept longest ago first (a budget cut leaves the newest).</summary>
    private async Task<List<Repo>> LoadReposAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select r.id, r.owner || '/' || r.name as full_name, r.installation_id
            from repositories r
            where r.installed and r.access_lost_at is null
            order by r.installation_id, (select min(c.swept_at) from observe_cursors c where c.repository_id = r.id) nulls first, r.id
            """);
        var list = new List<Repo>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(new Repo(r.Get<long>("id"), r.Get<string>("full_name"), r.Get<long>("installation_id")));
        return list;
    }
}
