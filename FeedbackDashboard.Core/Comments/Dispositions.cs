using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Comments;

/// <summary>Which pull requests a <see cref="Dispositions.DecideAsync"/> recomputes.</summary>
public abstract record DispositionScope
{
    private DispositionScope() { }

    /// <summary>Every pull request (a backfill, a benchmark).</summary>
    public sealed record All : DispositionScope;

    /// <summary>The pull requests of these comments.</summary>
    public sealed record Comments(IReadOnlyCollection<CommentKey> Keys) : DispositionScope;

    /// <summary>Pull requests by GraphQL node id (what the thread reads name).</summary>
    public sealed record PullRequestNodes(IReadOnlyCollection<string> NodeIds) : DispositionScope;

    /// <summary>Pull requests by (repository, number).</summary>
    public sealed record PullRequests(IReadOnlyCollection<(long RepositoryId, int Number)> Pulls) : DispositionScope;
}

/// <summary>
/// Decides each comment's disposition and re-raise link from what is stored, in one statement per scope (every comment
/// of the pull requests in it, since a re-raise looks at the pull request's other comments). Idempotent: rows change only
/// when the outcome does, so it runs after anything that can alter it.
/// </summary>
public static class Dispositions
{
    // applied > addressed > dismissed > open. A person resolving the thread with no change under it (not outdated) is
    // the contract's dismissal, so only a change (outdated) counts as addressed here: the two readings of a person's
    // resolution cannot both hold. The bot identity is the author's login (its [bot] suffix aside), else the observed
    // run's bot label, else "api" (comments registered through the API without an author: one bot per pull request).
    private const string Decide = """
        with scoped as (
            select c.kind, c.github_comment_id, c.created_at, c.applied_commit, c.outdated, c.resolved, c.resolved_by_bot, c.resolved_at,
                   t.repository_id, t.pr_number,
                   coalesce(lower(regexp_replace(c.author_login, '\[bot\]$', '')), 'label:' || (c.labels ->> 'bot'), 'api') as bot,
                   review_comment_fingerprint(c.fingerprint, c.file, c.body) as fp,
                   d.first_down, coalesce(d.owner_down, false) as owner_down
            from review_comments c
            join tasks t on t.id = c.task_id
            join repositories r on r.id = t.repository_id
            join (SCOPE) s on s.repository_id = t.repository_id and s.pr_number = t.pr_number
            -- Per comment through the reactions index, so no join between unindexed intermediate results.
            left join lateral (
                select min(f.reacted_at) as first_down, bool_or(f.reactor_id = t.pr_author_id or m.github_id is not null) as owner_down
                from review_feedback f
                left join maintainers m on m.repo_full_name = r.full_name and m.github_id = f.reactor_id
                where f.kind = c.kind and f.github_comment_id = c.github_comment_id and f.content = '-1') d on true),
        -- Each comment's re-raise link is the latest earlier comment of its (pull request, bot, fingerprint) whose 👎 or
        -- resolution came before it was posted: a running max over the group ordered by time, so a bot repeating one
        -- finding many times costs n log n, not n².
        marks as (
            select s.*, s.created_at as at, false as is_mark, null::numeric[] as mark from scoped s
            union all
            select s.*, greatest(s.created_at, least(s.first_down, s.resolved_at)), true,
                   array[extract(epoch from s.created_at), s.github_comment_id::numeric]
            from scoped s where least(s.first_down, s.resolved_at) is not null),
        decided as (
            select x.kind, x.github_comment_id, x.earlier[2]::bigint as earlier,
                   case when x.applied_commit is not null then 'applied'
                        when coalesce(x.outdated, false) then 'addressed'
                        when x.owner_down or (coalesce(x.resolved, false) and not coalesce(x.resolved_by_bot, false)) then 'dismissed'
                        else 'open' end as disposition
            from (select m.*, max(m.mark) over (partition by m.kind, m.repository_id, m.pr_number, m.bot, m.fp
                                                order by m.at, m.is_mark rows unbounded preceding) as earlier
                  from marks m) x
            where not x.is_mark)
        update review_comments c set disposition = d.disposition, reraise_of = d.earlier
        from decided d
        where c.kind = d.kind and c.github_comment_id = d.github_comment_id
          and (c.disposition is distinct from d.disposition or c.reraise_of is distinct from d.earlier)
        """;

    /// <summary>Recomputes the scope's comments on the caller's connection (and transaction); returns the rows changed.</summary>
    public static async Task<int> DecideAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, DispositionScope scope, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand { Connection = conn, Transaction = tx };
        string source;
        switch (scope)
        {
            case DispositionScope.All:
                source = "select distinct repository_id, pr_number from tasks";
                break;
            case DispositionScope.Comments { Keys.Count: > 0 } comments:
                source = """
                    select distinct t.repository_id, t.pr_number from unnest(@kinds, @ids) as x(kind, id)
                    join review_comments c on c.kind = x.kind and c.github_comment_id = x.id join tasks t on t.id = c.task_id
                    """;
                cmd.Parameters.AddWithValue("kinds", comments.Keys.Select(k => k.Kind.ToWire()).ToArray());
                cmd.Parameters.AddWithValue("ids", comments.Keys.Select(k => k.Id).ToArray());
                break;
            case DispositionScope.PullRequestNodes { NodeIds.Count: > 0 } nodes:
                source = "select distinct repository_id, pr_number from tasks where pr_node_id = any(@nodes)";
                cmd.Parameters.AddWithValue("nodes", nodes.NodeIds.ToArray());
                break;
            case DispositionScope.PullRequests { Pulls.Count: > 0 } pulls:
                source = "select distinct * from unnest(@repos, @prs) as p(repository_id, pr_number)";
                cmd.Parameters.AddWithValue("repos", NpgsqlDbType.Array | NpgsqlDbType.Bigint, pulls.Pulls.Select(p => p.RepositoryId).ToArray());
                cmd.Parameters.AddWithValue("prs", NpgsqlDbType.Array | NpgsqlDbType.Integer, pulls.Pulls.Select(p => p.Number).ToArray());
                break;
            default:
                return 0;
        }
        cmd.CommandText = Decide.Replace("SCOPE", source, StringComparison.Ordinal);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary><see cref="DecideAsync(NpgsqlConnection, NpgsqlTransaction?, DispositionScope, CancellationToken)"/> on a connection of its own.</summary>
    public static async Task<int> DecideAsync(NpgsqlDataSource db, DispositionScope scope, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await DecideAsync(conn, null, scope, ct);
    }
}
