using System.Text.Json;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using Npgsql;

namespace FeedbackDashboard.Core.Runs;

/// <summary>What one job run did; written to poll_cycles when it ends. Each job reports its own counters.</summary>
public abstract class CycleReport
{
    public const int MaxErrors = 50;

    public CycleStatus Status { get; set; } = CycleStatus.Ok;

    /// <summary>The job's counters as poll_cycles columns (each job leaves the other's at their default).</summary>
    public abstract IEnumerable<(string Column, int Value)> Counters();

    /// <summary>Adds the run's counters to the job's metrics.</summary>
    public abstract void RecordMetrics();

    private readonly List<string> _errors = [];
    private int _moreErrors;

    /// <summary>The first 50 errors, then a count: a cycle record stays small however badly GitHub behaves.</summary>
    public IReadOnlyList<string> Errors => _moreErrors == 0 ? _errors : [.. _errors, $"… and {_moreErrors} more"];

    public int ErrorCount => _errors.Count + _moreErrors;

    public void Error(string message)
    {
        lock (_errors)
        {
            if (_errors.Count < MaxErrors) _errors.Add(message);
            else _moreErrors++;
        }
    }

    /// <summary>ok when nothing failed, partial when some work still succeeded, else failed.</summary>
    protected CycleStatus Settle(bool anyFailed, bool anySucceeded) =>
        Status = !anyFailed ? CycleStatus.Ok : anySucceeded ? CycleStatus.Partial : CycleStatus.Failed;
}

/// <summary>A reactions poll cycle (and the review captures it processed).</summary>
public sealed class PollReport : CycleReport
{
    public int CommentsSelected { get; set; }
    public int CommentsChecked { get; set; }
    public int CommentsUnchanged { get; set; }
    public int CommentsFailed { get; set; }
    public int CommentsGone { get; set; }
    public int ReactionsInserted { get; set; }
    public int ReactionsDeleted { get; set; }
    public int CapturesProcessed { get; set; }
    /// <summary>Installations this poller claimed and polled.</summary>
    public int InstallationsPolled { get; set; }
    /// <summary>Installations with work that this poller did not poll: another poller's share, or held by one.</summary>
    public int InstallationsSkipped { get; set; }
    /// <summary>The cycle's deadline cut it short: what was left goes first next cycle.</summary>
    public bool DeadlineReached { get; set; }
    /// <summary>Comments of repositories the installation no longer reaches: paused, not failed.</summary>
    public int CommentsPaused { get; set; }
    /// <summary>Reactions by bots and deleted accounts, which are not feedback and are stored by neither strategy.</summary>
    public int SkippedNonHuman { get; set; }

    /// <summary>A cycle the deadline cut short is partial whatever else happened: it did what its time allowed.</summary>
    public CycleStatus Settle() =>
        DeadlineReached ? Status = CycleStatus.Partial : Settle(ErrorCount > 0, CommentsChecked + CommentsUnchanged > 0);

    public override IEnumerable<(string Column, int Value)> Counters() =>
    [
        ("comments_selected", CommentsSelected), ("comments_checked", CommentsChecked), ("comments_unchanged", CommentsUnchanged),
        ("comments_failed", CommentsFailed), ("comments_gone", CommentsGone), ("reactions_inserted", ReactionsInserted),
        ("reactions_deleted", ReactionsDeleted), ("captures_processed", CapturesProcessed), ("skipped_non_human", SkippedNonHuman),
        ("installations_polled", InstallationsPolled), ("installations_skipped", InstallationsSkipped),
    ];

    public override void RecordMetrics()
    {
        Telemetry.CommentsChecked.Add(CommentsChecked, new KeyValuePair<string, object?>("outcome", "known"));
        Telemetry.CommentsChecked.Add(CommentsUnchanged, new KeyValuePair<string, object?>("outcome", "unchanged"));
        Telemetry.CommentsChecked.Add(CommentsFailed, new KeyValuePair<string, object?>("outcome", "failed"));
        Telemetry.CommentsChecked.Add(CommentsGone, new KeyValuePair<string, object?>("outcome", "gone"));
        Telemetry.ReactionsInserted.Add(ReactionsInserted);
        Telemetry.ReactionsDeleted.Add(ReactionsDeleted);
    }
}

/// <summary>A maintainers refresh.</summary>
public sealed class RefreshReport : CycleReport
{
    public int ReposOk { get; set; }
    public int ReposFailed { get; set; }
    public int ReposSkippedEmpty { get; set; }
    public int ReposGuarded { get; set; }
    public int RowsChanged { get; set; }

    /// <summary>A guarded repository is reported as an error but is not a failure.</summary>
    public CycleStatus Settle() => Settle(ReposFailed > 0, ReposOk + ReposSkippedEmpty + ReposGuarded > 0);

    public override IEnumerable<(string Column, int Value)> Counters() =>
    [
        ("repos_ok", ReposOk), ("repos_failed", ReposFailed), ("repos_skipped_empty", ReposSkippedEmpty),
        ("repos_guarded", ReposGuarded), ("rows_changed", RowsChanged),
    ];

    public override void RecordMetrics()
    {
        Telemetry.MaintainersRefreshes.Add(ReposOk, new KeyValuePair<string, object?>("outcome", "ok"));
        Telemetry.MaintainersRefreshes.Add(ReposFailed, new KeyValuePair<string, object?>("outcome", "failed"));
        Telemetry.MaintainersRefreshes.Add(ReposSkippedEmpty, new KeyValuePair<string, object?>("outcome", "skipped_empty"));
        Telemetry.MaintainersRefreshes.Add(ReposGuarded, new KeyValuePair<string, object?>("outcome", "guarded"));
    }
}

/// <summary>A rate-limit bucket as the health page shows it.</summary>
public sealed record BucketView(
    [property: System.Text.Json.Serialization.JsonPropertyName("limit")] int Limit,
    [property: System.Text.Json.Serialization.JsonPropertyName("remaining")] int Remaining,
    [property: System.Text.Json.Serialization.JsonPropertyName("reset_at")] DateTimeOffset ResetAt);

/// <summary>Writes poll_cycles rows: one when a run starts (status running), completed when it ends.</summary>
public sealed class PollCycleRecorder(NpgsqlDataSource db, TimeProvider time, PollerInstance? instance = null)
{
    private readonly PollerInstance _self = instance ?? PollerInstance.ThisProcess;

    public string Instance => _self.Id;

    private readonly Dictionary<long, (Job Job, DateTimeOffset Started)> _running = [];
    private int _starting;

    private void RecordMetrics(long id, CycleReport report)
    {
        lock (_running)
        {
            if (_running.Remove(id, out var run))
                Telemetry.CycleDuration.Record((time.GetUtcNow() - run.Started).TotalSeconds, new KeyValuePair<string, object?>("job", run.Job.ToWire()));
        }
        report.RecordMetrics();
    }

    /// <summary>{installation: {core|graphql: {limit, remaining, reset_at}}}, as GitHub last reported them.</summary>
    private static Dictionary<string, Dictionary<string, BucketView>> RateLimitsJson(GitHubUsage usage) =>
        usage.RateLimits.GroupBy(kv => kv.Key.Installation).ToDictionary(
            g => g.Key.ToString(),
            g => g.ToDictionary(kv => kv.Key.Bucket == RateBucket.GraphQl ? "graphql" : "core",
                kv => new BucketView(kv.Value.Limit, kv.Value.Remaining, kv.Value.ResetAt)));

    public async Task<long> StartAsync(Job job, CancellationToken ct)
    {
        lock (_running) _starting++;
        try
        {
            await using var cmd = db.CreateCommand(
                "insert into poll_cycles (job, instance, started_at, status) values (@job, @instance, @now, @running) returning id");
            cmd.Parameters.AddWithValue("job", job.ToWire());
            cmd.Parameters.AddWithValue("running", CycleStatus.Running.ToWire());
            cmd.Parameters.AddWithValue("instance", Instance);
            cmd.Parameters.AddWithValue("now", time.GetUtcNow());
            var id = (long)(await cmd.ExecuteScalarAsync(ct))!;
            lock (_running) _running[id] = (job, time.GetUtcNow());
            return id;
        }
        finally
        {
            lock (_running) _starting--;
        }
    }

    /// <summary>
    /// Closes as interrupted the cycles left running by pollers that are gone: this poller's own that it is not running
    /// (an earlier incarnation under the same name, or an end the database never received), those of a poller whose
    /// heartbeat ran out, and, after <paramref name="grace"/>, those of a poller that never beat. Live pollers' cycles
    /// are never touched.
    /// </summary>
    public async Task<int> CloseInterruptedAsync(DateTimeOffset now, TimeSpan grace, CancellationToken ct)
    {
        long[] active;
        bool mineToo;
        lock (_running)
        {
            active = [.. _running.Keys];
            // A row inserted but not yet listed as running here must not look abandoned.
            mineToo = _starting == 0;
        }
        await using var cmd = db.CreateCommand("""
            update poll_cycles c set status = @interrupted, finished_at = @now,
                errors = c.errors || jsonb_build_array('interrupted: its poller (' || c.instance || ') stopped before the cycle ended')
            where c.status = @running and c.id <> all(@active)
              and ((c.instance = @self and @mine_too)
                   or (c.instance <> @self
                       and not exists (select 1 from poller_instances i where i.instance = c.instance and i.alive_until > @now)
                       and (exists (select 1 from poller_instances i where i.instance = c.instance) or c.started_at < @now - @grace)))
            """);
        cmd.Parameters.AddWithValue("interrupted", CycleStatus.Interrupted.ToWire());
        cmd.Parameters.AddWithValue("running", CycleStatus.Running.ToWire());
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("active", active);
        cmd.Parameters.AddWithValue("self", Instance);
        cmd.Parameters.AddWithValue("mine_too", mineToo);
        cmd.Parameters.AddWithValue("grace", grace);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Completes the row. Runs even when the cycle was cancelled, so it takes no cancellation token.</summary>
    public async Task FinishAsync(long id, CycleReport report, GitHubUsage usage)
    {
        RecordMetrics(id, report);
        var counters = report.Counters().ToList();
        // Column names come from the report types above, never from input.
        await using var cmd = db.CreateCommand($"""
            update poll_cycles set finished_at = @now, status = @status,
                {string.Join(", ", counters.Select(c => $"{c.Column} = @{c.Column}"))},
                requests_made = @requests, not_modified = @not_modified,
                points_core = @points_core, points_graphql = @points_graphql,
                rate_limits = @rate::jsonb, errors = @errors::jsonb
            where id = @id
            """);
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        cmd.Parameters.AddWithValue("status", report.Status.ToWire());
        foreach (var (column, value) in counters) cmd.Parameters.AddWithValue(column, value);
        cmd.Parameters.AddWithValue("requests", usage.Requests);
        cmd.Parameters.AddWithValue("not_modified", usage.NotModified);
        cmd.Parameters.AddWithValue("points_core", usage.CorePoints);
        cmd.Parameters.AddWithValue("points_graphql", usage.GraphQlPoints);
        cmd.Parameters.AddWithValue("rate", JsonSerializer.Serialize(RateLimitsJson(usage)));
        cmd.Parameters.AddWithValue("errors", JsonSerializer.Serialize(report.Errors));
        cmd.Parameters.AddWithValue("id", id);
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
