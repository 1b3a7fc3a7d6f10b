using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Reactions;

/// <summary>A comment whose full reaction list is known this cycle (an empty list means: no 👍/👎 at all).</summary>
public sealed record KnownReactions(CommentKey Comment, IReadOnlyList<Reaction> Reactions, string? ETag = null, string? ETagToken = null);

public readonly record struct ReconcileCounts(int Inserted, int Deleted);

/// <summary>
/// Makes review_feedback equal GitHub's lists for exactly the given comments, in one set-based statement:
/// new (reactor, content) pairs inserted, vanished ones deleted (un-react), an empty list clears the comment.
/// Comments not passed in (failed, 304) are not touched.
/// </summary>
public sealed class ReactionsReconciler(NpgsqlDataSource db)
{
    private const string Sql = """
        with known as (
            select * from unnest(@k_kinds, @k_ids, @k_etags, @k_etag_tokens) as k(kind, id, etag, etag_token)
        ),
        incoming as (
            select * from unnest(@r_kinds, @r_ids, @r_users, @r_logins, @r_contents, @r_at)
                as r(kind, id, reactor_id, login, content, reacted_at)
        ),
        -- Locks the comments being reconciled (a concurrent delete waits) and yields those that exist:
        -- reactions are written for these alone, which is the integrity a per-row foreign key would check.
        -- A complete answer is proof of life: a comment retired by mistake comes back. The comment is next due after
        -- its target interval (PollScheduling.TargetSql); the scheduler walks next_due_at.
        polled as (
            update review_comments c set polled_at = @now, etag = k.etag, etag_token = k.etag_token, gone_at = null,
                next_due_at = @now + /*TARGET*/
            from known k where c.kind = k.kind and c.github_comment_id = k.id
            returning c.kind, c.github_comment_id as id
        ),
        deleted as (
            delete from review_feedback f
            using known k
            where f.kind = k.kind and f.github_comment_id = k.id
              and not exists (
                  select 1 from incoming i
                  where i.kind = f.kind and i.id = f.github_comment_id and i.reactor_id = f.reactor_id and i.content = f.content)
            returning f.kind, f.github_comment_id as id
        ),
        upserted as (
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at, first_seen_at)
            select i.kind, i.id, i.reactor_id, i.login, i.content, i.reacted_at, @now
            from incoming i join polled p on p.kind = i.kind and p.id = i.id
            on conflict (kind, github_comment_id, reactor_id, content) do update set reactor_login = excluded.reactor_login
                where review_feedback.reactor_login <> excluded.reactor_login
            returning (xmax = 0) as inserted, kind, github_comment_id
        ),
        changed as (
            select kind, github_comment_id as id from upserted where inserted
            union select kind, id from deleted
        )
        select (select count(*) from upserted where inserted)::int as inserted, (select count(*) from deleted)::int as deleted,
               array(select kind from changed) as changed_kinds, array(select id from changed) as changed_ids
        """;

    /// <summary>
    /// Comments whose reactions just changed: reactions cluster in time, so they are due again sooner. A second
    /// statement, because one statement may not update a row twice.
    /// </summary>
    private const string ChangedSql = """
        update review_comments c set changed_at = @now, next_due_at = @now + @interval
        from unnest(@kinds, @ids) as ch(kind, id) where c.kind = ch.kind and c.github_comment_id = ch.id
        """;

    /// <summary>
    /// Writes the signals of comments whose node GitHub answered completely this cycle (reactions known or 304): the
    /// latest state wins, comments not passed in keep theirs. Rows change only when a signal did, so a steady comment
    /// costs no write. Each pull request's node id lands on its runs, for the thread reads.
    /// </summary>
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

    public async Task<ReconcileCounts> ReconcileAsync(IReadOnlyList<KnownReactions> known, DateTimeOffset now, CancellationToken ct,
        TimeSpan? interval = null)
    {
        if (known.Count == 0) return default;
        var comments = known.DistinctBy(k => k.Comment).ToList();
        // One row per (comment, reactor, content): ON CONFLICT may not touch a row twice in one statement.
        var reactions = comments
            .SelectMany(k => k.Reactions.DistinctBy(r => (r.UserId, r.Content)).Select(r => (k.Comment, r)))
            .ToList();

        await using var cmd = db.CreateCommand(Sql.Replace("/*TARGET*/", PollScheduling.TargetSql));
        cmd.Parameters.AddWithValue("k_kinds", comments.Select(k => k.Comment.Kind.ToWire()).ToArray());
        cmd.Parameters.AddWithValue("k_ids", comments.Select(k => k.Comment.Id).ToArray());
        cmd.Parameters.AddWithValue("k_etags", NpgsqlDbType.Array | NpgsqlDbType.Text, comments.Select(k => (object?)k.ETag ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("k_etag_tokens", NpgsqlDbType.Array | NpgsqlDbType.Text,
            comments.Select(k => k.ETag is null ? DBNull.Value : (object?)k.ETagToken ?? DBNull.Value).ToArray());
        cmd.Parameters.AddWithValue("r_kinds", reactions.Select(x => x.Comment.Kind.ToWire()).ToArray());
        cmd.Parameters.AddWithValue("r_ids", reactions.Select(x => x.Comment.Id).ToArray());
        cmd.Parameters.AddWithValue("r_users", reactions.Select(x => x.r.UserId).ToArray());
        cmd.Parameters.AddWithValue("r_logins", reactions.Select(x => x.r.Login).ToArray());
        cmd.Parameters.AddWithValue("r_contents", reactions.Select(x => x.r.Content.ToWire()).ToArray());
        cmd.Parameters.AddWithValue("r_at", reactions.Select(x => x.r.CreatedAt).ToArray());
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("interval", interval ?? PollScheduling.DefaultInterval);

        string[] changedKinds;
        long[] changedIds;
        ReconcileCounts counts;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            counts = new ReconcileCounts(reader.Get<int>("inserted"), reader.Get<int>("deleted"));
            changedKinds = reader.Get<string[]>("changed_kinds");
            changedIds = reader.Get<long[]>("changed_ids");
        }
        if (changedIds.Length > 0)
        {
            await using var changed = db.CreateCommand(ChangedSql);
            changed.Parameters.AddWithValue("kinds", changedKinds);
            changed.Parameters.AddWithValue("ids", changedIds);
            changed.Parameters.AddWithValue("now", now);
            changed.Parameters.AddWithValue("interval", interval ?? PollScheduling.DefaultInterval);
            await changed.ExecuteNonQueryAsync(ct);
        }
        return counts;
    }
}
