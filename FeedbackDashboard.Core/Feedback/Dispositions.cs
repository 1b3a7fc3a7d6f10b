using FeedbackDashboard.Core.GitHub;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Feedback;

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
                   t.repository_id, t.pr_number, t.pr_author_id, r.full_name,
                   coalesce(lower(regexp_replace(c.author_login, '\[bot\]$', '')), 'label:' || (c.labels ->> 'bot'), 'api') as bot,
                   review_comment_fingerprint(c.fingerprint, c.file, c.body) as fp
            from review_comments c
            join tasks t on t.id = c.task_id
            join repositories r on r.id = t.repository_id
            join (SCOPE) s on s.repository_id = t.repository_id and s.pr_number = t.pr_number),
        downs as (
            select d.kind, d.github_comment_id, min(f.reacted_at) as first_down,
                   bool_or(f.reactor_id = d.pr_author_id or m.github_id is not null) as owner_down
            from scoped d
            join review_feedback f on f.kind = d.kind and f.github_comment_id = d.github_comment_id and f.content = '-1'
            left join maintainers m on m.repo_full_name = d.full_name and m.github_id = f.reactor_id
            group by d.kind, d.github_comment_id),
        keyed as (
            select s.*, d.first_down, coalesce(d.owner_down, false) as owner_down
            from scoped s left join downs d on d.kind = s.kind and d.github_comment_id = s.github_comment_id),
        reraised as (
            select distinct on (k.kind, k.github_comment_id) k.kind, k.github_comment_id, e.github_comment_id as earlier
            from keyed k
            join keyed e on e.kind = k.kind and e.repository_id = k.repository_id and e.pr_number = k.pr_number
                        and e.bot = k.bot and e.fp = k.fp
            where e.created_at < k.created_at and (e.first_down < k.created_at or e.resolved_at < k.created_at)
            order by k.kind, k.github_comment_id, e.created_at desc, e.github_comment_id desc),
        decided as (
            select k.kind, k.github_comment_id, x.earlier,
                   case when k.applied_commit is not null then 'applied'
                        when coalesce(k.outdated, false) then 'addressed'
                        when k.owner_down or (coalesce(k.resolved, false) and not coalesce(k.resolved_by_bot, false)) then 'dismissed'
                        else 'open' end as disposition
            from keyed k left join reraised x on x.kind = k.kind and x.github_comment_id = k.github_comment_id)
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
