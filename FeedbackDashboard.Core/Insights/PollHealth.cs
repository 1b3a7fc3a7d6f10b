using System.Text.Json;
using System.Text.Json.Serialization;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Reactions;
using FeedbackDashboard.Core.Repositories;
using FeedbackDashboard.Core.Runs;
using Npgsql;

namespace FeedbackDashboard.Core.Insights;

/// <summary>Rate-limit points a cycle spent, per GitHub bucket.</summary>
public sealed record PointsUsed(
    [property: JsonPropertyName("core")] int Core,
    [property: JsonPropertyName("graphql")] int GraphQl);

public sealed record CycleView(long Id, string Job, string Instance, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt,
    double? DurationSeconds, string Status, int CommentsSelected, int CommentsChecked, int CommentsUnchanged, int CommentsFailed,
    int CommentsGone, int ReactionsInserted, int ReactionsDeleted, int CapturesProcessed, int ReposOk, int ReposFailed,
    int ReposSkippedEmpty, int ReposGuarded, int RowsChanged, int RequestsMade, int NotModified, PointsUsed PointsUsed,
    int SkippedNonHuman, IReadOnlyDictionary<string, Dictionary<string, BucketView>> RateLimits, IReadOnlyList<string> Errors,
    int InstallationsPolled, int InstallationsSkipped);

/// <summary>An installation with work that no poller finished in two intervals; held_by names a poller holding its claim now.</summary>
public sealed record UnpolledInstallation(long InstallationId, DateTimeOffset? LastPolledAt, string? HeldBy);

/// <summary>
/// A job's health. The reactions job is late too when an installation with work went two intervals without a finished
/// poll (<see cref="InstallationsNotPolled"/>), however many cycles ran: a poller that skips installations says so.
/// </summary>
public sealed record JobHealth(string Job, string Status, int IntervalSecs, DateTimeOffset? LastFinishedAt,
    DateTimeOffset? NextRunAt, IReadOnlyList<CycleView> Cycles, IReadOnlyList<UnpolledInstallation> InstallationsNotPolled,
    IReadOnlyList<string> Pollers);

/// <summary>An open condition as served: kind is access_lost | rate_limited | token_failed | renamed | budget_limited.</summary>
public sealed record ConditionView(long InstallationId, string? Repository, string Kind, DateTimeOffset Since, string Detail);

/// <summary>Per installation: its GitHub limit, the share we may spend, what we spent in the last hour, the window and the lag to expect.</summary>
public sealed record BudgetView(int Limit, double Share, int PointsPerHour, int CommentsInWindow, int CapacityPerCycle,
    Reactions.ExpectedLag ExpectedLagS);

public sealed record InstallationView(long InstallationId, BudgetView Budget);

public sealed record PollerHealth(string Status, string InstanceRole, DateTimeOffset CheckedAt, IReadOnlyList<JobHealth> Jobs,
    IReadOnlyList<ConditionView> Conditions, IReadOnlyList<InstallationView> Installations, Webhooks.WebhookHealth Webhooks);

/// <summary>
/// Health of the scheduled jobs from poll_cycles, readable on any instance: healthy, late (no finished cycle in two
/// intervals, or an installation no poller finished in two intervals), failing (the last three finished cycles failed),
/// disabled (no poller has ever run one).
/// </summary>
public sealed class PollHealth(NpgsqlDataSource db, PollConditions conditions, Reactions.PollBudgets budgets, FeedbackSettings settings,
    TimeProvider time, Webhooks.WebhookStats webhooks, Reactions.PollSelection selection)
{
    public const int CyclesShown = 20;

    public async Task<PollerHealth> GetAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var jobs = new List<JobHealth>
        {
            await JobAsync(Job.Reactions, settings.PollerInterval, now, ct),
            await JobAsync(Job.Maintainers, settings.MaintainersRefresh, now, ct),
        };
        // The sweep is shown once it has run: a deployment that never swept (or turned it off) is not "disabled" for it.
        if (settings.ObserveSweep > TimeSpan.Zero && await JobAsync(Job.Observe, settings.ObserveSweep, now, ct) is { Cycles.Count: > 0 } sweep)
            jobs.Add(sweep);
        var order = new[] { HealthStatus.Failing, HealthStatus.Late, HealthStatus.Disabled, HealthStatus.Healthy };
        var overall = order.First(s => jobs.Any(j => j.Status == s.ToWire()) || s == HealthStatus.Healthy).ToWire();
        var open = (await conditions.OpenAsync(ct))
            .Select(c => new ConditionView(c.InstallationId, c.Repository, c.Kind.ToWire(), c.Since, c.Detail)).ToList();
        var installations = (await budgets.AllAsync(now, ct)).Select(b => new InstallationView(b.InstallationId,
            new BudgetView(b.Limit, b.Share, b.PointsPerHour, b.CommentsInWindow, b.Capacity, b.ExpectedLagS))).ToList();
        return new PollerHealth(overall, settings.Role == Role.Poller ? "poller" : "serve", now, jobs, open, installations,
            await webhooks.GetAsync(ct));
    }

    public async Task<IReadOnlyList<CycleView>> RecentAsync(Job job, int limit, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select * from poll_cycles where job = @job order by started_at desc, id desc limit @limit
            """);
        cmd.Parameters.AddWithValue("job", job.ToWire());
        cmd.Parameters.AddWithValue("limit", limit);
        var list = new List<CycleView>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            int Int(string column) => r.Get<int>(column);
            var started = r.Get<DateTimeOffset>("started_at");
            var finished = r.Get<DateTimeOffset?>("finished_at");
            list.Add(new CycleView(r.Get<long>("id"), r.Get<string>("job"), r.Get<string>("instance"),
                started, finished, finished is { } f ? (f - started).TotalSeconds : null, r.Get<string>("status"),
                Int("comments_selected"), Int("comments_checked"), Int("comments_unchanged"), Int("comments_failed"),
                Int("comments_gone"), Int("reactions_inserted"), Int("reactions_deleted"), Int("captures_processed"),
                Int("repos_ok"), Int("repos_failed"), Int("repos_skipped_empty"), Int("repos_guarded"), Int("rows_changed"),
                Int("requests_made"), Int("not_modified"), new PointsUsed(Int("points_core"), Int("points_graphql")),
                Int("skipped_non_human"),
                JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, BucketView>>>(r.Get<string>("rate_limits")) ?? [],
                JsonSerializer.Deserialize<List<string>>(r.Get<string>("errors")) ?? [],
                Int("installations_polled"), Int("installations_skipped")));
        }
        return list;
    }

    private async Task<JobHealth> JobAsync(Job job, TimeSpan interval, DateTimeOffset now, CancellationToken ct)
    {
        var cycles = await RecentAsync(job, CyclesShown, ct);
        // An interrupted cycle ended without finishing its work: it neither counts as finished nor as failed.
        var finished = cycles.Where(c => c.FinishedAt is not null && CycleStatuses.Parse(c.Status) != CycleStatus.Interrupted).ToList();
        var lastFinished = finished.FirstOrDefault()?.FinishedAt;
        var notPolled = job == Job.Reactions && cycles.Count > 0 ? await NotPolledAsync(interval, now, ct) : [];
        var status = cycles.Count == 0 ? HealthStatus.Disabled
            : finished.Count >= 3 && finished.Take(3).All(c => CycleStatuses.Parse(c.Status) == CycleStatus.Failed) ? HealthStatus.Failing
            : lastFinished is null || now - lastFinished > 2 * interval || notPolled.Count > 0 ? HealthStatus.Late
            : HealthStatus.Healthy;
        var nextRun = cycles.FirstOrDefault() is { } last ? last.StartedAt + interval : (DateTimeOffset?)null;
        var pollers = job == Job.Reactions ? await PollersAsync(now, ct) : [];
        return new JobHealth(job.ToWire(), status.ToWire(), (int)interval.TotalSeconds, lastFinished, nextRun, cycles, notPolled, pollers);
    }

    /// <summary>
    /// Installations with comments in the window whose last finished poll is older than two intervals, once pollers have
    /// run that long: skipped by every poller, or always cut short by the deadline.
    /// </summary>
    private async Task<IReadOnlyList<UnpolledInstallation>> NotPolledAsync(TimeSpan interval, DateTimeOffset now, CancellationToken ct)
    {
        var since = now - 2 * interval;
        var installations = await selection.InstallationsAsync(now, settings.PollerWindowDays, ct);
        if (installations.Count == 0) return [];
        await using var cmd = db.CreateCommand("""
            select x.id as installation_id, p.completed_at,
                   case when p.released_at is null and p.lease_until > @now then p.instance end as held_by
            from unnest(@ids) as x(id) left join poller_installations p on p.installation_id = x.id
            where (p.completed_at is null or p.completed_at < @since)
              and exists (select 1 from poll_cycles c where c.job = 'reactions' and c.started_at < @since)
            order by x.id
            """);
        cmd.Parameters.AddWithValue("ids", installations.ToArray());
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("since", since);
        var list = new List<UnpolledInstallation>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new UnpolledInstallation(r.Get<long>("installation_id"), r.Get<DateTimeOffset?>("completed_at"), r.GetOrNull<string>("held_by")));
        return list;
    }

    /// <summary>The pollers alive now, which split the installations between them.</summary>
    private async Task<IReadOnlyList<string>> PollersAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select instance from poller_instances where alive_until > @now order by instance");
        cmd.Parameters.AddWithValue("now", now);
        var list = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(r.Get<string>("instance"));
        return list;
    }
}
