using System.Security.Cryptography;
using System.Text;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Runs;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FeedbackDashboard.Core.Maintainers;

public static class RefreshOutcomes
{
    public const string Ok = "ok";
    public const string Failed = "failed";
    public const string SkippedEmpty = "skipped_empty";
    public const string Guarded = "guarded";
}

/// <summary>A maintainer of a repository: the strongest association, and whether they are a direct collaborator too.</summary>
public sealed record MaintainerEntry(long GithubId, string Login, Association Association, bool Collaborator = false);

/// <summary>
/// Keeps the live maintainers table: per registered and installed repository, the user owner (OWNER), the org's
/// members (MEMBER) and the direct collaborators (COLLABORATOR). Fetch everything before writing, fail closed per
/// repository, never wipe on an empty answer, one transaction per repository, and hold back a mass removal until
/// the same answer comes twice.
/// </summary>
public sealed class MaintainersRefresher(NpgsqlDataSource db, GitHubClient github, PollCycleRecorder recorder, TimeProvider time,
    ILogger<MaintainersRefresher> log)
{
    private const long RunLockKey = 0x4D41_494E_5453L; // "MAINTS": one refresh at a time across pollers

    private sealed record Repo(long Id, string FullName, long InstallationId, int Current, string? GuardHash);

    public async Task<RefreshReport?> RunAsync(CancellationToken ct)
    {
        await using var runLock = await db.OpenConnectionAsync(ct);
        await using (var take = new NpgsqlCommand("select pg_try_advisory_lock(@k)", runLock))
        {
            take.Parameters.AddWithValue("k", RunLockKey);
            if (!(bool)(await take.ExecuteScalarAsync(ct))!)
            {
                log.LogInformation("Maintainers refresh skipped: another poller is running it");
                return null;
            }
        }
        try
        {
            return await RefreshAsync(ct);
        }
        finally
        {
            // Unlocked here, not left to the pool: Npgsql resets a pooled connection only when it is next used, so an
            // idle one would keep the lock and every other poller would skip the refresh.
            try
            {
                await using var release = new NpgsqlCommand("select pg_advisory_unlock(@k)", runLock);
                release.Parameters.AddWithValue("k", RunLockKey);
                await release.ExecuteScalarAsync(CancellationToken.None);
            }
            catch (NpgsqlException e)
            {
                // The session is broken, and a broken connection is closed, not pooled: the lock goes with it.
                log.LogWarning(e, "Maintainers refresh lock not released explicitly");
            }
        }
    }

    private async Task<RefreshReport> RefreshAsync(CancellationToken ct)
    {
        var report = new RefreshReport();
        var usage = new GitHubUsage();
        var cycleId = await recorder.RecordRunAsync(Job.Maintainers, "Maintainers refresh", report, usage, async _ =>
        {
            // Members of one org are fetched once per run, however many of its repositories are registered.
            var orgMembers = new Dictionary<string, Task<IReadOnlyList<GitHubUser>>>(StringComparer.OrdinalIgnoreCase);
            foreach (var repo in await LoadReposAsync(ct))
            {
                ct.ThrowIfCancellationRequested();
                try
                {
                    await RefreshRepoAsync(usage, repo, orgMembers, report, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // Whatever went wrong (an error from GitHub, an answer we could not read or store), it is this
                    // repository's failure: its rows stay as they were (one transaction) and the others go on.
                    log.LogWarning(e is GitHubRequestException or InstallationUnavailableException ? null : e, "Maintainers of {Repository} (installation {InstallationId}) not refreshed: {Error}",
                        repo.FullName, repo.InstallationId, e.Message);
                    report.Error($"{repo.FullName}: {e.Message}");
                    report.ReposFailed++;
                    await SetOutcomeAsync(repo, RefreshOutcomes.Failed, e.Message, repo.GuardHash, ct);
                }
            }
            report.Settle();
        }, e => e is NpgsqlException ? $"refresh failed: {e.Message}" : null, log, ct);
        log.LogInformation("Maintainers refresh {CycleId} {Status}: {Ok} ok, {Failed} failed, {Empty} skipped empty, {Guarded} guarded, {Rows} rows changed",
            cycleId, report.Status, report.ReposOk, report.ReposFailed, report.ReposSkippedEmpty, report.ReposGuarded, report.RowsChanged);
        return report;
    }

    private async Task RefreshRepoAsync(GitHubUsage usage, Repo repo,
        Dictionary<string, Task<IReadOnlyList<GitHubUser>>> orgMembers, RefreshReport report, CancellationToken ct)
    {
        // 1. Fetch every page of every list; any failure (caught by the caller) leaves the repository exactly as it was.
        var owner = await github.Repositories.GetOwnerAsync(usage, repo.InstallationId, repo.FullName, ct);
        var collaborators = await github.Repositories.GetDirectCollaboratorsAsync(usage, repo.InstallationId, repo.FullName, ct);
        IReadOnlyList<GitHubUser> members = [];
        if (owner.Type == OwnerType.Organization)
        {
            if (!orgMembers.TryGetValue(owner.Login, out var fetch))
                orgMembers[owner.Login] = fetch = github.Organizations.GetMembersAsync(usage, repo.InstallationId, owner.Login, ct);
            members = await fetch;
        }
        var answer = Combine(owner, members, collaborators);

        // 2. An empty answer is never the truth for a repository someone owns: keep what we have.
        if (answer.Count == 0)
        {
            report.ReposSkippedEmpty++;
            await SetOutcomeAsync(repo, RefreshOutcomes.SkippedEmpty, "GitHub answered no maintainers; kept the previous list", repo.GuardHash, ct);
            return;
        }

        // 3. Mass-removal guard: hold back a refresh that drops more than half (and more than 2) until it repeats.
        var removed = await CountRemovedAsync(repo, answer.Keys, ct);
        var hash = Hash(answer.Values);
        if (removed > 2 && removed * 2 > repo.Current && hash != repo.GuardHash)
        {
            log.LogWarning("Maintainers of {Repository}: refresh would remove {Removed} of {Current}; held back until it repeats",
                repo.FullName, removed, repo.Current);
            report.ReposGuarded++;
            report.Error($"{repo.FullName}: would remove {removed} of {repo.Current} maintainers; held back until the next run confirms it");
            await SetOutcomeAsync(repo, RefreshOutcomes.Guarded, $"would remove {removed} of {repo.Current} maintainers", hash, ct);
            return;
        }

        // 4. One transaction: upsert the present, delete the absent, stamp the repository.
        report.RowsChanged += await WriteAsync(repo, owner, answer.Values, ct);
        report.ReposOk++;
    }

    internal static Dictionary<long, MaintainerEntry> Combine(RepoOwner owner, IReadOnlyList<GitHubUser> members, IReadOnlyList<GitHubUser> collaborators)
    {
        var result = new Dictionary<long, MaintainerEntry>();
        void Add(long id, string login, Association association)
        {
            if (!result.TryGetValue(id, out var existing) || association.Rank() > existing.Association.Rank())
                result[id] = new MaintainerEntry(id, login, association);
        }
        if (owner.Type == OwnerType.User) Add(owner.Id, owner.Login, Association.Owner);
        foreach (var m in members) Add(m.Id, m.Login, Association.Member);
        foreach (var c in collaborators) Add(c.Id, c.Login, Association.Collaborator);
        foreach (var c in collaborators) result[c.Id] = result[c.Id] with { Collaborator = true };
        return result;
    }

    private static string Hash(IEnumerable<MaintainerEntry> entries) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join(";", entries.OrderBy(e => e.GithubId).Select(e => $"{e.GithubId}:{e.Association.ToWire()}")))))[..32];

    private async Task<int> CountRemovedAsync(Repo repo, IEnumerable<long> present, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "select count(*)::int from maintainers where repo_full_name = @repo and github_id <> all(@present)");
        cmd.Parameters.AddWithValue("repo", repo.FullName);
        cmd.Parameters.AddWithValue("present", present.ToArray());
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private async Task<int> WriteAsync(Repo repo, RepoOwner owner, IReadOnlyCollection<MaintainerEntry> entries, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using var upsert = new NpgsqlCommand("""
            insert into maintainers (repo_full_name, github_id, login, association, collaborator, refreshed_at)
            select @repo, id, login, association, collaborator, @now
            from unnest(@ids, @logins, @associations, @collaborators) as x(id, login, association, collaborator)
            on conflict (repo_full_name, github_id) do update
                set login = excluded.login, association = excluded.association, collaborator = excluded.collaborator,
                    refreshed_at = excluded.refreshed_at
            """, conn, tx);
        upsert.Parameters.AddWithValue("repo", repo.FullName);
        upsert.Parameters.AddWithValue("now", now);
        upsert.Parameters.AddWithValue("ids", entries.Select(e => e.GithubId).ToArray());
        upsert.Parameters.AddWithValue("logins", entries.Select(e => e.Login).ToArray());
        upsert.Parameters.AddWithValue("associations", entries.Select(e => e.Association.ToWire()).ToArray());
        upsert.Parameters.AddWithValue("collaborators", entries.Select(e => e.Collaborator).ToArray());

        // Rows changed = new people, people whose login or role changed, people removed.
        await using var changed = new NpgsqlCommand("""
            select count(*)::int from unnest(@ids, @logins, @associations) as x(id, login, association)
            left join maintainers m on m.repo_full_name = @repo and m.github_id = x.id
            where m.github_id is null or m.login <> x.login or m.association <> x.association
            """, conn, tx);
        changed.Parameters.AddWithValue("repo", repo.FullName);
        changed.Parameters.AddWithValue("ids", entries.Select(e => e.GithubId).ToArray());
        changed.Parameters.AddWithValue("logins", entries.Select(e => e.Login).ToArray());
        changed.Parameters.AddWithValue("associations", entries.Select(e => e.Association.ToWire()).ToArray());
        var changedRows = (int)(await changed.ExecuteScalarAsync(ct))!;
        await upsert.ExecuteNonQueryAsync(ct);

        await using var delete = new NpgsqlCommand(
            "delete from maintainers where repo_full_name = @repo and github_id <> all(@ids)", conn, tx);
        delete.Parameters.AddWithValue("repo", repo.FullName);
        delete.Parameters.AddWithValue("ids", entries.Select(e => e.GithubId).ToArray());
        var deleted = await delete.ExecuteNonQueryAsync(ct);

        await using var stamp = new NpgsqlCommand("""
            update repositories set owner_type = @owner_type, maintainers_refreshed_at = @now, maintainers_outcome = 'ok',
                maintainers_error = null, maintainers_guard_hash = null
            where id = @id
            """, conn, tx);
        stamp.Parameters.AddWithValue("owner_type", (owner.Type == OwnerType.Organization ? OwnerType.Organization : OwnerType.User).ToWire());
        stamp.Parameters.AddWithValue("now", now);
        stamp.Parameters.AddWithValue("id", repo.Id);
        await stamp.ExecuteNonQueryAsync(ct);

        await tx.CommitAsync(ct);
        return changedRows + deleted;
    }

    private async Task SetOutcomeAsync(Repo repo, string outcome, string? error, string? guardHash, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            update repositories set maintainers_outcome = @outcome, maintainers_error = @error, maintainers_guard_hash = @hash
            where id = @id
            """);
        cmd.Parameters.AddWithValue("outcome", outcome);
        cmd.Parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
        cmd.Parameters.AddWithValue("hash", (object?)guardHash ?? DBNull.Value);
        cmd.Parameters.AddWithValue("id", repo.Id);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<List<Repo>> LoadReposAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select r.id, r.full_name, r.installation_id,
                   (select count(*)::int from maintainers m where m.repo_full_name = r.full_name) as maintainer_count, r.maintainers_guard_hash
            from repositories r where r.installed order by r.installation_id, r.full_name
            """);
        var list = new List<Repo>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new Repo(r.Get<long>("id"), r.Get<string>("full_name"), r.Get<long>("installation_id"), r.Get<int>("maintainer_count"),
                r.GetOrNull<string>("maintainers_guard_hash")));
        return list;
    }
}
