using FeedbackDashboard.Core.Data;
using Npgsql;

namespace FeedbackDashboard.Core.Maintainers;

public sealed record MaintainerView(long GithubId, string Login, string Association, DateTimeOffset RefreshedAt);

public sealed record RepoMaintainers(string Repository, string Owner, string Name, DateTimeOffset? RefreshedAt, string? Outcome,
    string? Error, IReadOnlyList<MaintainerView> Maintainers);

public sealed record RepoMaintainersSummary(string Repository, string Owner, string Name, long InstallationId, bool Installed,
    int Maintainers, DateTimeOffset? RefreshedAt, string? Outcome, string? Error);

public sealed class MaintainersQueries(NpgsqlDataSource db)
{
    /// <summary>A registered repository's maintainers (owner/name case-insensitive); null when it is not registered.</summary>
    public async Task<RepoMaintainers?> ForRepoAsync(string owner, string name, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        var fullName = $"{owner}/{name}".ToLowerInvariant();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            select full_name, owner, name, maintainers_refreshed_at, maintainers_outcome, maintainers_error
            from repositories where full_name = @repo
            """) { Parameters = { new("repo", fullName) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            select github_id, login, association, refreshed_at from maintainers where repo_full_name = lower(@repo)
            order by case association when 'OWNER' then 0 when 'MEMBER' then 1 else 2 end, lower(login)
            """) { Parameters = { new("repo", fullName) } });
        await using var r = await batch.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        var repo = (FullName: r.Get<string>("full_name"), Owner: r.Get<string>("owner"), Name: r.Get<string>("name"),
            RefreshedAt: r.Get<DateTimeOffset?>("maintainers_refreshed_at"), Outcome: r.GetOrNull<string>("maintainers_outcome"),
            Error: r.GetOrNull<string>("maintainers_error"));
        await r.NextResultAsync(ct);
        var list = new List<MaintainerView>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new MaintainerView(r.Get<long>("github_id"), r.Get<string>("login"), r.Get<string>("association"),
                r.Get<DateTimeOffset>("refreshed_at")));
        }
        return new RepoMaintainers(repo.FullName, repo.Owner, repo.Name, repo.RefreshedAt, repo.Outcome, repo.Error, list);
    }

    public async Task<IReadOnlyList<RepoMaintainersSummary>> RepositoriesAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select r.full_name, r.owner, r.name, r.installation_id, r.installed,
                   (select count(*)::int from maintainers m where m.repo_full_name = r.full_name) as maintainers,
                   r.maintainers_refreshed_at, r.maintainers_outcome, r.maintainers_error
            from repositories r order by r.full_name
            """);
        var list = new List<RepoMaintainersSummary>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new RepoMaintainersSummary(r.Get<string>("full_name"), r.Get<string>("owner"), r.Get<string>("name"),
                r.Get<long>("installation_id"), r.Get<bool>("installed"), r.Get<int>("maintainers"),
                r.Get<DateTimeOffset?>("maintainers_refreshed_at"), r.GetOrNull<string>("maintainers_outcome"),
                r.GetOrNull<string>("maintainers_error")));
        }
        return list;
    }
}
