using FeedbackDashboard.Core.Comments;
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
public sealed class ReactionsReconciler(NpgsqlDataSource db, CommentPolls commentPolls)
{
    private static readonly string Sql = """
        with known as (
            select * from unnest(@k_kinds, @k_ids, @k_etags, @k_etag_tokens) as k(kind, id, etag, etag_token)
        ),
        incoming as (
            select * from unnest(@r_kinds, @r_ids, @r_users, @r_logins, @r_contents, @r_at)
                as r(kind, id, reactor_id, login, content, reacted_at)
        ),
        -- Locks the comments being reconciled (a concurrent delete waits) and yields those that exist:
        -- reactions are written for these alone, which is the integrity a per-row foreign key would check.
        -- The comment is next due after its target interval (PollScheduling.TargetSql); the scheduler walks next_due_at.
        polled as (
            /*POLLED*/
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
        """.Replace("/*POLLED*/", CommentPolls.PolledSql(PollScheduling.TargetSql));

    public async Task<ReconcileCounts> ReconcileAsync(IReadOnlyList<KnownReactions> known, DateTimeOffset now, CancellationToken ct,
        TimeSpan? interval = null)
    {
        if (known.Count == 0) return default;
        var comments = known.DistinctBy(k => k.Comment).ToList();
        // One row per (comment, reactor, content): ON CONFLICT may not touch a row twice in one statement.
        var reactions = comments
            .SelectMany(k => k.Reactions.DistinctBy(r => (r.UserId, r.Content)).Select(r => (k.Comment, r)))
            .ToList();

        await using var cmd = db.CreateCommand(Sql);
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
            await commentPolls.MarkChangedAsync(changedKinds, changedIds, now, interval ?? PollScheduling.DefaultInterval, ct);
        return counts;
    }
}
