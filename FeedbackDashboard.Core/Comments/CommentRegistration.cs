using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.Model;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Comments;

/// <summary>
/// A comment to register, whichever way it was captured (the API's comment list, a review's comments read from GitHub,
/// an observed bot's comment), so no capture path builds the HTTP API's DTO.
/// </summary>
public sealed record CapturedComment(string Kind, long GithubCommentId, string? NodeId, string? File, int? Line,
    DateTimeOffset? CreatedAt, string? FindingId, string? Body, FindingTags Tags)
{
    /// <summary>GitHub's own link to the comment, when the capture read it from GitHub.</summary>
    public string? HtmlUrl { get; init; }
    /// <summary>Who posted it, when GitHub told us (a webhook's or REST's user).</summary>
    public string? AuthorLogin { get; init; }
    public long? AuthorId { get; init; }
}

/// <summary>Registers comments: the API's capture, review captures and observed bots all write new rows through here.</summary>
public static class CommentRegistration
{
    /// <summary>
    /// The one insert of new rows into review_comments, on the caller's connection (and transaction, when it has one).
    /// <paramref name="unique"/> holds one comment per (kind, github_comment_id), sorted; a comment already registered
    /// under another run keeps that run.
    /// </summary>
    public static async Task<int> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid taskId,
        IReadOnlyList<CapturedComment> unique, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            insert into review_comments (kind, github_comment_id, task_id, node_id, file, line, created_at, finding_id, body,
                                         rule, category, severity, fingerprint, html_url, author_login, author_id, suggested_lines)
            select x.kind, x.id, @task, x.node_id, x.file, x.line, coalesce(x.created_at, @now), x.finding_id, x.body,
                   x.rule, x.category, x.severity, x.fingerprint, x.html_url, x.author_login, x.author_id, x.suggested
            from unnest(@kinds, @ids, @node_ids, @files, @lines, @created, @findings, @bodies, @rules, @categories, @severities, @fingerprints, @urls,
                        @author_logins, @author_ids, @suggested)
                as x(kind, id, node_id, file, line, created_at, finding_id, body, rule, category, severity, fingerprint, html_url,
                     author_login, author_id, suggested)
            on conflict (kind, github_comment_id) do update
                set node_id = coalesce(review_comments.node_id, excluded.node_id), body = coalesce(review_comments.body, excluded.body),
                    suggested_lines = case when review_comments.body is null then excluded.suggested_lines else review_comments.suggested_lines end,
                    author_login = coalesce(review_comments.author_login, excluded.author_login),
                    author_id = coalesce(review_comments.author_id, excluded.author_id)
                where ((review_comments.node_id is null and excluded.node_id is not null)
                       or (review_comments.body is null and excluded.body is not null)
                       or (review_comments.author_login is null and excluded.author_login is not null))
                  and review_comments.task_id = excluded.task_id
            returning (xmax = 0) as inserted
            """, conn, tx);
        cmd.Parameters.AddWithValue("task", taskId);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("kinds", unique.Select(c => c.Kind!).ToArray());
        cmd.Parameters.AddWithValue("ids", unique.Select(c => c.GithubCommentId).ToArray());
        cmd.Parameters.AddWithValue("node_ids", NpgsqlDbType.Array | NpgsqlDbType.Text, unique.Select(c => (object?)c.NodeId ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("files", NpgsqlDbType.Array | NpgsqlDbType.Text, unique.Select(c => (object?)c.File ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("lines", NpgsqlDbType.Array | NpgsqlDbType.Integer, unique.Select(c => (object?)c.Line ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("created", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, unique.Select(c => (object?)c.CreatedAt?.ToUniversalTime() ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("findings", NpgsqlDbType.Array | NpgsqlDbType.Text, unique.Select(c => (object?)c.FindingId ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("bodies", NpgsqlDbType.Array | NpgsqlDbType.Text, unique.Select(c => (object?)c.Body ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("rules", NpgsqlDbType.Array | NpgsqlDbType.Text, unique.Select(c => (object?)c.Tags.Rule ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("categories", NpgsqlDbType.Array | NpgsqlDbType.Text, unique.Select(c => (object?)c.Tags.Category ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("severities", NpgsqlDbType.Array | NpgsqlDbType.Text, unique.Select(c => (object?)c.Tags.Severity ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("fingerprints", NpgsqlDbType.Array | NpgsqlDbType.Text, unique.Select(c => (object?)c.Tags.Fingerprint ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("urls", NpgsqlDbType.Array | NpgsqlDbType.Text, unique.Select(c => (object?)c.HtmlUrl ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("author_logins", NpgsqlDbType.Array | NpgsqlDbType.Text, unique.Select(c => (object?)c.AuthorLogin ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("author_ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint, unique.Select(c => (object?)c.AuthorId ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("suggested", NpgsqlDbType.Array | NpgsqlDbType.Text, unique.Select(c => (object?)Suggestions.Lines(c.Body) ?? DBNull.Value).ToArray());

        var inserted = 0;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) if (reader.Get<bool>("inserted")) inserted++;
        return inserted;
    }


    /// <summary>
    /// True when the comment is registered already; a comment registered through the API learns its author here, as
    /// a delivery or a sweep still tells who wrote it.
    /// </summary>
    public static async Task<bool> RegisteredAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, CapturedComment comment, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            with known as (select 1 from review_comments where kind = @kind and github_comment_id = @id),
            author as (update review_comments set author_login = @login, author_id = @uid
                       where kind = @kind and github_comment_id = @id and author_login is null and @login::text is not null)
            select exists (select 1 from known)
            """, conn, tx);
        cmd.Parameters.AddWithValue("login", NpgsqlDbType.Text, (object?)comment.AuthorLogin ?? DBNull.Value);
        cmd.Parameters.AddWithValue("uid", NpgsqlDbType.Bigint, (object?)comment.AuthorId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("kind", comment.Kind);
        cmd.Parameters.AddWithValue("id", comment.GithubCommentId);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
