using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Maintainers;
using FeedbackDashboard.Core.Model;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FeedbackDashboard.Core.Repositories;

/// <summary>What an installation reaches this cycle: registered repository id → GitHub's numeric id.</summary>
public sealed record InstallationAccess(IReadOnlyDictionary<long, long> Reachable, IReadOnlySet<long> Lost);

/// <summary>
/// Reads GET /installation/repositories once per installation and cycle and brings the registered repositories in
/// line: each learns its numeric id; a new name for that id is a rename or transfer (the name follows, with the
/// maintainers rows); a repository missing from a complete list has lost access (its comments pause, an access_lost
/// condition opens) and resumes by itself when it is listed again. A list that could not be read changes nothing.
/// </summary>
public sealed class RepositoryAccess(NpgsqlDataSource db, GitHubClient github, PollConditions conditions, ILogger<RepositoryAccess> log)
{
    private sealed record Registered(long Id, string FullName, long? GitHubId, bool Lost);

    /// <summary>Null when the list could not be read: no verdict on any repository this cycle.</summary>
    public async Task<InstallationAccess?> RefreshAsync(GitHubUsage usage, long installationId, CancellationToken ct)
    {
        IReadOnlyList<InstalledRepository> listed;
        try
        {
            listed = await github.Installations.GetRepositoriesAsync(usage, installationId, ct);
        }
        catch (GitHubRequestException e)
        {
            log.LogWarning("Installation {InstallationId}: repositories unknown this cycle: {Error}", installationId, e.Message);
            return null;
        }

        var byId = listed.ToDictionary(r => r.Id);
        var byName = listed.GroupBy(r => r.FullName.ToLowerInvariant()).ToDictionary(g => g.Key, g => g.First());
        var reachable = new Dictionary<long, long>();
        var lost = new HashSet<long>();
        foreach (var repo in await RegisteredAsync(installationId, ct))
        {
            var match = repo.GitHubId is { } gid ? byId.GetValueOrDefault(gid) : byName.GetValueOrDefault(repo.FullName);
            if (match is null)
            {
                lost.Add(repo.Id);
                if (!repo.Lost)
                {
                    log.LogWarning("Installation {InstallationId} no longer reaches {Repository}: its comments pause", installationId, repo.FullName);
                    await SetLostAsync(repo.Id, true, ct);
                    await conditions.SetAsync(installationId, repo.Id, ConditionKind.AccessLost,
                        $"{repo.FullName} is not among the installation's repositories (removed from the installation, or deleted)", ct);
                }
                continue;
            }
            reachable[repo.Id] = match.Id;
            if (repo.Lost)
            {
                log.LogInformation("Installation {InstallationId} reaches {Repository} again: polling resumes", installationId, repo.FullName);
                await SetLostAsync(repo.Id, false, ct);
                await conditions.ClearAsync(installationId, repo.Id, ConditionKind.AccessLost, ct);
            }
            if (repo.GitHubId is null) await SetGitHubIdAsync(repo.Id, match.Id, ct);
            var current = match.FullName.ToLowerInvariant();
            if (current != repo.FullName)
            {
                log.LogInformation("Repository {Old} is now {New}", repo.FullName, current);
                var kept = await RenameAsync(repo.Id, repo.FullName, match.FullName, ct);
                if (kept != repo.Id) reachable[kept] = match.Id;
                await conditions.SetAsync(installationId, kept, ConditionKind.Renamed, $"{repo.FullName} → {current}", ct);
            }
        }
        return new InstallationAccess(reachable, lost);
    }

    private async Task<List<Registered>> RegisteredAsync(long installationId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "select id, full_name, github_id, access_lost_at is not null as lost from repositories where installation_id = @inst and installed");
        cmd.Parameters.AddWithValue("inst", installationId);
        var list = new List<Registered>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new Registered(r.Get<long>("id"), r.Get<string>("full_name"), r.Get<long?>("github_id"), r.Get<bool>("lost")));
        return list;
    }

    private async Task SetLostAsync(long repositoryId, bool lost, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("update repositories set access_lost_at = case when @lost then now() end where id = @id");
        cmd.Parameters.AddWithValue("lost", lost);
        cmd.Parameters.AddWithValue("id", repositoryId);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task SetGitHubIdAsync(long repositoryId, long githubId, CancellationToken ct)
    {
        // Another row may already hold the id (registered under the new name after a rename): it keeps it.
        await using var cmd = db.CreateCommand("""
            update repositories set github_id = @gid
            where id = @id and not exists (select 1 from repositories where github_id = @gid)
            """);
        cmd.Parameters.AddWithValue("gid", githubId);
        cmd.Parameters.AddWithValue("id", repositoryId);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<long> RenameAsync(long repositoryId, string oldName, string newFullName, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var kept = await RenameAsync(conn, tx, repositoryId, oldName, newFullName, ct);
        await tx.CommitAsync(ct);
        return kept;
    }

    /// <summary>
    /// The registered repository takes its new name (and its maintainers rows with it). When the new name is already
    /// registered (a run posted after the rename), the runs move to that row and the old one goes. Returns the row kept.
    /// Runs in the caller's transaction: the poller's access check and the repository webhook share it.
    /// </summary>
    public static async Task<long> RenameAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long repositoryId, string oldName,
        string newFullName, CancellationToken ct)
    {
        var slash = newFullName.IndexOf('/');
        await using var find = new NpgsqlCommand("select id from repositories where full_name = @name", conn, tx);
        find.Parameters.AddWithValue("name", newFullName.ToLowerInvariant());
        var existing = (long?)await find.ExecuteScalarAsync(ct);
        if (existing is { } other && other != repositoryId)
        {
            await using var move = new NpgsqlCommand("""
                update tasks set repository_id = @other where repository_id = @id;
                delete from repositories where id = @id;
                """, conn, tx);
            move.Parameters.AddWithValue("other", other);
            move.Parameters.AddWithValue("id", repositoryId);
            await move.ExecuteNonQueryAsync(ct);
            // The kept row learns the numeric id by its name on the next read.
            return other;
        }
        await using var rename = new NpgsqlBatch(conn, tx);
        var row = new NpgsqlBatchCommand("update repositories set owner = @owner, name = @name, full_name = lower(@full) where id = @id");
        row.Parameters.AddWithValue("owner", newFullName[..slash]);
        row.Parameters.AddWithValue("name", newFullName[(slash + 1)..]);
        row.Parameters.AddWithValue("full", newFullName);
        row.Parameters.AddWithValue("id", repositoryId);
        rename.BatchCommands.Add(row);
        foreach (var follow in MaintainerChanges.FollowRename(oldName, newFullName)) rename.BatchCommands.Add(follow);
        await rename.ExecuteNonQueryAsync(ct);
        return repositoryId;
    }
}
