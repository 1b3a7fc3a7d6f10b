using FeedbackDashboard.Core.Data;
using Npgsql;

namespace FeedbackDashboard.Core.Insights;

/// <summary>
/// What became of one comment of a run, as its page shows it: the disposition, the suggested lines and the commit that
/// applied them, who resolved the thread, and the earlier comment it raises again (with that comment's run, which is
/// usually an earlier review round of the same pull request).
/// </summary>
public sealed record CommentOutcome(string Kind, long GithubCommentId, string Disposition, string? SuggestedLines, string? AppliedCommit,
    string? ResolvedByKind, long? ReraiseOf, Guid? ReraiseOfTaskId, string? ReraiseOfFile, int? ReraiseOfLine)
{
    /// <summary>The suggested lines, one string each (the column joins them with newlines).</summary>
    public IReadOnlyList<string> SuggestedLineList() => SuggestedLines is null ? [] : SuggestedLines.Split('\n');
}

/// <summary>The run page's comments with what became of them, read in the same batch as the run (<see cref="FeedbackQueries.GetRunPageAsync"/>).</summary>
public sealed record RunPage(TaskFeedback Run, IReadOnlyList<CommentOutcome> Outcomes);

internal static class CommentOutcomes
{
    /// <summary>Each comment of run $1 with what became of it.</summary>
    public const string ForRunSql = """
        select c.kind, c.github_comment_id, c.disposition, c.suggested_lines, c.applied_commit, c.resolved_by_kind, c.reraise_of,
               e.task_id as reraise_of_task_id, e.file as reraise_of_file, e.line as reraise_of_line
        from review_comments c
        left join review_comments e on e.kind = c.kind and e.github_comment_id = c.reraise_of
        where c.task_id = $1
        order by c.github_comment_id
        """;

    public static async Task<IReadOnlyList<CommentOutcome>> ReadAsync(NpgsqlDataReader r, CancellationToken ct)
    {
        var list = new List<CommentOutcome>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new CommentOutcome(r.Get<string>("kind"), r.Get<long>("github_comment_id"), r.Get<string>("disposition"),
                r.GetOrNull<string>("suggested_lines"), r.GetOrNull<string>("applied_commit"), r.GetOrNull<string>("resolved_by_kind"),
                r.Get<long?>("reraise_of"), r.Get<Guid?>("reraise_of_task_id"), r.GetOrNull<string>("reraise_of_file"),
                r.Get<int?>("reraise_of_line")));
        }
        return list;
    }
}
