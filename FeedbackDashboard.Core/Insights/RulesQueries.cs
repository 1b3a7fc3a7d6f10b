using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.Maintainers;
using FeedbackDashboard.Core.Model;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Insights;

/// <summary>
/// A rule of the bot judged by the repository's maintainers (roles resolved now, live maintainers table first):
/// acceptance and its Wilson interval are over maintainers' reactions; up/down count everyone's.
/// </summary>
public sealed record RuleFigures(string Rule, int Comments, int Up, int Down, int MaintainerUp, int MaintainerDown, int Addressed,
    int Suggestions = 0, int Applied = 0, int Reraised = 0, int ReraisedAfterDown = 0)
{
    public double? Acceptance => MaintainerUp + MaintainerDown == 0 ? null : (double)MaintainerUp / (MaintainerUp + MaintainerDown);
    public double? AcceptanceLow => Statistics.Wilson(MaintainerUp, MaintainerUp + MaintainerDown)?.Low;
    public double? AcceptanceHigh => Statistics.Wilson(MaintainerUp, MaintainerUp + MaintainerDown)?.High;
    public double? AddressedRate => Comments == 0 ? null : (double)Addressed / Comments;

    /// <summary>applied / suggestions.</summary>
    public double? AppliedRate => Suggestions == 0 ? null : (double)Applied / Suggestions;

    /// <summary>re-raised comments / comments.</summary>
    public double? ReraiseRate => Comments == 0 ? null : (double)Reraised / Comments;

    /// <summary>Re-raises after a 👎 that makes a rule noisy on its own.</summary>
    public const int NoisyReraises = 2;

    /// <summary>
    /// noisy: maintainers reject it — even the upper end of the 95 % interval of their acceptance is under one half —, or
    /// it raised again, at least twice, findings a person had 👎'd; keep otherwise; not_enough_data below 10 maintainer
    /// reactions and fewer such re-raises.
    /// </summary>
    // Repeating a finding after an explicit 👎 is the noise people complain of most, whatever the reactions say, and it
    // needs no vote count to be sure of; two, not one, so a single fingerprint collision never condemns a rule.
    public string Verdict => Judge().ToWire();

    private RuleVerdict Judge() => ReraisedAfterDown >= NoisyReraises ? RuleVerdict.Noisy
        : MaintainerUp + MaintainerDown < Statistics.MinimumReactions ? RuleVerdict.NotEnoughData
        : AcceptanceHigh < 0.5 ? RuleVerdict.Noisy : RuleVerdict.Keep;

    /// <summary>Noisiest first: noisy, then keep, each by the upper end of the acceptance interval; low-data rules last.</summary>
    internal (int, double, int) SortKey => (Judge() switch { RuleVerdict.Noisy => 0, RuleVerdict.Keep => 1, _ => 2 }, AcceptanceHigh ?? 1, -(MaintainerDown + Down));
}

/// <summary>A comment behind a rule, as the Rules page lists it.</summary>
public sealed record RuleComment(Guid TaskId, string Repository, int PrNumber, string Kind, long GithubCommentId, string? File, int? Line,
    string? Body, string? HtmlUrl, int Up, int Down, DateTimeOffset CreatedAt);

public sealed class RulesQueries(NpgsqlDataSource db)
{
    /// <summary>The period's comments of one rule (in one repository, or all), most 👎 first.</summary>
    public async Task<IReadOnlyList<RuleComment>> CommentsAsync(string rule, string? repository, DateTimeOffset from, DateTimeOffset to, int limit,
        CancellationToken ct)
    {
        await using var connection = await CustomPlanned.OpenAsync(db, ct);
        await using var batch = connection.CreateBatch();
        var cmd = new NpgsqlBatchCommand("""
            select c.task_id, r.full_name as repository, t.pr_number, c.kind, c.github_comment_id, c.file, c.line, c.body, c.html_url,
                   c.up, c.down, c.created_at
            from review_comments c
            join tasks t on t.id = c.task_id
            join repositories r on r.id = c.repository_id
            where c.rule = @rule and c.created_at >= @from and c.created_at < @to
              and (@repo::text is null or c.repository_id = (select id from repositories where full_name = @repo))
            order by c.down desc, c.up + c.down desc, c.created_at desc
            limit @limit
            """);
        batch.BatchCommands.Add(cmd);
        cmd.Parameters.AddWithValue("rule", rule);
        cmd.Parameters.Add(new NpgsqlParameter("repo", NpgsqlDbType.Text) { Value = (object?)repository?.ToLowerInvariant() ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = to });
        cmd.Parameters.AddWithValue("limit", limit);
        var list = new List<RuleComment>();
        await using var r = await batch.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new RuleComment(r.Get<Guid>("task_id"), r.Get<string>("repository"), r.Get<int>("pr_number"), r.Get<string>("kind"),
                r.Get<long>("github_comment_id"), r.GetOrNull<string>("file"), r.Get<int?>("line"), r.GetOrNull<string>("body"),
                r.GetOrNull<string>("html_url"), r.Get<int>("up"), r.Get<int>("down"), r.Get<DateTimeOffset>("created_at")));
        }
        return list;
    }

    /// <summary>Each rule of the period's comments (in one repository, or all), noisiest first.</summary>
    /// <param name="installations">Only comments of runs recorded under these installations; null for all.</param>
    public async Task<IReadOnlyList<RuleFigures>> RankAsync(string? repository, DateTimeOffset from, DateTimeOffset to, int minReactions,
        CancellationToken ct, IReadOnlyList<long>? installations = null)
    {
        var maintainer = $"{RoleResolution.Resolved("m", "f.reactor_association")} in ('OWNER', 'MEMBER', 'COLLABORATOR')";
        await using var connection = await CustomPlanned.OpenAsync(db, ct);
        await using var batch = connection.CreateBatch();
        // Two aggregates by rule, joined: the period's comments, and their reactions by maintainers (roles resolved now).
        // The maintainers' side is one set of hash joins: resolving each comment's reactors in a lateral subquery, one
        // comment at a time, is several times slower on a large period (figures in the benchmarks README).
        var period = """
            c.rule is not null and c.created_at >= @from and c.created_at < @to
            and (@repo::text is null or c.repository_id = (select id from repositories where full_name = @repo))
            """ + (installations is null ? "" : " and exists (select 1 from tasks ti where ti.id = c.task_id and ti.installation_id = any(@installations))");
        var cmd = new NpgsqlBatchCommand($"""
            select a.rule, a.comments, a.up, a.down, coalesce(b.up, 0) as maintainer_up, coalesce(b.down, 0) as maintainer_down, a.addressed,
                   a.suggestions, a.applied, a.reraised, a.reraised_after_down
            from (
                select c.rule, count(*)::int as comments, sum(c.up)::int as up, sum(c.down)::int as down,
                       count(*) filter (where review_comments_is_addressed(c.outdated, c.resolved, c.resolved_by_bot))::int as addressed,
                       count(*) filter (where c.has_suggestion)::int as suggestions,
                       count(*) filter (where c.has_suggestion and c.applied_commit is not null)::int as applied,
                       count(*) filter (where c.reraise_of is not null)::int as reraised,
                       count(*) filter (where c.reraise_of is not null and exists (
                           select 1 from review_feedback e where e.kind = c.kind and e.github_comment_id = c.reraise_of and e.content = '-1'
                                                             and e.reacted_at < c.created_at))::int as reraised_after_down
                from review_comments c
                where {period}
                group by c.rule
            ) a left join (
                select c.rule, count(*) filter (where f.content = '+1')::int as up, count(*) filter (where f.content = '-1')::int as down
                from review_comments c
                join repositories r on r.id = c.repository_id
                join review_feedback f on f.kind = c.kind and f.github_comment_id = c.github_comment_id
                {RoleResolution.Join("m", "r.full_name", "f.reactor_id")}
                where {period} and c.up + c.down > 0 and {maintainer}
                group by c.rule
            ) b on b.rule = a.rule
            """);
        batch.BatchCommands.Add(cmd);
        cmd.Parameters.Add(new NpgsqlParameter("repo", NpgsqlDbType.Text) { Value = (object?)repository?.ToLowerInvariant() ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = to });
        if (installations is not null)
            cmd.Parameters.Add(new NpgsqlParameter("installations", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = installations.ToArray() });
        var rules = new List<RuleFigures>();
        await using var r = await batch.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var rule = new RuleFigures(r.Get<string>("rule"), r.Get<int>("comments"), r.Get<int>("up"), r.Get<int>("down"),
                r.Get<int>("maintainer_up"), r.Get<int>("maintainer_down"), r.Get<int>("addressed"), r.Get<int>("suggestions"),
                r.Get<int>("applied"), r.Get<int>("reraised"), r.Get<int>("reraised_after_down"));
            if (rule.MaintainerUp + rule.MaintainerDown >= minReactions) rules.Add(rule);
        }
        return rules.OrderBy(x => x.SortKey).ThenBy(x => x.Rule, StringComparer.Ordinal).ToList();
    }
}
