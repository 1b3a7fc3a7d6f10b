using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Comments;

/// <summary>
/// What GitHub says happened to registered comments (deleted, edited, threads resolved, access back), written on the
/// caller's connection and transaction so it commits with the delivery or sweep that brought it.
/// </summary>
public static class CommentChanges
{
    /// <summary>Retired: polled only at the re-check rate from now on; the feedback it drew stays.</summary>
    private const string Retired = "gone_at = coalesce(c.gone_at, @now), next_due_at = @now + @recheck";

    /// <summary>
    /// Retires these comments (deleted on GitHub), only the <paramref name="installation"/>'s when one is given: an id
    /// alone would reach any installation's row.
    /// </summary>
    public static async Task RetireAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, IReadOnlyCollection<CommentKey> gone, long? installation,
        DateTimeOffset now, TimeSpan recheckAfter, CancellationToken ct)
    {
        if (gone.Count == 0) return;
        await using var cmd = new NpgsqlCommand($"""
            update review_comments c set {Retired}
            from unnest(@kinds, @ids) as g(kind, id) where c.kind = g.kind and c.github_comment_id = g.id
            {(installation is null ? "" : "and c.installation_id = @inst")}
            """, conn, tx);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("recheck", recheckAfter);
        cmd.Parameters.AddWithValue("kinds", gone.Select(g => g.Kind.ToWire()).ToArray());
        cmd.Parameters.AddWithValue("ids", gone.Select(g => g.Id).ToArray());
        if (installation is { } inst) cmd.Parameters.AddWithValue("inst", inst);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Retires every comment of the installation's repository with this numeric id (or, before it learned it, this
    /// lowercase name): the repository was deleted.
    /// </summary>
    public static async Task RetireRepositoryAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long installation, long repositoryGitHubId,
        string repositoryName, DateTimeOffset now, TimeSpan recheckAfter, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            update review_comments c set {Retired}
            from tasks t join repositories r on r.id = t.repository_id
            where c.task_id = t.id and r.installation_id = @inst
              and (r.github_id = @gid or (r.github_id is null and r.full_name = @name))
            """, conn, tx);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("recheck", recheckAfter);
        cmd.Parameters.AddWithValue("inst", installation);
        cmd.Parameters.AddWithValue("gid", repositoryGitHubId);
        cmd.Parameters.AddWithValue("name", repositoryName);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The installation's comment was edited on GitHub: it takes the new body and the suggestion in it. False when the
    /// body was already this one (or the comment is not registered).
    /// </summary>
    public static async Task<bool> EditAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CommentKey comment, long installation, string body,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            update review_comments set body = @body, suggested_lines = @suggested
            where kind = @kind and github_comment_id = @id and installation_id = @inst and body is distinct from @body
            """, conn, tx);
        cmd.Parameters.AddWithValue("body", body);
        cmd.Parameters.AddWithValue("suggested", NpgsqlDbType.Text, (object?)Suggestions.Lines(body) ?? DBNull.Value);
        cmd.Parameters.AddWithValue("kind", comment.Kind.ToWire());
        cmd.Parameters.AddWithValue("id", comment.Id);
        cmd.Parameters.AddWithValue("inst", installation);
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>
    /// A thread of the installation's inline comments resolved (by <paramref name="resolvedBy"/>, a Bot or not) or
    /// unresolved; the thread's node id is learned when given.
    /// </summary>
    public static async Task SetThreadResolvedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long installation, long[] commentIds,
        bool resolved, string? resolvedBy, bool? resolvedByBot, string? threadNodeId, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            update review_comments set resolved = @resolved, resolved_by = @by, resolved_by_bot = @bot::boolean,
                thread_node_id = coalesce(@thread, thread_node_id),
                resolved_at = coalesce(resolved_at, case when @resolved then @now end),
                resolved_by_kind = review_comment_resolver_kind(@resolved, @by, @bot::boolean, author_login, null)
            where kind = 'inline' and github_comment_id = any(@ids) and installation_id = @inst
            """, conn, tx);
        cmd.Parameters.AddWithValue("resolved", resolved);
        cmd.Parameters.AddWithValue("inst", installation);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("by", NpgsqlDbType.Text, (object?)resolvedBy ?? DBNull.Value);
        if (resolvedByBot is { } bot) cmd.Parameters.AddWithValue("bot", bot);
        else cmd.Parameters.AddWithValue("bot", NpgsqlDbType.Text, DBNull.Value);
        cmd.Parameters.AddWithValue("thread", NpgsqlDbType.Text, (object?)threadNodeId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("ids", commentIds);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The live comments of these repositories are due now (their access is back), so the next cycle polls them.</summary>
    public static async Task MakeDueAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long[] repositoryIds, DateTimeOffset now,
        CancellationToken ct)
    {
        if (repositoryIds.Length == 0) return;
        await using var cmd = new NpgsqlCommand("""
            update review_comments c set next_due_at = least(c.next_due_at, @now)
            from tasks t
            where c.task_id = t.id and t.repository_id = any(@repos) and c.gone_at is null
            """, conn, tx);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("repos", repositoryIds);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
