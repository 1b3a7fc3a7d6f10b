using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using Npgsql;

namespace FeedbackDashboard.Core.Comments;

/// <summary>One inline comment's thread as GitHub answered it.</summary>
public sealed record ReviewThreadState(string PullRequest, long CommentId, string Thread, bool Resolved, string? ResolvedBy, bool ResolvedByBot,
    int HumanReplies, string? Author = null);

/// <summary>The poll path's own small statements, beside the reconcile: retirements, node ids, pending captures.</summary>
public sealed class PollStore(NpgsqlDataSource db)
{
    /// <summary>Deleted on GitHub: polled only at the re-check rate from now on; the feedback it drew stays.</summary>
    public async Task RetireAsync(IReadOnlyCollection<CommentKey> gone, DateTimeOffset now, TimeSpan recheckAfter, CancellationToken ct)
    {
        if (gone.Count == 0) return;
        await using var conn = await db.OpenConnectionAsync(ct);
        await CommentChanges.RetireAsync(conn, null, gone, null, now, recheckAfter, ct);
    }

    /// <summary>Stores node ids looked up on GitHub; a null forgets one that proved wrong, so it is looked up again.</summary>
    public async Task SetNodeIdsAsync(IReadOnlyCollection<(CommentKey Key, string? NodeId)> nodes, CancellationToken ct)
    {
        if (nodes.Count == 0) return;
        await using var cmd = db.CreateCommand("""
            update review_comments c set node_id = n.node_id
            from unnest(@kinds, @ids, @nodes) as n(kind, id, node_id) where c.kind = n.kind and c.github_comment_id = n.id
            """);
        cmd.Parameters.AddWithValue("kinds", nodes.Select(l => l.Key.Kind.ToWire()).ToArray());
        cmd.Parameters.AddWithValue("ids", nodes.Select(l => l.Key.Id).ToArray());
        cmd.Parameters.AddWithValue("nodes", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text,
            nodes.Select(l => (object?)l.NodeId ?? DBNull.Value).ToArray());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Fills text (its first <see cref="BodyChars"/> characters) and link where still empty: read once, never again.</summary>
    public async Task SetTextsAsync(IReadOnlyCollection<(CommentKey Key, string Body, string Url)> texts, CancellationToken ct)
    {
        if (texts.Count == 0) return;
        await using var cmd = db.CreateCommand("""
            update review_comments c set body = coalesce(c.body, x.body), html_url = coalesce(c.html_url, x.url),
                suggested_lines = case when c.body is null then x.suggested else c.suggested_lines end
            from unnest(@kinds, @ids, @bodies, @urls, @suggested) as x(kind, id, body, url, suggested)
            where c.kind = x.kind and c.github_comment_id = x.id and (c.body is null or c.html_url is null)
            """);
        cmd.Parameters.AddWithValue("kinds", texts.Select(t => t.Key.Kind.ToWire()).ToArray());
        cmd.Parameters.AddWithValue("ids", texts.Select(t => t.Key.Id).ToArray());
        cmd.Parameters.AddWithValue("bodies", texts.Select(t => t.Body.Length <= BodyChars ? t.Body : t.Body[..BodyChars]).ToArray());
        cmd.Parameters.AddWithValue("urls", texts.Select(t => t.Url).ToArray());
        cmd.Parameters.AddWithValue("suggested", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text,
            texts.Select(t => (object?)Suggestions.Lines(t.Body.Length <= BodyChars ? t.Body : t.Body[..BodyChars]) ?? DBNull.Value).ToArray());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The text kept of a comment read from GitHub.</summary>
    public const int BodyChars = 4_000;

    /// <summary>Thread reads: runs younger than a day every cycle, older ones (in the window) hourly.</summary>
    public static readonly TimeSpan ThreadsYoung = TimeSpan.FromDays(1), ThreadsEvery = TimeSpan.FromHours(1);

    private const string ThreadsDue = """
        r.installed and r.access_lost_at is null and t.pr_node_id is not null
        and t.created_at > @now - make_interval(days => @window)
        and (t.created_at > @now - @young or t.threads_read_at is null or t.threads_read_at <= @now - @every)
        """;

    private static void ThreadsDueParameters(NpgsqlCommand cmd, DateTimeOffset now, int windowDays)
    {
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("window", windowDays);
        cmd.Parameters.AddWithValue("young", ThreadsYoung);
        // A second's slack: a cycle an hour after the last read is due, whatever the milliseconds.
        cmd.Parameters.AddWithValue("every", ThreadsEvery - TimeSpan.FromSeconds(1));
    }

    /// <summary>Installations with threads due: polled this cycle even when none of their comments is.</summary>
    public async Task<List<long>> InstallationsWithDueThreadsAsync(DateTimeOffset now, int windowDays, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            select distinct r.installation_id from tasks t join repositories r on r.id = t.repository_id where {ThreadsDue}
            """);
        ThreadsDueParameters(cmd, now, windowDays);
        return await ReadIdsAsync(cmd, ct);
    }

    /// <summary>
    /// Pull requests (node ids) of the installation's runs whose threads are due, least recently read first, at most
    /// <paramref name="max"/>; repositories that lost access wait.
    /// </summary>
    public async Task<List<string>> DueThreadsAsync(long installationId, DateTimeOffset now, int windowDays, int max, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            select t.pr_node_id from tasks t join repositories r on r.id = t.repository_id
            where r.installation_id = @inst and {ThreadsDue}
            group by t.pr_node_id
            order by min(t.threads_read_at) nulls first, max(t.created_at) desc
            limit @max
            """);
        cmd.Parameters.AddWithValue("inst", installationId);
        ThreadsDueParameters(cmd, now, windowDays);
        cmd.Parameters.AddWithValue("max", max);
        var list = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(r.Get<string>("pr_node_id"));
        return list;
    }

    /// <summary>
    /// Writes the thread state of the inline comments in pull requests read whole this time (set-based; rows change only
    /// when something did) and marks those pull requests' runs read. Pull requests that failed are not passed in.
    /// </summary>
    public async Task WriteThreadsAsync(IReadOnlyCollection<string> pullRequests, IReadOnlyCollection<ReviewThreadState> states,
        DateTimeOffset now, CancellationToken ct)
    {
        if (pullRequests.Count == 0) return;
        var unique = states.DistinctBy(s => s.CommentId).OrderBy(s => s.CommentId).ToList();
        await using var batch = db.CreateBatch();
        var write = new NpgsqlBatchCommand("""
            update review_comments c set thread_node_id = x.thread, resolved = x.resolved, resolved_by = x.resolved_by,
                resolved_by_bot = x.resolved_by_bot, human_replies = x.human_replies, thread_read_at = @now,
                author_login = coalesce(c.author_login, x.author),
                resolved_at = coalesce(c.resolved_at, case when x.resolved then @now end),
                resolved_by_kind = review_comment_resolver_kind(x.resolved, x.resolved_by, x.resolved_by_bot,
                                                                coalesce(c.author_login, x.author), c.resolved_by_kind)
            from unnest(@prs, @ids, @threads, @resolved, @by, @by_bot, @replies, @authors)
                as x(pr, id, thread, resolved, resolved_by, resolved_by_bot, human_replies, author)
            join tasks t on t.pr_node_id = x.pr
            where c.kind = 'inline' and c.github_comment_id = x.id and c.task_id = t.id
              and (c.thread_read_at is null or c.thread_node_id is distinct from x.thread or c.resolved is distinct from x.resolved
                   or c.resolved_by is distinct from x.resolved_by or c.resolved_by_bot is distinct from x.resolved_by_bot
                   or c.human_replies is distinct from x.human_replies or (c.author_login is null and x.author is not null)
                   or c.resolved_by_kind is distinct from review_comment_resolver_kind(x.resolved, x.resolved_by, x.resolved_by_bot,
                                                                                       coalesce(c.author_login, x.author), c.resolved_by_kind))
            """);
        write.Parameters.AddWithValue("prs", unique.Select(s => s.PullRequest).ToArray());
        write.Parameters.AddWithValue("ids", unique.Select(s => s.CommentId).ToArray());
        write.Parameters.AddWithValue("threads", unique.Select(s => s.Thread).ToArray());
        write.Parameters.AddWithValue("resolved", unique.Select(s => s.Resolved).ToArray());
        write.Parameters.AddWithValue("by", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text,
            unique.Select(s => (object?)s.ResolvedBy ?? DBNull.Value).ToArray());
        write.Parameters.AddWithValue("by_bot", unique.Select(s => s.ResolvedByBot).ToArray());
        write.Parameters.AddWithValue("replies", unique.Select(s => s.HumanReplies).ToArray());
        write.Parameters.AddWithValue("authors", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text,
            unique.Select(s => (object?)s.Author ?? DBNull.Value).ToArray());
        write.Parameters.AddWithValue("now", now);
        batch.BatchCommands.Add(write);
        var read = new NpgsqlBatchCommand("update tasks set threads_read_at = @now where pr_node_id = any(@prs)");
        read.Parameters.AddWithValue("prs", pullRequests.ToArray());
        read.Parameters.AddWithValue("now", now);
        batch.BatchCommands.Add(read);
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Decides dispositions again for the scope's pull requests (<see cref="Dispositions"/>).</summary>
    public Task<int> DecideAsync(DispositionScope scope, CancellationToken ct) => Dispositions.DecideAsync(db, scope, ct);

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
        while (await r.ReadAsync(ct)) list.Add(r.Get<long>("installation_id"));
        return list;
    }
}
