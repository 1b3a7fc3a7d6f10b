using System.Text.Json;
using FeedbackDashboard.Core.GitHub;
using Npgsql;

namespace FeedbackDashboard.Core.Polling;

public static class Jobs
{
    public const string Reactions = "reactions";
    public const string Maintainers = "maintainers";
}

/// <summary>What one job run did; written to poll_cycles when it ends.</summary>
public sealed class CycleReport
{
    public const int MaxErrors = 50;

    public string Status { get; set; } = "ok";
    public int CommentsSelected { get; set; }
    public int CommentsChecked { get; set; }
    public int CommentsUnchanged { get; set; }
    public int CommentsFailed { get; set; }
    public int CommentsGone { get; set; }
    public int ReactionsInserted { get; set; }
    public int ReactionsDeleted { get; set; }
    public int CapturesProcessed { get; set; }
    public int ReposOk { get; set; }
    public int ReposFailed { get; set; }
    public int ReposSkippedEmpty { get; set; }
    public int ReposGuarded { get; set; }
    public int RowsChanged { get; set; }
    public int InstallationsSkipped { get; set; }
    /// <summary>Comments of repositories the installation no longer reaches: paused, not failed.</summary>
    public int CommentsPaused { get; set; }
    /// <summary>Reactions by bots and deleted accounts, which are not feedback and are stored by neither strategy.</summary>
    public int SkippedNonHuman { get; set; }

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
}

/// <summary>A rate-limit bucket as the health page shows it.</summary>
public sealed record BucketView(
    [property: System.Text.Json.Serialization.JsonPropertyName("limit")] int Limit,
    [property: System.Text.Json.Serialization.JsonPropertyName("remaining")] int Remaining,
    [property: System.Text.Json.Serialization.JsonPropertyName("reset_at")] DateTimeOffset ResetAt);

/// <summary>Writes poll_cycles rows: one when a run starts (status running), completed when it ends.</summary>
public sealed class PollCycleRecorder(NpgsqlDataSource db, TimeProvider time)
{
    public static string Instance { get; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    private readonly Dictionary<long, (string Job, DateTimeOffset Started)> _running = [];

    private void RecordMetrics(long id, CycleReport report)
    {
        lock (_running)
        {
            if (_running.Remove(id, out var run))
                Telemetry.CycleDuration.Record((time.GetUtcNow() - run.Started).TotalSeconds, new KeyValuePair<string, object?>("job", run.Job));
        }
        Telemetry.CommentsChecked.Add(report.CommentsChecked, new KeyValuePair<string, object?>("outcome", "known"));
        Telemetry.CommentsChecked.Add(report.CommentsUnchanged, new KeyValuePair<string, object?>("outcome", "unchanged"));
        Telemetry.CommentsChecked.Add(report.CommentsFailed, new KeyValuePair<string, object?>("outcome", "failed"));
        Telemetry.CommentsChecked.Add(report.CommentsGone, new KeyValuePair<string, object?>("outcome", "gone"));
        Telemetry.ReactionsInserted.Add(report.ReactionsInserted);
        Telemetry.ReactionsDeleted.Add(report.ReactionsDeleted);
        Telemetry.MaintainersRefreshes.Add(report.ReposOk, new KeyValuePair<string, object?>("outcome", "ok"));
        Telemetry.MaintainersRefreshes.Add(report.ReposFailed, new KeyValuePair<string, object?>("outcome", "failed"));
        Telemetry.MaintainersRefreshes.Add(report.ReposSkippedEmpty, new KeyValuePair<string, object?>("outcome", "skipped_empty"));
        Telemetry.MaintainersRefreshes.Add(report.ReposGuarded, new KeyValuePair<string, object?>("outcome", "guarded"));
    }

    /// <summary>{installation: {core|graphql: {limit, remaining, reset_at}}}, as GitHub last reported them.</summary>
    private static Dictionary<string, Dictionary<string, BucketView>> RateLimitsJson(GitHubSession session) =>
        session.RateLimits.GroupBy(kv => kv.Key.Installation).ToDictionary(
            g => g.Key.ToString(),
            g => g.ToDictionary(kv => kv.Key.Bucket == RateBucket.GraphQl ? "graphql" : "core",
                kv => new BucketView(kv.Value.Limit, kv.Value.Remaining, kv.Value.ResetAt)));

    public async Task<long> StartAsync(string job, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "insert into poll_cycles (job, instance, started_at, status) values (@job, @instance, @now, 'running') returning id");
        cmd.Parameters.AddWithValue("job", job);
        cmd.Parameters.AddWithValue("instance", Instance);
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        var id = (long)(await cmd.ExecuteScalarAsync(ct))!;
        lock (_running) _running[id] = (job, time.GetUtcNow());
        return id;
    }

    /// <summary>Completes the row. Runs even when the cycle was cancelled, so it takes no cancellation token.</summary>
    public async Task FinishAsync(long id, CycleReport report, GitHubSession session)
    {
        RecordMetrics(id, report);
        await using var cmd = db.CreateCommand("""
            update poll_cycles set finished_at = @now, status = @status,
                comments_selected = @selected, comments_checked = @checked, comments_unchanged = @unchanged,
                comments_failed = @failed, comments_gone = @gone, reactions_inserted = @inserted, reactions_deleted = @deleted,
                captures_processed = @captures, repos_ok = @repos_ok, repos_failed = @repos_failed,
                repos_skipped_empty = @repos_empty, repos_guarded = @repos_guarded, rows_changed = @rows_changed,
                requests_made = @requests, not_modified = @not_modified,
                points_core = @points_core, points_graphql = @points_graphql, skipped_non_human = @skipped,
                rate_limits = @rate::jsonb, errors = @errors::jsonb
            where id = @id
            """);
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        cmd.Parameters.AddWithValue("status", report.Status);
        cmd.Parameters.AddWithValue("selected", report.CommentsSelected);
        cmd.Parameters.AddWithValue("checked", report.CommentsChecked);
        cmd.Parameters.AddWithValue("unchanged", report.CommentsUnchanged);
        cmd.Parameters.AddWithValue("failed", report.CommentsFailed);
        cmd.Parameters.AddWithValue("gone", report.CommentsGone);
        cmd.Parameters.AddWithValue("inserted", report.ReactionsInserted);
        cmd.Parameters.AddWithValue("deleted", report.ReactionsDeleted);
        cmd.Parameters.AddWithValue("captures", report.CapturesProcessed);
        cmd.Parameters.AddWithValue("repos_ok", report.ReposOk);
        cmd.Parameters.AddWithValue("repos_failed", report.ReposFailed);
        cmd.Parameters.AddWithValue("repos_empty", report.ReposSkippedEmpty);
        cmd.Parameters.AddWithValue("repos_guarded", report.ReposGuarded);
        cmd.Parameters.AddWithValue("rows_changed", report.RowsChanged);
        cmd.Parameters.AddWithValue("requests", session.Requests);
        cmd.Parameters.AddWithValue("not_modified", session.NotModified);
        cmd.Parameters.AddWithValue("points_core", session.CorePoints);
        cmd.Parameters.AddWithValue("points_graphql", session.GraphQlPoints);
        cmd.Parameters.AddWithValue("skipped", report.SkippedNonHuman);
        cmd.Parameters.AddWithValue("rate", JsonSerializer.Serialize(RateLimitsJson(session)));
        cmd.Parameters.AddWithValue("errors", JsonSerializer.Serialize(report.Errors));
        cmd.Parameters.AddWithValue("id", id);
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
