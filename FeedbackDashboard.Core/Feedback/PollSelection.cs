using FeedbackDashboard.Core.GitHub;
using Npgsql;

namespace FeedbackDashboard.Core.Feedback;

public sealed record PollableComment(CommentKey Key, string Repository, long InstallationId, string? NodeId, string? ETag)
{
    public CommentRef Ref => new(Repository, Key.Kind == CommentKinds.Inline ? CommentKind.Inline : CommentKind.Reply, Key.Id, NodeId, ETag);
}

/// <summary>
/// Which comments a cycle polls: those of runs within POLLER_WINDOW_DAYS, age-tiered by the comment's posting time —
/// younger than a day every cycle, 1-3 days when id % 12 = cycle % 12, older when id % 72 = cycle % 72 — where
/// cycle = unix time / interval. Deterministic and stateless: a retuned interval stays correct.
/// </summary>
public sealed class PollSelection(NpgsqlDataSource db)
{
    public static long CycleNumber(DateTimeOffset now, TimeSpan interval) => now.ToUnixTimeSeconds() / (long)interval.TotalSeconds;

    public async Task<List<PollableComment>> SelectAsync(DateTimeOffset now, TimeSpan interval, int windowDays, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select c.kind, c.github_comment_id, r.full_name, t.installation_id, c.node_id, c.etag
            from tasks t
            join repositories r on r.id = t.repository_id
            join review_comments c on c.task_id = t.id
            where t.created_at > @now - make_interval(days => @window)
              and r.installed
              and c.gone_at is null
              and (c.created_at > @now - interval '1 day'
                   or (c.created_at > @now - interval '3 days' and c.github_comment_id % 12 = @cycle % 12)
                   or (c.created_at <= @now - interval '3 days' and c.github_comment_id % 72 = @cycle % 72))
            order by t.installation_id, c.kind, c.github_comment_id
            """);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("window", windowDays);
        cmd.Parameters.AddWithValue("cycle", CycleNumber(now, interval));
        var list = new List<PollableComment>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new PollableComment(new CommentKey(r.GetString(0), r.GetInt64(1)), r.GetString(2), r.GetInt64(3),
                r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5)));
        }
        return list;
    }
}
