using Npgsql;

namespace FeedbackDashboard.Core.Repositories;

/// <summary>
/// Registers repositories. A registered repository keeps the installation GitHub reported: only GitHub's installation
/// events (<see cref="RepositoryChanges.MoveToInstallationAsync"/>) move one, never a caller that names another.
/// </summary>
public static class RepositoryRegistry
{
    /// <summary>
    /// SQL for a CTE: registers <c>@full_name</c> (<c>@owner</c>, <c>@name</c>) under <c>@installation</c>, or marks the
    /// registered one installed again, and returns its id; returns no row when it is registered under another
    /// installation, so the statement it heads writes nothing. It is a fragment so the rule holds inside the caller's
    /// one statement, with no window between the check and the write.
    /// </summary>
    public const string RegisterUnderInstallation = """
        insert into repositories (owner, name, full_name, installation_id, installed)
        values (@owner, @name, @full_name, @installation, true)
        on conflict (full_name) do update
            set owner = excluded.owner, name = excluded.name, installed = true
            where repositories.installation_id = excluded.installation_id
        returning id
        """;

    /// <summary>
    /// The delivering installation's repository, registered when unknown; null when it is registered under another
    /// installation (only GitHub's installation events move a repository).
    /// </summary>
    public static async Task<long?> FindOrAddAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long installation, long githubId, string fullName,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            with found as (
                select id from repositories
                where installation_id = @inst and (github_id = @gid or (github_id is null and full_name = @full_name))
                order by github_id nulls last limit 1),
            added as (
                insert into repositories (owner, name, full_name, installation_id, installed, github_id)
                select @owner, @name, @full_name, @inst, true, @gid where not exists (select 1 from found)
                on conflict do nothing
                returning id)
            select id from found union all select id from added
            """, conn, tx);
        var slash = fullName.IndexOf('/');
        cmd.Parameters.AddWithValue("inst", installation);
        cmd.Parameters.AddWithValue("gid", githubId);
        cmd.Parameters.AddWithValue("owner", fullName[..slash]);
        cmd.Parameters.AddWithValue("name", fullName[(slash + 1)..]);
        cmd.Parameters.AddWithValue("full_name", fullName.ToLowerInvariant());
        if (await cmd.ExecuteScalarAsync(ct) is long id) return id;

        // A delivery committing the same new repository meanwhile made the insert do nothing, unseen by this statement's
        // snapshot: a fresh statement sees it (and still nothing of another installation).
        await using var again = new NpgsqlCommand("""
            select id from repositories
            where installation_id = @inst and (github_id = @gid or (github_id is null and full_name = @full_name))
            order by github_id nulls last limit 1
            """, conn, tx);
        again.Parameters.AddWithValue("inst", installation);
        again.Parameters.AddWithValue("gid", githubId);
        again.Parameters.AddWithValue("full_name", fullName.ToLowerInvariant());
        return await again.ExecuteScalarAsync(ct) is long found ? found : null;
    }

    /// <summary>Registers new repositories (lowercase owner/name) under the installation, in the caller's transaction (the demo's seeding).</summary>
    public static async Task AddAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<string> fullNames, long installation,
        string ownerType, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            insert into repositories (owner, name, full_name, installation_id, owner_type)
            select split_part(full_name, '/', 1), split_part(full_name, '/', 2), full_name, @inst, @owner_type
            from unnest(@names) with ordinality as x(full_name, n) order by n
            """, conn, tx);
        cmd.Parameters.AddWithValue("names", fullNames.ToArray());
        cmd.Parameters.AddWithValue("inst", installation);
        cmd.Parameters.AddWithValue("owner_type", ownerType);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
