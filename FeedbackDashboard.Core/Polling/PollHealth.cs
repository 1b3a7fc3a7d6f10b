using System.Text.Json;
using Npgsql;

namespace FeedbackDashboard.Core.Polling;

public sealed record CycleView(long Id, string Job, string Instance, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt,
    double? DurationSeconds, string Status, int CommentsSelected, int CommentsChecked, int CommentsUnchanged, int CommentsFailed,
    int CommentsGone, int ReactionsInserted, int ReactionsDeleted, int CapturesProcessed, int ReposOk, int ReposFailed,
    int ReposSkippedEmpty, int ReposGuarded, int RowsChanged, int RequestsMade, int NotModified,
    IReadOnlyDictionary<string, int> RateLimitRemaining, IReadOnlyList<string> Errors);

public sealed record JobHealth(string Job, string Status, int IntervalSecs, DateTimeOffset? LastFinishedAt,
    DateTimeOffset? NextRunAt, IReadOnlyList<CycleView> Cycles);

public sealed record PollerHealth(string Status, string InstanceRole, DateTimeOffset CheckedAt, IReadOnlyList<JobHealth> Jobs);

/// <summary>
/// Health of the scheduled jobs from poll_cycles, readable on any instance: healthy, late (no finished cycle in two
/// intervals), failing (the last three finished cycles failed), disabled (no poller has ever run one).
/// </summary>
public sealed class PollHealth(NpgsqlDataSource db, FeedbackSettings settings, TimeProvider time)
{
    public const int CyclesShown = 20;

    public async Task<PollerHealth> GetAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var jobs = new List<JobHealth>
        {
            await JobAsync(Jobs.Reactions, settings.PollerInterval, now, ct),
            await JobAsync(Jobs.Maintainers, settings.MaintainersRefresh, now, ct),
        };
        var order = new[] { "failing", "late", "disabled", "healthy" };
        var overall = order.First(s => jobs.Any(j => j.Status == s) || s == "healthy");
        return new PollerHealth(overall, settings.Role == Role.Poller ? "poller" : "serve", now, jobs);
    }

    public async Task<IReadOnlyList<CycleView>> RecentAsync(string job, int limit, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select id, job, instance, started_at, finished_at, status, comments_selected, comments_checked, comments_unchanged,
                   comments_failed, comments_gone, reactions_inserted, reactions_deleted, captures_processed, repos_ok,
                   repos_failed, repos_skipped_empty, repos_guarded, rows_changed, requests_made, not_modified,
                   rate_limit_remaining::text, errors::text
            from poll_cycles where job = @job order by started_at desc, id desc limit @limit
            """);
        cmd.Parameters.AddWithValue("job", job);
        cmd.Parameters.AddWithValue("limit", limit);
        var list = new List<CycleView>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var started = r.GetFieldValue<DateTimeOffset>(3);
            DateTimeOffset? finished = r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4);
            list.Add(new CycleView(r.GetInt64(0), r.GetString(1), r.GetString(2), started, finished,
                finished is { } f ? (f - started).TotalSeconds : null, r.GetString(5),
                r.GetInt32(6), r.GetInt32(7), r.GetInt32(8), r.GetInt32(9), r.GetInt32(10), r.GetInt32(11), r.GetInt32(12),
                r.GetInt32(13), r.GetInt32(14), r.GetInt32(15), r.GetInt32(16), r.GetInt32(17), r.GetInt32(18), r.GetInt32(19),
                r.GetInt32(20),
                JsonSerializer.Deserialize<Dictionary<string, int>>(r.GetString(21)) ?? [],
                JsonSerializer.Deserialize<List<string>>(r.GetString(22)) ?? []));
        }
        return list;
    }

    private async Task<JobHealth> JobAsync(string job, TimeSpan interval, DateTimeOffset now, CancellationToken ct)
    {
        var cycles = await RecentAsync(job, CyclesShown, ct);
        var finished = cycles.Where(c => c.FinishedAt is not null).ToList();
        var lastFinished = finished.FirstOrDefault()?.FinishedAt;
        var status = cycles.Count == 0 ? "disabled"
            : finished.Count >= 3 && finished.Take(3).All(c => c.Status == "failed") ? "failing"
            : lastFinished is null || now - lastFinished > 2 * interval ? "late"
            : "healthy";
        var nextRun = cycles.FirstOrDefault() is { } last ? last.StartedAt + interval : (DateTimeOffset?)null;
        return new JobHealth(job, status, (int)interval.TotalSeconds, lastFinished, nextRun, cycles);
    }
}
