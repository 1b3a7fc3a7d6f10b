using FeedbackDashboard.Core.Model;

namespace FeedbackDashboard.Core.Maintainers;

/// <summary>
/// The one place that builds serve-time role resolution: the live maintainers row wins over the association
/// stored at ingest (which the refresh never rewrites). The join hits the maintainers primary key
/// (repo_full_name, github_id), so it is an index lookup whatever the table's size.
/// </summary>
public static class RoleResolution
{
    /// <summary>
    /// SQL: a LEFT JOIN of maintainers aliased <paramref name="alias"/> for the person <paramref name="personIdColumn"/>
    /// in the repository whose full name is <paramref name="repoFullNameColumn"/>.
    /// </summary>
    public static string Join(string alias, string repoFullNameColumn, string personIdColumn) =>
        $"left join maintainers {alias} on {alias}.repo_full_name = lower({repoFullNameColumn}) and {alias}.github_id = {personIdColumn}";

    /// <summary>SQL: the resolved association, given the join above and the stored snapshot column.</summary>
    public static string Resolved(string alias, string storedColumn) => $"coalesce({alias}.association, {storedColumn})";

    /// <summary>The associations counted as maintainers (the dashboard's "maintainers only" filter).</summary>
    public static readonly IReadOnlySet<string> MaintainerRoles = Associations.Names.All.Where(w => Associations.Parse(w)!.Value.IsMaintainer()).ToHashSet();
}
