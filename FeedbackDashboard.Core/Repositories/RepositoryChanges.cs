using FeedbackDashboard.Core.Data;
using Npgsql;

namespace FeedbackDashboard.Core.Repositories;

/// <summary>
/// What GitHub's deliveries say about registered repositories (installation moves, access lost and back, renames),
/// applied under the poller's rules on the caller's connection and transaction: access lost pauses and never retires,
/// a rename follows GitHub's numeric id. Repositories are matched by that id, or by name while they have not learned it.
/// </summary>
public static class RepositoryChanges
{
    /// <summary>
    /// GitHub says these repositories are now the installation's (added to it, or the App installed again): a registered
    /// one under another installation moves here, with its comments (a trigger), and the old installation's conditions
    /// about it close. This is the only way a repository changes installation; the API never moves one.
    /// </summary>
    public static async Task MoveToInstallationAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long installation, long[] ids,
        string[] names, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            with moved as (
                update repositories r set installation_id = @inst
                where r.installation_id <> @inst and (r.github_id = any(@ids) or (r.github_id is null and r.full_name = any(@names)))
                returning r.id)
            delete from poller_conditions pc using moved where pc.repository_id = moved.id and pc.installation_id <> @inst
            """, conn, tx);
        cmd.Parameters.AddWithValue("inst", installation);
        cmd.Parameters.AddWithValue("ids", ids);
        cmd.Parameters.AddWithValue("names", names);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The installation's repositories named (all of them when <paramref name="ids"/> is null) lose access: their
    /// comments pause with an access_lost condition saying <paramref name="why"/>, nothing is retired.
    /// </summary>
    public static async Task LoseAccessAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long installation, long[]? ids, string[]? names,
        string why, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            with lost as (
                update repositories r set access_lost_at = coalesce(r.access_lost_at, @now)
                where r.installation_id = @inst and r.installed
                  and (@all or r.github_id = any(@ids) or (r.github_id is null and r.full_name = any(@names)))
                returning r.id, r.full_name)
            insert into poller_conditions (installation_id, repository_id, kind, since, detail, updated_at)
            select @inst, id, 'access_lost', @now, full_name || ' ' || @why, @now from lost
            on conflict (installation_id, coalesce(repository_id, 0), kind) do update set detail = excluded.detail, updated_at = excluded.updated_at
            """, conn, tx);
        AddSelection(cmd, installation, ids, names);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("why", why);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Access back for the installation's repositories named (all of them when <paramref name="ids"/> is null): the
    /// access_lost condition clears. Returns the repositories matched, whose comments the caller makes due.
    /// </summary>
    public static async Task<long[]> RegainAccessAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long installation, long[]? ids,
        string[]? names, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            with back as (
                update repositories r set access_lost_at = null
                where r.installation_id = @inst and r.installed
                  and (@all or r.github_id = any(@ids) or (r.github_id is null and r.full_name = any(@names)))
                returning r.id),
            cleared as (
                delete from poller_conditions pc using back
                where pc.installation_id = @inst and pc.repository_id = back.id and pc.kind = 'access_lost')
            select id from back
            """, conn, tx);
        AddSelection(cmd, installation, ids, names);
        var back = new List<long>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) back.Add(r.Get<long>("id"));
        return [.. back];
    }

    /// <summary>
    /// The delivering installation's repository with this numeric id (or, before it learned it, its former name) learns
    /// the id and takes the new name; a renamed condition says so.
    /// </summary>
    public static async Task FollowRenameAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long installation, long githubId, string oldName,
        string newFullName, DateTimeOffset now, CancellationToken ct)
    {
        long id, inst;
        string current;
        await using (var find = new NpgsqlCommand("""
            select id, full_name, installation_id from repositories
            where installation_id = @inst and (github_id = @gid or (github_id is null and full_name = @old)) order by github_id nulls last limit 1
            """, conn, tx))
        {
            find.Parameters.AddWithValue("inst", installation);
            find.Parameters.AddWithValue("gid", githubId);
            find.Parameters.AddWithValue("old", oldName.ToLowerInvariant());
            await using var r = await find.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct)) return;
            (id, current, inst) = (r.Get<long>("id"), r.Get<string>("full_name"), r.Get<long>("installation_id"));
        }
        // Another row may already hold the id (registered under the new name after the rename): it keeps it.
        await using (var learn = new NpgsqlCommand(
            "update repositories set github_id = @gid where id = @id and not exists (select 1 from repositories where github_id = @gid)", conn, tx))
        {
            learn.Parameters.AddWithValue("gid", githubId);
            learn.Parameters.AddWithValue("id", id);
            await learn.ExecuteNonQueryAsync(ct);
        }
        if (current == newFullName.ToLowerInvariant()) return;
        var kept = await RepositoryAccess.RenameAsync(conn, tx, id, current, newFullName, ct);
        // A rename is news: a second one moves the condition's since.
        await using var condition = new NpgsqlCommand("""
            insert into poller_conditions (installation_id, repository_id, kind, since, detail, updated_at)
            values (@inst, @repo, 'renamed', @now, @detail, @now)
            on conflict (installation_id, coalesce(repository_id, 0), kind) do update set since = excluded.since, detail = excluded.detail, updated_at = excluded.updated_at
            """, conn, tx);
        condition.Parameters.AddWithValue("inst", inst);
        condition.Parameters.AddWithValue("repo", kept);
        condition.Parameters.AddWithValue("now", now);
        condition.Parameters.AddWithValue("detail", $"{current} → {newFullName.ToLowerInvariant()}");
        await condition.ExecuteNonQueryAsync(ct);
    }

    private static void AddSelection(NpgsqlCommand cmd, long installation, long[]? ids, string[]? names)
    {
        cmd.Parameters.AddWithValue("inst", installation);
        cmd.Parameters.AddWithValue("all", ids is null);
        cmd.Parameters.AddWithValue("ids", ids ?? []);
        cmd.Parameters.AddWithValue("names", names ?? []);
    }
}
