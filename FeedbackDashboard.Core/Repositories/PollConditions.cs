using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Runs;
using Npgsql;

namespace FeedbackDashboard.Core.Repositories;

public sealed record PollCondition(long InstallationId, string? Repository, ConditionKind Kind, DateTimeOffset Since, string Detail);

/// <summary>
/// What keeps the poller from its work right now, per installation or repository (lost access, a rate limit, a token
/// GitHub won't mint, a rename just followed). Set when seen, cleared when it no longer holds: the health page and
/// /api/poller/health show the open ones.
/// </summary>
public sealed class PollConditions(NpgsqlDataSource db, TimeProvider time)
{
    /// <summary>A rename is news, not a problem: it is shown for a day.</summary>
    public static readonly TimeSpan RenameShownFor = TimeSpan.FromDays(1);

    /// <summary>Opens the condition (keeping its first `since`) or refreshes its detail.</summary>
    public async Task SetAsync(long installationId, long? repositoryId, ConditionKind kind, string detail, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            insert into poller_conditions (installation_id, repository_id, kind, since, detail, updated_at)
            values (@inst, @repo, @kind, @now, @detail, @now)
            on conflict (installation_id, coalesce(repository_id, 0), kind) do update set detail = excluded.detail, updated_at = excluded.updated_at
            """);
        cmd.Parameters.AddWithValue("inst", installationId);
        cmd.Parameters.AddWithValue("repo", NpgsqlTypes.NpgsqlDbType.Bigint, (object?)repositoryId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("kind", kind.ToWire());
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        cmd.Parameters.AddWithValue("detail", detail);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task ClearAsync(long installationId, long? repositoryId, ConditionKind kind, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            delete from poller_conditions
            where installation_id = @inst and coalesce(repository_id, 0) = coalesce(@repo, 0) and kind = @kind
            """);
        cmd.Parameters.AddWithValue("inst", installationId);
        cmd.Parameters.AddWithValue("repo", NpgsqlTypes.NpgsqlDbType.Bigint, (object?)repositoryId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("kind", kind.ToWire());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<PollCondition>> OpenAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select pc.installation_id, r.full_name, pc.kind, pc.since, pc.detail
            from poller_conditions pc left join repositories r on r.id = pc.repository_id
            where pc.kind <> 'renamed' or pc.since > @shown_after
            order by pc.since desc
            """);
        cmd.Parameters.AddWithValue("shown_after", time.GetUtcNow() - RenameShownFor);
        var list = new List<PollCondition>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new PollCondition(r.Get<long>("installation_id"), r.GetOrNull<string>("full_name"),
                ConditionKinds.Names.FromDb(r.Get<string>("kind"), "poller_conditions.kind"), r.Get<DateTimeOffset>("since"), r.Get<string>("detail")));
        }
        return list;
    }
}
