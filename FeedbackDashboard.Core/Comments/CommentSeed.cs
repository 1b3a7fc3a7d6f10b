using FeedbackDashboard.Core.Model;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Comments;

/// <summary>
/// A whole comment row, its GitHub-derived state included, as a seed writes it (the demo set): nothing here is read
/// from GitHub, so the row goes in as given.
/// </summary>
public sealed record SeededComment(string Kind, long GithubCommentId, Guid TaskId, string NodeId, string? File, int? Line,
    DateTimeOffset CreatedAt, string? Body, string? AuthorLogin)
{
    public FindingTags Tags { get; init; } = FindingTags.None;
    public bool? Outdated { get; init; }
    public bool? Resolved { get; init; }
    public string? ResolvedBy { get; init; }
    public bool? ResolvedByBot { get; init; }
    public string? ResolvedByKind { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public bool? Minimized { get; init; }
    public string? MinimizedReason { get; init; }
    public int? HumanReplies { get; init; }
    public string? SuggestedLines { get; init; }
    public string? AppliedCommit { get; init; }
    public DateTimeOffset? AppliedAt { get; init; }
    /// <summary>The earlier comment this one raises again.</summary>
    public long? ReraiseOf { get; init; }
}

/// <summary>Writes seeded comments: whole rows in one statement, in the order given, on the caller's transaction.</summary>
public static class CommentSeed
{
    public static async Task InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<SeededComment> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        await using var cmd = new NpgsqlCommand("""
            insert into review_comments (kind, github_comment_id, task_id, node_id, file, line, created_at, body, author_login,
                                         rule, category, severity, fingerprint, outdated, resolved, resolved_by, resolved_by_bot,
                                         resolved_by_kind, resolved_at, minimized, minimized_reason, human_replies, suggested_lines,
                                         applied_commit, applied_at, reraise_of)
            select x.kind, x.id, x.task, x.node_id, x.file, x.line, x.created_at, x.body, x.author_login,
                   x.rule, x.category, x.severity, x.fingerprint, x.outdated, x.resolved, x.resolved_by, x.resolved_by_bot,
                   x.resolved_by_kind, x.resolved_at, x.minimized, x.minimized_reason, x.human_replies, x.suggested_lines,
                   x.applied_commit, x.applied_at, x.reraise_of
            from unnest(@kinds, @ids, @tasks, @node_ids, @files, @lines, @created, @bodies, @authors, @rules, @categories,
                        @severities, @fingerprints, @outdated, @resolved, @resolved_by, @resolved_by_bot, @resolved_by_kind,
                        @resolved_at, @minimized, @minimized_reason, @human_replies, @suggested, @applied_commit, @applied_at,
                        @reraise_of) with ordinality
                as x(kind, id, task, node_id, file, line, created_at, body, author_login, rule, category, severity, fingerprint,
                     outdated, resolved, resolved_by, resolved_by_bot, resolved_by_kind, resolved_at, minimized, minimized_reason,
                     human_replies, suggested_lines, applied_commit, applied_at, reraise_of, n)
            order by x.n
            """, conn, tx);
        cmd.Parameters.AddWithValue("kinds", rows.Select(c => c.Kind).ToArray());
        cmd.Parameters.AddWithValue("ids", rows.Select(c => c.GithubCommentId).ToArray());
        cmd.Parameters.AddWithValue("tasks", rows.Select(c => c.TaskId).ToArray());
        cmd.Parameters.AddWithValue("node_ids", rows.Select(c => c.NodeId).ToArray());
        Add(cmd, "files", NpgsqlDbType.Text, rows.Select(c => (object?)c.File));
        Add(cmd, "lines", NpgsqlDbType.Integer, rows.Select(c => (object?)c.Line));
        cmd.Parameters.AddWithValue("created", rows.Select(c => c.CreatedAt).ToArray());
        Add(cmd, "bodies", NpgsqlDbType.Text, rows.Select(c => (object?)c.Body));
        Add(cmd, "authors", NpgsqlDbType.Text, rows.Select(c => (object?)c.AuthorLogin));
        Add(cmd, "rules", NpgsqlDbType.Text, rows.Select(c => (object?)c.Tags.Rule));
        Add(cmd, "categories", NpgsqlDbType.Text, rows.Select(c => (object?)c.Tags.Category));
        Add(cmd, "severities", NpgsqlDbType.Text, rows.Select(c => (object?)c.Tags.Severity));
        Add(cmd, "fingerprints", NpgsqlDbType.Text, rows.Select(c => (object?)c.Tags.Fingerprint));
        Add(cmd, "outdated", NpgsqlDbType.Boolean, rows.Select(c => (object?)c.Outdated));
        Add(cmd, "resolved", NpgsqlDbType.Boolean, rows.Select(c => (object?)c.Resolved));
        Add(cmd, "resolved_by", NpgsqlDbType.Text, rows.Select(c => (object?)c.ResolvedBy));
        Add(cmd, "resolved_by_bot", NpgsqlDbType.Boolean, rows.Select(c => (object?)c.ResolvedByBot));
        Add(cmd, "resolved_by_kind", NpgsqlDbType.Text, rows.Select(c => (object?)c.ResolvedByKind));
        Add(cmd, "resolved_at", NpgsqlDbType.TimestampTz, rows.Select(c => (object?)c.ResolvedAt));
        Add(cmd, "minimized", NpgsqlDbType.Boolean, rows.Select(c => (object?)c.Minimized));
        Add(cmd, "minimized_reason", NpgsqlDbType.Text, rows.Select(c => (object?)c.MinimizedReason));
        Add(cmd, "human_replies", NpgsqlDbType.Integer, rows.Select(c => (object?)c.HumanReplies));
        Add(cmd, "suggested", NpgsqlDbType.Text, rows.Select(c => (object?)c.SuggestedLines));
        Add(cmd, "applied_commit", NpgsqlDbType.Text, rows.Select(c => (object?)c.AppliedCommit));
        Add(cmd, "applied_at", NpgsqlDbType.TimestampTz, rows.Select(c => (object?)c.AppliedAt));
        Add(cmd, "reraise_of", NpgsqlDbType.Bigint, rows.Select(c => (object?)c.ReraiseOf));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static void Add(NpgsqlCommand cmd, string name, NpgsqlDbType type, IEnumerable<object?> values) =>
        cmd.Parameters.AddWithValue(name, NpgsqlDbType.Array | type, values.Select(v => v ?? DBNull.Value).ToArray());
}
