using FeedbackDashboard.Core.Model;
using Npgsql;

namespace FeedbackDashboard.Core.Maintainers;

/// <summary>
/// The maintainers rows GitHub's deliveries change between two refreshes, a rename carries along, and the demo seeds.
/// Each runs on the caller's connection and transaction, so it commits with whatever else the caller writes.
/// </summary>
public static class MaintainerChanges
{
    /// <summary>
    /// A direct collaborator added (or edited) on the installation's repository: a COLLABORATOR row, or a stronger row
    /// that stays and is a collaborator's too.
    /// </summary>
    public static Task CollaboratorAddedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long installation, long repositoryGitHubId,
        string repositoryName, long userId, string login, DateTimeOffset now, CancellationToken ct) =>
        ExecAsync(conn, tx, $"""
            insert into maintainers (repo_full_name, github_id, login, association, collaborator, refreshed_at)
            select r.full_name, @uid, @login, '{Associations.Collaborator}', true, @now from repositories r
            where r.installed and r.installation_id = @inst and (r.github_id = @gid or (r.github_id is null and r.full_name = @name))
            on conflict (repo_full_name, github_id) do update set login = excluded.login, collaborator = true
            """, installation, userId, login, now, [("gid", repositoryGitHubId), ("name", repositoryName)], ct);

    /// <summary>A direct collaborator removed: a collaborator-only row goes; a member's or owner's row stays and is no longer a collaborator's.</summary>
    public static Task CollaboratorRemovedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long installation, long repositoryGitHubId,
        string repositoryName, long userId, string login, DateTimeOffset now, CancellationToken ct) =>
        ExecAsync(conn, tx, """
            with repo as (select full_name from repositories r
                          where r.installation_id = @inst and (r.github_id = @gid or (r.github_id is null and r.full_name = @name))),
            gone as (delete from maintainers m using repo
                     where m.repo_full_name = repo.full_name and m.github_id = @uid and m.association = 'COLLABORATOR')
            update maintainers m set collaborator = false from repo
            where m.repo_full_name = repo.full_name and m.github_id = @uid and m.association <> 'COLLABORATOR'
            """, installation, userId, login, now, [("gid", repositoryGitHubId), ("name", repositoryName)], ct);

    /// <summary>An org member added: a MEMBER row on every registered repository of the org the installation reaches (an OWNER row stays).</summary>
    public static Task OrgMemberAddedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long installation, string org, long userId,
        string login, DateTimeOffset now, CancellationToken ct) =>
        ExecAsync(conn, tx, """
            insert into maintainers (repo_full_name, github_id, login, association, refreshed_at)
            select r.full_name, @uid, @login, 'MEMBER', @now from repositories r
            where r.installed and r.installation_id = @inst and lower(r.owner) = @org
            on conflict (repo_full_name, github_id) do update set login = excluded.login,
                association = case when maintainers.association = 'OWNER' then 'OWNER' else 'MEMBER' end
            """, installation, userId, login, now, [("org", org)], ct);

    /// <summary>An org member removed: their MEMBER rows go, except where they are a direct collaborator too: those become COLLABORATOR.</summary>
    public static Task OrgMemberRemovedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long installation, string org, long userId,
        string login, DateTimeOffset now, CancellationToken ct) =>
        ExecAsync(conn, tx, """
            with rows as (select m.repo_full_name from maintainers m join repositories r on r.full_name = m.repo_full_name
                          where r.installation_id = @inst and lower(r.owner) = @org and m.github_id = @uid and m.association = 'MEMBER'),
            gone as (delete from maintainers m using rows
                     where m.repo_full_name = rows.repo_full_name and m.github_id = @uid and not m.collaborator)
            update maintainers m set association = 'COLLABORATOR' from rows
            where m.repo_full_name = rows.repo_full_name and m.github_id = @uid and m.collaborator
            """, installation, userId, login, now, [("org", org)], ct);

    /// <summary>
    /// The rows of a repository that takes a new name follow it (rows already under the new name give way): batch
    /// commands the rename sends with its own statement, in its transaction and round trip.
    /// </summary>
    public static IEnumerable<NpgsqlBatchCommand> FollowRename(string oldName, string newFullName)
    {
        var clear = new NpgsqlBatchCommand("delete from maintainers m where m.repo_full_name = lower(@full)");
        clear.Parameters.AddWithValue("full", newFullName);
        yield return clear;
        var follow = new NpgsqlBatchCommand("update maintainers set repo_full_name = lower(@full) where repo_full_name = @old");
        follow.Parameters.AddWithValue("full", newFullName);
        follow.Parameters.AddWithValue("old", oldName);
        yield return follow;
    }

    /// <summary>The demo's maintainers: these people on each repository, as if a refresh had just read them (refreshed at <paramref name="refreshedAt"/>).</summary>
    public static async Task SeedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<string> repositories,
        IReadOnlyList<MaintainerEntry> people, DateTimeOffset refreshedAt, CancellationToken ct)
    {
        var rows = repositories.SelectMany(repo => people.Select(p => (Repo: repo, Person: p))).ToList();
        await using var cmd = new NpgsqlCommand("""
            with seeded as (
                insert into maintainers (repo_full_name, github_id, login, association, refreshed_at)
                select repo, id, login, association, @at from unnest(@repos, @ids, @logins, @associations) as x(repo, id, login, association))
            update repositories set maintainers_refreshed_at = @at, maintainers_outcome = 'ok' where full_name = any(@repos)
            """, conn, tx);
        cmd.Parameters.AddWithValue("repos", rows.Select(r => r.Repo).ToArray());
        cmd.Parameters.AddWithValue("ids", rows.Select(r => r.Person.GithubId).ToArray());
        cmd.Parameters.AddWithValue("logins", rows.Select(r => r.Person.Login).ToArray());
        cmd.Parameters.AddWithValue("associations", rows.Select(r => r.Person.Association.ToWire()).ToArray());
        cmd.Parameters.AddWithValue("at", refreshedAt);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>One webhook delta: the installation, the person and the time, and what names the repository or the org.</summary>
    private static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, long installation, long userId, string login,
        DateTimeOffset now, (string Name, object Value)[] target, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        cmd.Parameters.AddWithValue("inst", installation);
        cmd.Parameters.AddWithValue("uid", userId);
        cmd.Parameters.AddWithValue("login", login);
        cmd.Parameters.AddWithValue("now", now);
        foreach (var (name, value) in target) cmd.Parameters.AddWithValue(name, value);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
