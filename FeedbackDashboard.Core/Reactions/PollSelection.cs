using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using Npgsql;

namespace FeedbackDashboard.Core.Reactions;

/// <summary>A comment to poll, with its repository's numeric id (null until the poller has read it from GitHub).</summary>
public sealed record PollableComment(CommentKey Key, string Repository, long RepositoryId, long? RepositoryGitHubId,
    long InstallationId, string? NodeId, string? ETag, string? ETagToken = null, bool Retired = false, bool NeedsText = false)
{
    public CommentKind Kind => Key.Kind;
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

    private const string Columns = """
            c.kind, c.github_comment_id, r.full_name, r.id as repository_id, r.github_id, r.installation_id,
            c.node_id, c.etag, c.etag_token, c.gone_at is not null as retired, (c.body is null or c.html_url is null) as needs_text
        """;

    public async Task<List<PollableComment>> SelectAsync(DateTimeOffset now, TimeSpan interval, int windowDays, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($$"""
            select {{Columns}}
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
        return await ReadAsync(cmd, ct);
    }

    /// <summary>Installations with comments in the window (POLLER_SCHEDULE=budget selects per installation).</summary>
    public async Task<List<long>> InstallationsAsync(DateTimeOffset now, int windowDays, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select distinct r.installation_id from tasks t join repositories r on r.id = t.repository_id
            where t.created_at > @now - make_interval(days => @window) and r.installed and r.access_lost_at is null
            """);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("window", windowDays);
        var list = new List<long>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(r.Get<long>("installation_id"));
        return list;
    }

    /// <summary>
    /// POLLER_SCHEDULE=budget: at most <paramref name="capacity"/> comments of one installation, by priority — the
    /// youngest (under a day) first, each in order of due time (never polled first), then older comments longest
    /// overdue first, and retired ones only once due. Two index walks (review_comments_period on created_at, and
    /// review_comments_due on (installation_id, next_due_at)) that stop at the capacity: no scan of the window.
    /// </summary>
    public async Task<List<PollableComment>> SelectBudgetAsync(long installationId, DateTimeOffset now, int windowDays, int capacity,
        CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(BudgetSql);
        cmd.Parameters.AddWithValue("inst", installationId);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("window", windowDays);
        cmd.Parameters.AddWithValue("capacity", capacity);
        return await ReadAsync(cmd, ct);
    }

    public const string BudgetSql = $$"""
        with young as (
            select {{Columns}}, c.next_due_at
            from review_comments c
            join tasks t on t.id = c.task_id
            join repositories r on r.id = t.repository_id
            where c.created_at > @now - interval '1 day' and (c.gone_at is null or c.next_due_at <= @now)
              and r.installation_id = @inst and r.installed and r.access_lost_at is null
              and t.created_at > @now - make_interval(days => @window)
            order by c.next_due_at
            limit @capacity
        ),
        older as (
            select {{Columns}}, c.next_due_at
            from review_comments c
            join tasks t on t.id = c.task_id
            join repositories r on r.id = t.repository_id
            where c.installation_id = @inst and c.created_at <= @now - interval '1 day' and (c.gone_at is null or c.next_due_at <= @now)
              and r.installation_id = @inst and r.installed and r.access_lost_at is null
              and t.created_at > @now - make_interval(days => @window)
            order by c.next_due_at
            limit greatest(0, @capacity - (select count(*) from young))
        )
        select * from young union all select * from older
        """;

    /// <summary>Comments in the window per age band, for the budget and the lag it implies.</summary>
    public async Task<WindowCounts> CountAsync(long installationId, DateTimeOffset now, int windowDays, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select count(*) filter (where c.created_at > @now - interval '1 day')::int as young,
                   count(*) filter (where c.created_at <= @now - interval '1 day' and c.created_at > @now - interval '3 days')::int as middle,
                   count(*) filter (where c.created_at <= @now - interval '3 days')::int as old
            from tasks t join repositories r on r.id = t.repository_id join review_comments c on c.task_id = t.id
            where r.installation_id = @inst and r.installed and r.access_lost_at is null and c.gone_at is null
              and t.created_at > @now - make_interval(days => @window)
            """);
        cmd.Parameters.AddWithValue("inst", installationId);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("window", windowDays);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new WindowCounts(r.Get<int>("young"), r.Get<int>("middle"), r.Get<int>("old"));
    }

    private static async Task<List<PollableComment>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<PollableComment>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new PollableComment(
                new CommentKey(CommentKinds.Parse(r.Get<string>("kind")) ?? throw new InvalidDataException("review_comments.kind"), r.Get<long>("github_comment_id")),
                r.Get<string>("full_name"), r.Get<long>("repository_id"),
                r.Get<long?>("github_id"), r.Get<long>("installation_id"),
                r.GetOrNull<string>("node_id"), r.GetOrNull<string>("etag"), r.GetOrNull<string>("etag_token"),
                r.Get<bool>("retired"), r.Get<bool>("needs_text")));
        }
        return list;
    }
}
