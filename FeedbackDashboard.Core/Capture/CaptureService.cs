using System.Text.Json;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Repositories;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Capture;

/// <summary>Conflict: the repository is registered under another installation, or the run belongs to one; nothing was written.</summary>
public enum Upsert { Created, Updated, Conflict }

/// <summary>What a registration did; on a conflict, what stood in the way (which installation the repository or run has).</summary>
public sealed record TaskRegistration(Guid Id, Upsert Result, string? Conflict = null);

public sealed record CommentsRecorded(int Received, int Inserted);

/// <summary>Writes what the review bot reports: runs, the comments it posted, and reviews to capture later.</summary>
public sealed class CaptureService(NpgsqlDataSource db, TimeProvider time)
{
    /// <summary>
    /// Registers a run (or updates it). An unknown repository is registered under the run's installation; a known one
    /// keeps its own (GitHub tells which, through the App's webhooks and installation lists), so a run naming another
    /// installation, or an existing run posted under another one, is a conflict that writes nothing.
    /// </summary>
    public Task<TaskRegistration> RegisterTaskAsync(TaskInput input, CancellationToken ct)
    {
        var id = input.Id ?? Guid.CreateVersion7(time.GetUtcNow());
        return Transient.RetryOnceAsync(() => UpsertTaskAsync(id, input, ct), ct);
    }

    private async Task<TaskRegistration> UpsertTaskAsync(Guid id, TaskInput input, CancellationToken ct)
    {
        var repo = input.Repository!;
        var slash = repo.IndexOf('/');

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using var cmd = new NpgsqlCommand($$"""
            with repo as ({{RepositoryRegistry.RegisterUnderInstallation}})
            insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login,
                               pr_author_association, created_at, updated_at, labels)
            select @id, repo.id, @installation, @pr, @author_id, @author_login, @author_association,
                   coalesce(@created_at, @now), @now, coalesce(@labels, '{}'::jsonb)
            from repo
            on conflict (id) do update
                set repository_id = excluded.repository_id, installation_id = excluded.installation_id,
                    pr_number = excluded.pr_number, pr_author_id = excluded.pr_author_id,
                    pr_author_login = excluded.pr_author_login, pr_author_association = excluded.pr_author_association,
                    created_at = coalesce(@created_at, tasks.created_at), updated_at = excluded.updated_at,
                    labels = coalesce(@labels, tasks.labels)
                where tasks.installation_id = excluded.installation_id
            returning (xmax = 0)
            """, conn, tx);
        cmd.Parameters.AddWithValue("owner", repo[..slash]);
        cmd.Parameters.AddWithValue("name", repo[(slash + 1)..]);
        cmd.Parameters.AddWithValue("full_name", repo.ToLowerInvariant());
        cmd.Parameters.AddWithValue("installation", input.InstallationId!.Value);
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("pr", input.PrNumber!.Value);
        cmd.Parameters.AddWithValue("author_id", input.PrAuthor!.GithubId!.Value);
        cmd.Parameters.AddWithValue("author_login", input.PrAuthor.Login!);
        cmd.Parameters.AddWithValue("author_association", input.PrAuthor.Association!);
        cmd.Parameters.Add(new NpgsqlParameter("created_at", NpgsqlDbType.TimestampTz) { Value = (object?)input.CreatedAt?.ToUniversalTime() ?? DBNull.Value });
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        // Labels posted again replace the run's labels; a post without them keeps what it had.
        cmd.Parameters.Add(new NpgsqlParameter("labels", NpgsqlDbType.Jsonb)
        {
            Value = input.Labels is null ? DBNull.Value : JsonSerializer.Serialize(input.Labels, SnakeCaseJson.Options),
        });
        if (await cmd.ExecuteScalarAsync(ct) is bool inserted)
        {
            await tx.CommitAsync(ct);
            return new TaskRegistration(id, inserted ? Upsert.Created : Upsert.Updated);
        }

        // Nothing written: say which installation the repository or the run belongs to.
        await using var why = new NpgsqlCommand("""
            select (select installation_id from repositories where full_name = @full_name) as repository,
                   (select installation_id from tasks where id = @id) as task
            """, conn, tx);
        why.Parameters.AddWithValue("full_name", repo.ToLowerInvariant());
        why.Parameters.AddWithValue("id", id);
        await using var r = await why.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var repositoryInstallation = r.Get<long?>("repository");
        var taskInstallation = r.Get<long?>("task");
        var conflict = repositoryInstallation is { } ri && ri != input.InstallationId
            ? $"repository {repo.ToLowerInvariant()} is registered under installation {ri} (GitHub's; a caller can't move it)"
            : $"run {id} belongs to installation {taskInstallation} (a run can't move to another installation)";
        return new TaskRegistration(id, Upsert.Conflict, conflict);
    }

    public async Task<bool> TaskExistsAsync(Guid taskId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select exists(select 1 from tasks where id = @id)");
        cmd.Parameters.AddWithValue("id", taskId);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Records posted comments in one statement. Idempotent on (kind, github_comment_id): a repeat changes nothing,
    /// except that a node id or text learned later fills an empty one.
    /// </summary>
    public async Task<CommentsRecorded> AddCommentsAsync(Guid taskId, IReadOnlyList<CapturedComment> comments, CancellationToken ct)
    {
        // One row per key: ON CONFLICT cannot touch the same row twice in a statement. Sorted, so concurrent
        // posts of the same comments lock their rows in the same order and cannot deadlock each other.
        var unique = comments.DistinctBy(c => (c.Kind, c.GithubCommentId))
            .OrderBy(c => c.Kind, StringComparer.Ordinal).ThenBy(c => c.GithubCommentId).ToList();
        var inserted = await Transient.RetryOnceAsync(() => InsertCommentsAsync(taskId, unique, ct), ct);
        return new CommentsRecorded(comments.Count, inserted);
    }

    private async Task<int> InsertCommentsAsync(Guid taskId, IReadOnlyList<CapturedComment> unique, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await CommentRegistration.InsertAsync(conn, null, taskId, unique, time.GetUtcNow(), ct);
    }

    /// <summary>Stores a review to capture; the poller reads its comments from GitHub. A failed capture posted again retries.</summary>
    public async Task<string> AddReviewCaptureAsync(Guid taskId, ReviewCaptureInput input, CancellationToken ct)
    {
        var findings = JsonSerializer.Serialize(input.Findings!.Select(f => f!), SnakeCaseJson.Options);
        await using var cmd = db.CreateCommand("""
            insert into review_captures (task_id, github_review_id, findings, status, created_at)
            values (@task, @review, @findings::jsonb, 'pending', @now)
            on conflict (task_id, github_review_id) do update
                set findings = excluded.findings, status = 'pending', reason = null, attempts = 0
                where review_captures.status = 'failed'
            returning status
            """);
        cmd.Parameters.AddWithValue("task", taskId);
        cmd.Parameters.AddWithValue("review", input.GithubReviewId!.Value);
        cmd.Parameters.AddWithValue("findings", findings);
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        if (await cmd.ExecuteScalarAsync(ct) is string status) return status;

        // Already pending or done: report what it is.
        await using var current = db.CreateCommand("select status from review_captures where task_id = @task and github_review_id = @review");
        current.Parameters.AddWithValue("task", taskId);
        current.Parameters.AddWithValue("review", input.GithubReviewId!.Value);
        return (string)(await current.ExecuteScalarAsync(ct))!;
    }
}

/// <summary>
/// PostgreSQL's "try again" answers (deadlock detected 40P01, serialization failure 40001): the statement was rolled
/// back whole, so running it once more is safe, and a client never sees a 500 for a race it did not cause.
/// </summary>
public static class Transient
{
    public static async Task<T> RetryOnceAsync<T>(Func<Task<T>> run, CancellationToken ct)
    {
        try
        {
            return await run();
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
        {
            await Task.Delay(Random.Shared.Next(5, 50), ct);
            return await run();
        }
    }
}
