using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.GitHub;
using Npgsql;

namespace FeedbackDashboard.Core.Feedback;

/// <summary>A comment to poll, with its repository's numeric id (null until the poller has read it from GitHub).</summary>
public sealed record PollableComment(CommentKey Key, string Repository, long RepositoryId, long? RepositoryGitHubId,
    long InstallationId, string? NodeId, string? ETag, string? ETagToken = null, bool Retired = false)
{
    public CommentKind Kind => Key.Kind == CommentKinds.Inline ? CommentKind.Inline : CommentKind.Reply;
    public CommentRef Ref => new(Repository, Kind, Key.Id, NodeId, ETag, ETagToken);
}

/// <summary>
/// Which comments a cycle polls: those of runs within POLLER_WINDOW_DAYS in repositories the installation still
/// reaches, age-tiered by the comment's posting time — younger than a day every cycle, 1-3 days when id % 12 =
/// cycle % 12, older when id % 72 = cycle % 72 — where cycle = unix time / interval. Retired (gone) comments are
/// re-checked at the slowest rate, so a wrong verdict heals. Each run follows its repository's current installation.
/// Deterministic and stateless: a retuned interval stays correct.
/// </summary>
public sealed class PollSelection(NpgsqlDataSource db)
{
    public static long CycleNumber(DateTimeOffset now, TimeSpan interval) => now.ToUnixTimeSeconds() / (long)interval.TotalSeconds;

    public async Task<List<PollableComment>> SelectAsync(DateTimeOffset now, TimeSpan interval, int windowDays, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select c.kind, c.github_comment_id, r.full_name, r.id as repository_id, r.github_id, r.installation_id,
                   c.node_id, c.etag, c.etag_token, c.gone_at is not null as retired
            from tasks t
            join repositories r on r.id = t.repository_id
            join review_comments c on c.task_id = t.id
            where t.created_at > @now - make_interval(days => @window)
              and r.installed
              and r.access_lost_at is null
              and ((c.gone_at is null
                    and (c.created_at > @now - interval '1 day'
                         or (c.created_at > @now - interval '3 days' and c.github_comment_id % 12 = @cycle % 12)
                         or (c.created_at <= @now - interval '3 days' and c.github_comment_id % 72 = @cycle % 72)))
                   or (c.gone_at is not null and c.github_comment_id % 72 = @cycle % 72))
            order by r.installation_id, c.kind, c.github_comment_id
            """);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("window", windowDays);
        cmd.Parameters.AddWithValue("cycle", CycleNumber(now, interval));
        var list = new List<PollableComment>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new PollableComment(
                new CommentKey(r.Get<string>("kind"), r.Get<long>("github_comment_id")),
                r.Get<string>("full_name"), r.Get<long>("repository_id"),
                r.Get<long?>("github_id"), r.Get<long>("installation_id"),
                r.Get<string?>("node_id"), r.Get<string?>("etag"), r.Get<string?>("etag_token"),
                r.Get<bool>("retired")));
        }
        return list;
    }
}
