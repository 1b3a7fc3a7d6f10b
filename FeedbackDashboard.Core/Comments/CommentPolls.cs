using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Comments;

/// <summary>
/// A comment's poll bookkeeping (when it was read, its ETag, when it is next due) and the signals GitHub gave with its
/// reactions: the poll cycle decides, this writes.
/// </summary>
public sealed class CommentPolls(NpgsqlDataSource db)
{
    /// <summary>
    /// The update that marks comments polled, as a fragment of the reconcile's statement so the cycle keeps one round
    /// trip: that statement defines <c>known(kind, id, etag, etag_token)</c> and <c>@now</c>, and
    /// <paramref name="nextDue"/> is the interval after which each comment is due again. A complete answer is proof of
    /// life: a comment retired by mistake comes back. Returns the comments that exist, locked.
    /// </summary>
    public static string PolledSql(string nextDue) => $"""
        update review_comments c set polled_at = @now, etag = k.etag, etag_token = k.etag_token, gone_at = null,
                next_due_at = @now + {nextDue}
            from known k where c.kind = k.kind and c.github_comment_id = k.id
            returning c.kind, c.github_comment_id as id
        """;

    /// <summary>
    /// Comments whose reactions just changed: reactions cluster in time, so they are due again sooner. A statement of
    /// its own, because the reconcile's statement already updates these rows and one statement may not update a row twice.
    /// </summary>
    public async Task MarkChangedAsync(string[] kinds, long[] ids, DateTimeOffset now, TimeSpan interval, CancellationToken ct)
    {
        await using var changed = db.CreateCommand("""
            update review_comments c set changed_at = @now, next_due_at = @now + @interval
            from unnest(@kinds, @ids) as ch(kind, id) where c.kind = ch.kind and c.github_comment_id = ch.id
            """);
        changed.Parameters.AddWithValue("kinds", kinds);
        changed.Parameters.AddWithValue("ids", ids);
        changed.Parameters.AddWithValue("now", now);
        changed.Parameters.AddWithValue("interval", interval);
        await changed.ExecuteNonQueryAsync(ct);
    }

    private const string SignalsSql = """
        with s as (
            select * from unnest(@kinds, @ids, @outdated, @minimized, @reasons, @prs) as s(kind, id, outdated, minimized, reason, pr)
        ),
        written as (
            update review_comments c set outdated = s.outdated, minimized = s.minimized, minimized_reason = s.reason,
                signals_read_at = @now
            from s where c.kind = s.kind and c.github_comment_id = s.id
              and (c.signals_read_at is null or c.outdated is distinct from s.outdated or c.minimized is distinct from s.minimized
                   or c.minimized_reason is distinct from s.reason)
            returning c.github_comment_id
        ),
        prs as (
            select distinct c.task_id, s.pr from s join review_comments c on c.kind = s.kind and c.github_comment_id = s.id
            where s.pr is not null
        )
        update tasks t set pr_node_id = prs.pr from prs where t.id = prs.task_id and t.pr_node_id is distinct from prs.pr
        """;

    /// <summary>
    /// Writes the signals of comments whose node GitHub answered completely this cycle (reactions known or 304): the
    /// latest state wins, comments not passed in keep theirs. Rows change only when a signal did, so a steady comment
    /// costs no write. Each pull request's node id lands on its runs, for the thread reads.
    /// </summary>
    public async Task WriteSignalsAsync(IReadOnlyCollection<(CommentKey Comment, CommentSignals Signals)> signals, DateTimeOffset now,
        CancellationToken ct)
    {
        if (signals.Count == 0) return;
        var unique = signals.DistinctBy(s => s.Comment).OrderBy(s => s.Comment.Kind.ToWire(), StringComparer.Ordinal).ThenBy(s => s.Comment.Id).ToList();
        await using var cmd = db.CreateCommand(SignalsSql);
        cmd.Parameters.AddWithValue("kinds", unique.Select(s => s.Comment.Kind.ToWire()).ToArray());
        cmd.Parameters.AddWithValue("ids", unique.Select(s => s.Comment.Id).ToArray());
        cmd.Parameters.AddWithValue("outdated", NpgsqlDbType.Array | NpgsqlDbType.Boolean, unique.Select(s => (object?)s.Signals.Outdated ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("minimized", unique.Select(s => s.Signals.Minimized).ToArray());
        cmd.Parameters.AddWithValue("reasons", NpgsqlDbType.Array | NpgsqlDbType.Text, unique.Select(s => (object?)s.Signals.MinimizedReason ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("prs", NpgsqlDbType.Array | NpgsqlDbType.Text, unique.Select(s => (object?)s.Signals.PullRequestNodeId ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("now", now);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Comments whose run just left the window are never due again: the due index stays the window's size.</summary>
    public async Task ParkOutOfWindowAsync(DateTimeOffset now, int windowDays, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            update review_comments c set next_due_at = 'infinity'
            from tasks t
            where t.id = c.task_id and t.created_at <= @now - make_interval(days => @window)
              and t.created_at > @now - make_interval(days => @window + 2) and c.next_due_at <> 'infinity'
            """);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("window", windowDays);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
