using Npgsql;

namespace FeedbackDashboard.Core.Feedback;

/// <summary>The poll path's own small statements, beside the reconcile: retirements, node ids, pending captures.</summary>
public sealed class PollStore(NpgsqlDataSource db)
{
    /// <summary>Deleted on GitHub: polled only at the re-check rate from now on; the feedback it drew stays.</summary>
    public async Task RetireAsync(IReadOnlyCollection<CommentKey> gone, DateTimeOffset now, TimeSpan recheckAfter, CancellationToken ct)
    {
        if (gone.Count == 0) return;
        await using var cmd = db.CreateCommand("""
            update review_comments c set gone_at = coalesce(c.gone_at, @now), next_due_at = @now + @recheck
            from unnest(@kinds, @ids) as g(kind, id) where c.kind = g.kind and c.github_comment_id = g.id
            """);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("recheck", recheckAfter);
        cmd.Parameters.AddWithValue("kinds", gone.Select(g => g.Kind).ToArray());
        cmd.Parameters.AddWithValue("ids", gone.Select(g => g.Id).ToArray());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Stores node ids looked up on GitHub; a null forgets one that proved wrong, so it is looked up again.</summary>
    public async Task SetNodeIdsAsync(IReadOnlyCollection<(CommentKey Key, string? NodeId)> nodes, CancellationToken ct)
    {
        if (nodes.Count == 0) return;
        await using var cmd = db.CreateCommand("""
            update review_comments c set node_id = n.node_id
            from unnest(@kinds, @ids, @nodes) as n(kind, id, node_id) where c.kind = n.kind and c.github_comment_id = n.id
            """);
        cmd.Parameters.AddWithValue("kinds", nodes.Select(l => l.Key.Kind).ToArray());
        cmd.Parameters.AddWithValue("ids", nodes.Select(l => l.Key.Id).ToArray());
        cmd.Parameters.AddWithValue("nodes", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text,
            nodes.Select(l => (object?)l.NodeId ?? DBNull.Value).ToArray());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<List<long>> PendingCaptureInstallationsAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select distinct r.installation_id from review_captures rc
            join tasks t on t.id = rc.task_id join repositories r on r.id = t.repository_id
            where rc.status = 'pending'
            """);
        return await ReadIdsAsync(cmd, ct);
    }

    /// <summary>Installations with a repository whose access was lost: each cycle asks whether it is back.</summary>
    public async Task<List<long>> InstallationsWithLostAccessAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select distinct installation_id from repositories where installed and access_lost_at is not null");
        return await ReadIdsAsync(cmd, ct);
    }

    private static async Task<List<long>> ReadIdsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<long>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(r.GetFieldValue<long>(0));
        return list;
    }
}
