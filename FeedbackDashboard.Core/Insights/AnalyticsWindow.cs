using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Maintainers;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Insights;

/// <summary>
/// What an analytics read counts: a repository, whose judgement (role), and what produced the comments (run labels,
/// rule, category). Every filter is an equality.
/// </summary>
public sealed record AnalyticsFilter(string? Repository = null, AnalyticsRole Role = AnalyticsRole.All,
    IReadOnlyDictionary<string, string>? Labels = null, string? Rule = null, string? Category = null)
{
    public static AnalyticsFilter Everything { get; } = new();

    /// <summary>Only comments of runs recorded under these installations (a key limited to them); null for all.</summary>
    public IReadOnlyList<long>? Installations { get; init; }

    /// <summary>Only comments on pull requests where both values of a label have a comment in the period (a paired compare).</summary>
    public PairedSides? Paired { get; init; }

    /// <summary>The filters on what produced a comment, as (group dimension, value) pairs.</summary>
    public IReadOnlyList<(string Dim, string Value)> Constraints()
    {
        var list = new List<(string, string)>();
        foreach (var (key, value) in Labels ?? new Dictionary<string, string>()) list.Add((GroupDims.Label(key), value));
        if (Rule is not null) list.Add((GroupDims.Rule, Rule));
        if (Category is not null) list.Add((GroupDims.Category, Category));
        return list;
    }
}

/// <summary>The two values of a label whose shared pull requests a paired compare is restricted to.</summary>
public sealed record PairedSides(string LabelKey, string A, string B);

/// <summary>The group_by values: repository, rule, category, severity, or label:KEY.</summary>
public static class GroupDims
{
    public const string Repository = "repository";
    public const string Rule = "rule";
    public const string Category = "category";
    public const string Severity = "severity";
    public const string LabelPrefix = "label:";

    public static string Label(string key) => LabelPrefix + key;

    public static bool IsValid(string? dim) => dim is Repository or Rule or Category or Severity
        || (dim is not null && dim.StartsWith(LabelPrefix, StringComparison.Ordinal) && CaptureValidation.IsLabelKey(dim[LabelPrefix.Length..]));
}

/// <summary>
/// Builds the SQL rows an analytics read sums: (at, repository_id, g, comments, reacted, up, down, addressed) over
/// [@from, @to), g being the group's value when grouping. The cheapest source that answers exactly is chosen:
/// the per-repository daily rollup (no filter on what produced the comments), the per-group daily rollup (one label,
/// rule or category, as a filter or as the grouping), or the comments themselves (several of them, or a role).
/// </summary>
internal sealed class AnalyticsWindow
{
    public required string Sql { get; init; }
    public List<NpgsqlParameter> Parameters { get; } = [];

    /// <summary>
    /// Whole UTC days come from a rollup; the comments of the partial days at the edges are read one by one, as two
    /// disjoint ranges ([@from, @d0) and [@d1, @to), @d0 ≤ @d1) in two branches: each is then a plain range on
    /// review_comments_period, read from the index alone, where one OR of the two made PostgreSQL visit every row's page.
    /// </summary>
    private static string EdgeRows(string select, string where) => $"""
        {select} from review_comments c
        where c.created_at >= @from and c.created_at < least(@d0::timestamp at time zone 'UTC', @to) and {where}
        union all
        {select} from review_comments c
        where c.created_at >= greatest(@d1::timestamp at time zone 'UTC', @from) and c.created_at < @to and {where}
        """;

    private const string RepositoryFilter = "(@repo::text is null or {0}.repository_id = (select id from repositories where full_name = @repo))";

    private const string CommentFigures = $"""
        1 as comments, (c.up + c.down > 0)::int as reacted, c.up, c.down,
        review_comments_is_addressed(c.outdated, c.resolved, c.resolved_by_bot)::int as addressed, {CommentOutcomes}
        """;

    /// <summary>A comment's <see cref="Outcomes"/> as the rollups count them (migration 0022).</summary>
    public const string CommentOutcomes = """
        c.has_suggestion::int as suggestions, (c.has_suggestion and c.applied_commit is not null)::int as applied,
        (c.reraise_of is not null)::int as reraised, (c.disposition = 'applied')::int as disposition_applied,
        (c.disposition = 'addressed')::int as disposition_addressed, (c.disposition = 'dismissed')::int as disposition_dismissed
        """;

    private const string RollupOutcomes =
        "d.suggestions, d.applied, d.reraised, d.disposition_applied, d.disposition_addressed, d.disposition_dismissed";

    /// <param name="groupBy">A <see cref="GroupDims"/> value, or null for no grouping.</param>
    /// <param name="onlyValues">When grouping by something other than repository: only these group values.</param>
    public static AnalyticsWindow For(AnalyticsFilter filter, string? groupBy, IReadOnlyList<string>? onlyValues = null)
    {
        var constraints = filter.Constraints();
        var byRepository = groupBy == GroupDims.Repository;
        var groupDim = byRepository ? null : groupBy;
        var parameters = new List<NpgsqlParameter>();

        // The rollups don't know a run's installation: a read limited to installations counts the comments themselves.
        var rollups = filter.Installations is null && filter.Paired is null;
        if (rollups && filter.Role == AnalyticsRole.All && constraints.Count == 0 && groupDim is null)
        {
            var g = byRepository ? "{0}.repository_id::text" : "null::text";
            return new AnalyticsWindow
            {
                Sql = $"""
                    select d.day::timestamp at time zone 'UTC' as at, d.repository_id, {string.Format(g, "d")} as g,
                           d.comments, d.reacted, d.up, d.down, d.addressed, {RollupOutcomes}
                    from analytics_daily d
                    where d.day >= @d0 and d.day < @d1 and {string.Format(RepositoryFilter, "d")}
                    union all
                    {EdgeRows($"select c.created_at, c.repository_id, {string.Format(g, "c")}, {CommentFigures}", string.Format(RepositoryFilter, "c"))}
                    """,
            };
        }

        if (rollups && filter.Role == AnalyticsRole.All && constraints.Count + (groupDim is null ? 0 : 1) == 1)
        {
            // One dimension: the per-group rollup answers it, as a filter (one value) or as the grouping.
            var (dim, values) = groupDim is null ? (constraints[0].Dim, (IReadOnlyList<string>?)[constraints[0].Value]) : (groupDim, onlyValues);
            var expr = DimExpr(dim, "gk", parameters);
            parameters.Add(new NpgsqlParameter("gdim", NpgsqlDbType.Text) { Value = dim });
            parameters.Add(new NpgsqlParameter("gvals", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values is null ? DBNull.Value : values.ToArray() });
            var (gd, gc) = byRepository ? ("d.repository_id::text", "c.repository_id::text") : groupDim is null ? ("null::text", "null::text") : ("d.value", expr);
            var window = new AnalyticsWindow
            {
                Sql = $"""
                    select d.day::timestamp at time zone 'UTC' as at, d.repository_id, {gd} as g, d.comments, d.reacted, d.up, d.down, d.addressed,
                           {RollupOutcomes}
                    from analytics_daily_groups d
                    where d.dim = @gdim and (@gvals::text[] is null or d.value = any(@gvals)) and d.day >= @d0 and d.day < @d1
                      and {string.Format(RepositoryFilter, "d")}
                    union all
                    {EdgeRows($"select c.created_at, c.repository_id, {gc}, {CommentFigures}",
                        $"{string.Format(RepositoryFilter, "c")} and {expr} is not null and (@gvals::text[] is null or {expr} = any(@gvals))")}
                    """,
            };
            window.Parameters.AddRange(parameters);
            return window;
        }

        // Several dimensions or a role: from the comments (the rollups count everyone's reactions, one dimension each).
        var where = ConstraintPredicates(filter, parameters);
        var group = byRepository ? "c.repository_id::text" : groupDim is null ? "null::text" : DimExpr(groupDim, "gk", parameters);
        if (groupDim is not null)
        {
            where += $" and {group} is not null";
            if (onlyValues is not null)
            {
                where += $" and {group} = any(@gvals)";
                parameters.Add(new NpgsqlParameter("gvals", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = onlyValues.ToArray() });
            }
        }
        var result = new AnalyticsWindow
        {
            Sql = filter.Role == AnalyticsRole.All
                ? $"""
                    select c.created_at as at, c.repository_id, {group} as g, {CommentFigures}
                    from review_comments c
                    where c.created_at >= @from and c.created_at < @to and {string.Format(RepositoryFilter, "c")}{where}
                    """
                : RoleWindow(filter.Role, group, where),
        };
        result.Parameters.AddRange(parameters);
        return result;
    }

    /// <summary>The SQL value of a dimension on comment alias c; a label key travels as a parameter.</summary>
    public static string DimExpr(string dim, string keyParameter, List<NpgsqlParameter> parameters)
    {
        switch (dim)
        {
            case GroupDims.Rule: return "c.rule";
            case GroupDims.Category: return "c.category";
            case GroupDims.Severity: return "c.severity";
            case GroupDims.Repository: return "c.repository_id::text";
        }
        parameters.Add(new NpgsqlParameter(keyParameter, NpgsqlDbType.Text) { Value = dim[GroupDims.LabelPrefix.Length..] });
        return $"(c.labels ->> @{keyParameter})";
    }

    /// <summary>
    /// The same rows for one role, from the comments and their reactions (a role's figures can't come from a rollup,
    /// which counts everyone): reactions by that role only, and what the role counts as addressed.
    /// </summary>
    public static string RoleWindow(AnalyticsRole role, string group = "null::text", string where = "")
    {
        var maintainer = $"{RoleResolution.Resolved("m", "f.reactor_association")} in ('OWNER', 'MEMBER', 'COLLABORATOR')";
        var (reactor, join, addressed) = role == AnalyticsRole.Maintainers
            ? (maintainer, RoleResolution.Join("m", "r.full_name", "f.reactor_id"),
               "(coalesce(c.resolved, false) and not coalesce(c.resolved_by_bot, false) and exists (select 1 from maintainers rm " +
               "where rm.repo_full_name = r.full_name and lower(rm.login) = lower(c.resolved_by)))")
            : ("f.reactor_id = t.pr_author_id", "",
               "(coalesce(c.outdated, false) or (coalesce(c.resolved, false) and lower(c.resolved_by) = lower(t.pr_author_login)))");
        return $"""
            select c.created_at as at, c.repository_id, {group} as g, 1 as comments, (x.up + x.down > 0)::int as reacted, x.up, x.down,
                   coalesce({addressed}, false)::int as addressed, {CommentOutcomes}
            from review_comments c
            join tasks t on t.id = c.task_id
            join repositories r on r.id = c.repository_id
            cross join lateral (
                select count(*) filter (where f.content = '+1')::int as up, count(*) filter (where f.content = '-1')::int as down
                from review_feedback f {join}
                where f.kind = c.kind and f.github_comment_id = c.github_comment_id and {reactor}
            ) x
            where c.created_at >= @from and c.created_at < @to
              and (@repo::text is null or c.repository_id = (select id from repositories where full_name = @repo)){where}
            """;
    }

    /// <summary>SQL predicates (each starting with " and ") on comment alias c for the filter's constraints.</summary>
    public static string ConstraintPredicates(AnalyticsFilter filter, List<NpgsqlParameter> parameters)
    {
        var constraints = filter.Constraints();
        var sql = "";
        for (var i = 0; i < constraints.Count; i++)
        {
            sql += $" and {DimExpr(constraints[i].Dim, $"ck{i}", parameters)} = @cv{i}";
            parameters.Add(new NpgsqlParameter($"cv{i}", NpgsqlDbType.Text) { Value = constraints[i].Value });
        }
        if (filter.Installations is { } installations)
        {
            sql += " and exists (select 1 from tasks ti where ti.id = c.task_id and ti.installation_id = any(@installations))";
            parameters.Add(new NpgsqlParameter("installations", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = installations.ToArray() });
        }
        if (filter.Paired is { } paired)
        {
            // A pull request is shared when each side has a comment on it in the period (within the key's installations).
            var reach = filter.Installations is null ? "" : " and t2.installation_id = any(@installations)";
            sql += $"""
                 and exists (select 1 from tasks pt where pt.id = c.task_id and (pt.repository_id, pt.pr_number) in (
                    select t2.repository_id, t2.pr_number from review_comments c2 join tasks t2 on t2.id = c2.task_id
                    where c2.created_at >= @from and c2.created_at < @to and (c2.labels ->> @pairkey) in (@paira, @pairb){reach}
                    group by 1, 2 having count(distinct c2.labels ->> @pairkey) = 2))
                """;
            parameters.Add(new NpgsqlParameter("pairkey", NpgsqlDbType.Text) { Value = paired.LabelKey });
            parameters.Add(new NpgsqlParameter("paira", NpgsqlDbType.Text) { Value = paired.A });
            parameters.Add(new NpgsqlParameter("pairb", NpgsqlDbType.Text) { Value = paired.B });
        }
        return sql;
    }
}
