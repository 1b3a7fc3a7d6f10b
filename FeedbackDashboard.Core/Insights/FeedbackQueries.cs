using System.Runtime.CompilerServices;
using System.Text.Json;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.Maintainers;
using FeedbackDashboard.Core.Model;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Insights;

public sealed record TaskSummary(Guid Id, string Repository, long InstallationId, int PrNumber, PrAuthor PrAuthor,
    DateTimeOffset CreatedAt, int Comments, int Up, int Down)
{
    /// <summary>api: registered by the bot through the capture API; observed: built from a profiled bot's comments on GitHub.</summary>
    public RunSource Source { get; init; }
}

public sealed record TaskPage(IReadOnlyList<TaskSummary> Items, int Page, int PageSize, long Total);

/// <summary>What a list of runs can be sorted by.</summary>
public enum TaskSort { CreatedAt, Repository, PrNumber, Comments, Up, Down }

public sealed record TaskFilter(string? Repository = null, DateTimeOffset? From = null, DateTimeOffset? To = null,
    bool HasDown = false, TaskSort Sort = TaskSort.CreatedAt, bool Descending = true, bool DownNotAddressed = false)
{
    /// <summary>Runs carrying all these labels.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    /// <summary>Runs with a comment of this rule / category.</summary>
    public string? Rule { get; init; }
    public string? Category { get; init; }
    /// <summary>Only runs recorded under these installations (a key limited to them); null for all.</summary>
    public IReadOnlyList<long>? Installations { get; init; }
    /// <summary>Only runs from this source.</summary>
    public RunSource? Source { get; init; }
}

public sealed record ReactionView(long ReactorId, string ReactorLogin, string ReactorAssociation, string Content, DateTimeOffset ReactedAt);

public sealed record CommentFeedback(string Kind, long GithubCommentId, string? File, int? Line, DateTimeOffset CreatedAt,
    bool Gone, int Up, int Down, IReadOnlyList<ReactionView> Reactions)
{
    public string? Body { get; init; }
    public string? HtmlUrl { get; init; }
    public string? Rule { get; init; }
    public string? Category { get; init; }
    public string? Severity { get; init; }
    public string? Fingerprint { get; init; }
    // Flat and settable: the API's names, and a page's persisted state round-trips them (computed ones would not).
    public bool? Outdated { get; init; }
    public bool? Resolved { get; init; }
    public string? ResolvedBy { get; init; }
    public bool? ResolvedByBot { get; init; }
    public bool? Minimized { get; init; }
    public string? MinimizedReason { get; init; }
    public int? HumanReplies { get; init; }
    /// <summary>polled (read each cycle), gone (deleted on GitHub; its feedback is kept) or paused (its repository lost access).</summary>
    public string State { get; init; } = CommentStates.Polled;
    public bool Addressed => Signal.IsAddressed(Outdated, Resolved, ResolvedByBot);
    /// <summary>👍 and 👎 from different people.</summary>
    public bool Disputed => Signal.IsDisputed(Reactions);
    /// <summary>The body holds a GitHub suggested change.</summary>
    public bool Suggestion { get; init; }
    /// <summary>A commit on the pull request applied the suggestion; null when there is none.</summary>
    public bool? Applied => Suggestion ? AppliedCommit is not null : null;
    public string? AppliedCommit { get; init; }
    /// <summary>person, this_bot, other_bot, or null (not resolved, or a reply).</summary>
    public string? ResolvedByKind { get; init; }
    /// <summary>applied, addressed, dismissed or open (<see cref="Dispositions"/>).</summary>
    public string Disposition { get; init; } = DispositionNames.Open;
    /// <summary>The github_comment_id of the earlier comment this one raises again.</summary>
    public long? ReraiseOf { get; init; }
}

/// <summary>A comment's disposition fields, as the export writes them.</summary>
public sealed record DispositionView(bool Suggestion, string? AppliedCommit, string? ResolvedByKind, string Disposition, long? ReraiseOf)
{
    public static DispositionView None { get; } = new(false, null, null, DispositionNames.Open, null);
    public bool? Applied => Suggestion ? AppliedCommit is not null : null;
}

/// <summary>
/// What happened to a comment besides 👍/👎, as last read (null before the first read; thread fields stay null for
/// reply comments, which have no thread).
/// </summary>
public sealed record CommentSignalsView(bool? Outdated, bool? Minimized, string? MinimizedReason, bool? Resolved, string? ResolvedBy,
    bool? ResolvedByBot, int? HumanReplies)
{
    public static CommentSignalsView Unknown { get; } = new(null, null, null, null, null, null, null);

    /// <summary>Outdated (the code at its line changed after it), or its thread resolved by a person.</summary>
    public bool Addressed => Signal.IsAddressed(Outdated, Resolved, ResolvedByBot);
}

/// <summary>The two derived signals, defined once (SQL: review_comments_is_addressed, migration 0008).</summary>
public static class Signal
{
    public static bool IsAddressed(bool? outdated, bool? resolved, bool? resolvedByBot) =>
        outdated == true || (resolved == true && resolvedByBot != true);

    /// <summary>A 👍 and a 👎 from different people (loops, not sets: a comment has a handful of reactions).</summary>
    public static bool IsDisputed(IReadOnlyList<ReactionView> reactions)
    {
        foreach (var up in reactions)
        {
            if (ReactionContents.Parse(up.Content) != ReactionContent.Up) continue;
            foreach (var down in reactions)
                if (ReactionContents.Parse(down.Content) == ReactionContent.Down && down.ReactorId != up.ReactorId) return true;
        }
        return false;
    }

    /// <summary>The 👍 and 👎 among a comment's reactions.</summary>
    public static (int Up, int Down) Count(IReadOnlyList<ReactionView> reactions)
    {
        int up = 0, down = 0;
        foreach (var r in reactions)
        {
            var content = ReactionContents.Parse(r.Content);
            if (content == ReactionContent.Up) up++;
            else if (content == ReactionContent.Down) down++;
        }
        return (up, down);
    }

    /// <summary>SQL for "drew 👍 and 👎 from different people", over review_feedback of comment alias <paramref name="c"/>.</summary>
    public static string DisputedSql(string c) => $"""
        exists (select 1 from review_feedback u join review_feedback d
                  on d.kind = u.kind and d.github_comment_id = u.github_comment_id and d.content = '-1' and d.reactor_id <> u.reactor_id
                where u.kind = {c}.kind and u.github_comment_id = {c}.github_comment_id and u.content = '+1')
        """;

    public const string SignalColumns = """
        c.body, c.html_url, c.outdated, c.minimized, c.minimized_reason, c.resolved, c.resolved_by, c.resolved_by_bot, c.human_replies,
        c.suggested_lines is not null as suggestion, c.applied_commit, c.resolved_by_kind, c.disposition, c.reraise_of
        """;
}

/// <summary>One run as GET /api/tasks/{id} answers it: source is "api" or "observed" (a bot profile's review, see Core/Bots).</summary>
public sealed record TaskView(Guid Id, string Repository, long InstallationId, int PrNumber, PrAuthor PrAuthor, DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, string> Labels, string Source, long? GithubReviewId, Totals Totals);

public sealed record CaptureView(long GithubReviewId, string Status, string? Reason, int? CommentsRecorded,
    JsonElement? UnmatchedFindings, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt);

public sealed record Totals(int Up, int Down, int Addressed = 0);

public sealed record TaskFeedback(Guid TaskId, string Repository, int PrNumber, PrAuthor PrAuthor, DateTimeOffset CreatedAt,
    Totals Totals, IReadOnlyList<CommentFeedback> Comments, IReadOnlyList<CaptureView> Captures)
{
    /// <summary>The run's labels as the bot sent them (bot_version, model, prompt, …).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

public sealed record ExportRow(long Id, Guid TaskId, string Repository, int PrNumber, string CommentKind, long GithubCommentId,
    string? File, int? Line, long ReactorId, string ReactorLogin, string ReactorAssociation, string Content, DateTimeOffset ReactedAt)
{
    public string? HtmlUrl { get; init; }
    public CommentSignalsView Signals { get; init; } = CommentSignalsView.Unknown;
    public bool Disputed { get; init; }
    /// <summary>The run's labels as stored (a JSON object's text).</summary>
    public string Labels { get; init; } = "{}";
    public FindingTags Tags { get; init; } = FindingTags.None;
    public DispositionView Disposition { get; init; } = DispositionView.None;
}

/// <summary>Read paths of runs and feedback: hand-written SQL, roles resolved at read time.</summary>
public sealed class FeedbackQueries(NpgsqlDataSource db)
{
    public const int MaxPageSize = 200;
    private const int ExportBatch = 5000;

    private static string SortColumn(TaskSort sort) => sort switch
    {
        TaskSort.Repository => "r.full_name",
        TaskSort.PrNumber => "t.pr_number",
        TaskSort.Comments => "n.comments",
        TaskSort.Up => "n.up",
        TaskSort.Down => "n.down",
        _ => "t.created_at",
    };

    /// <summary>A page of runs, newest first, each with its comment and 👍/👎 counts from one aggregate query.</summary>
    public async Task<TaskPage> ListTasksAsync(TaskFilter filter, int page, int pageSize, CancellationToken ct)
    {
        // Only the conditions asked for: "@x is null or …" would keep the planner off the (repository, created_at) index.
        var conditions = new List<string>();
        if (filter.Repository is not null) conditions.Add("t.repository_id = (select id from repositories where full_name = @repo)");
        if (filter.Installations is not null) conditions.Add("t.installation_id = any(@installations)");
        if (filter.From is not null) conditions.Add("t.created_at >= @from");
        if (filter.To is not null) conditions.Add("t.created_at < @to");
        // The GIN index on tasks.labels (jsonb_path_ops) answers containment.
        if (filter.Labels is { Count: > 0 }) conditions.Add("t.labels @> @labels");
        if (filter.Rule is not null) conditions.Add("exists (select 1 from review_comments rc where rc.task_id = t.id and rc.rule = @rule)");
        if (filter.Category is not null) conditions.Add("exists (select 1 from review_comments rc where rc.task_id = t.id and rc.category = @category)");
        if (filter.Source is not null) conditions.Add("t.source = @source");
        var where = conditions.Count == 0 ? "" : "where " + string.Join(" and ", conditions);
        // Comments carry their 👍/👎 counts (kept by triggers): one index range per run.
        const string counts = """
            cross join lateral (
                select count(*)::int as comments, coalesce(sum(c.up), 0)::int as up, coalesce(sum(c.down), 0)::int as down,
                       count(*) filter (where c.down > 0
                                          and not review_comments_is_addressed(c.outdated, c.resolved, c.resolved_by_bot)) as down_not_addressed
                from review_comments c where c.task_id = t.id
            ) n
            """;
        var direction = filter.Descending ? "desc" : "asc";
        var order = $"{SortColumn(filter.Sort)} {direction}, t.id {direction}";
        var select = $"""
            select t.id, r.full_name as repository, t.installation_id, t.pr_number, t.pr_author_id, t.pr_author_login,
                   {RoleResolution.Resolved("m", "t.pr_author_association")} as pr_author_association, t.created_at,
                   n.comments, n.up, n.down, t.source
            """;
        var joins = $"""
            join repositories r on r.id = t.repository_id
            {counts}
            {RoleResolution.Join("m", "r.full_name", "t.pr_author_id")}
            """;

        string sql, countSql;
        if (filter is { Sort: TaskSort.CreatedAt, HasDown: false, DownNotAddressed: false })
        {
            // The page comes off the index in order; counts and roles only for its rows.
            sql = $"""
                {select}
                from (select * from tasks t {where} order by {order} limit @limit offset @offset) t
                {joins}
                order by {order}
                """;
            countSql = $"select count(*) as total from tasks t {where}";
        }
        else
        {
            var counted = new List<string>();
            if (filter.HasDown) counted.Add("n.down > 0");
            // A 👎 nobody acted on: the comments worth a second look.
            if (filter.DownNotAddressed) counted.Add("n.down_not_addressed > 0");
            var hasDown = counted.Count == 0 ? "" : (conditions.Count == 0 ? "where " : "and ") + string.Join(" and ", counted);
            sql = $"""
                {select}
                from tasks t
                {joins}
                {where} {hasDown}
                order by {order}
                limit @limit offset @offset
                """;
            countSql = $"select count(*) as total from tasks t {counts} {where} {hasDown}";
        }

        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(sql));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(countSql));
        foreach (NpgsqlBatchCommand command in batch.BatchCommands)
        {
            command.Parameters.AddWithValue("repo", (object?)filter.Repository?.ToLowerInvariant() ?? DBNull.Value);
            command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = (object?)filter.From ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = (object?)filter.To ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("labels", NpgsqlDbType.Jsonb)
            {
                Value = filter.Labels is { Count: > 0 } labels ? JsonSerializer.Serialize(labels, SnakeCaseJson.Options) : DBNull.Value,
            });
            command.Parameters.Add(new NpgsqlParameter("rule", NpgsqlDbType.Text) { Value = (object?)filter.Rule ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("category", NpgsqlDbType.Text) { Value = (object?)filter.Category ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("installations", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
            {
                Value = (object?)filter.Installations?.ToArray() ?? DBNull.Value,
            });
            command.Parameters.Add(new NpgsqlParameter("source", NpgsqlDbType.Text)
            {
                Value = filter.Source is { } source ? source.ToWire() : DBNull.Value,
            });
            command.Parameters.AddWithValue("limit", pageSize);
            command.Parameters.AddWithValue("offset", (long)(page - 1) * pageSize);
        }

        var items = new List<TaskSummary>(pageSize);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            items.Add(new TaskSummary(reader.Get<Guid>("id"), reader.Get<string>("repository"), reader.Get<long>("installation_id"),
                reader.Get<int>("pr_number"), PrAuthorOf(reader), reader.Get<DateTimeOffset>("created_at"),
                reader.Get<int>("comments"), reader.Get<int>("up"), reader.Get<int>("down"))
            {
                Source = RunSources.Names.FromDb(reader.Get<string>("source"), "tasks.source"),
            });
        }
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return new TaskPage(items, page, pageSize, reader.Get<long>("total"));
    }

    /// <summary>A run's comments with 👍/👎 and who reacted (roles resolved now), and its review captures; null if unknown.</summary>
    public async Task<TaskFeedback?> GetTaskFeedbackAsync(Guid taskId, CancellationToken ct) => (await ReadTaskAsync(taskId, false, ct))?.Run;

    /// <summary>The run page's read: the run's feedback and what became of each comment, in one round trip.</summary>
    public Task<RunPage?> GetRunPageAsync(Guid taskId, CancellationToken ct) => ReadTaskAsync(taskId, true, ct);

    private async Task<RunPage?> ReadTaskAsync(Guid taskId, bool withOutcomes, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        foreach (var sql in withOutcomes ? FeedbackStatements.Append(CommentOutcomes.ForRunSql) : FeedbackStatements)
            batch.BatchCommands.Add(new NpgsqlBatchCommand(sql) { Parameters = { new() { Value = taskId } } });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var repository = reader.Get<string>("repository");
        var prNumber = reader.Get<int>("pr_number");
        var author = PrAuthorOf(reader);
        var createdAt = reader.Get<DateTimeOffset>("created_at");
        var labels = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.Get<string>("labels")) ?? [];

        await reader.NextResultAsync(ct);
        var reactions = new Dictionary<(string, long), List<ReactionView>>();
        var readReaction = ReactionRowReader(reader);
        while (await reader.ReadAsync(ct))
        {
            var (key, reaction) = readReaction();
            if (!reactions.TryGetValue(key, out var list)) reactions[key] = list = [];
            list.Add(reaction);
        }

        await reader.NextResultAsync(ct);
        var comments = new List<CommentFeedback>();
        int up = 0, down = 0, addressed = 0;
        var readComment = CommentRowReader(reader, reactions);
        while (await reader.ReadAsync(ct))
        {
            var comment = readComment();
            comments.Add(comment);
            up += comment.Up;
            down += comment.Down;
            if (comment.Addressed) addressed++;
        }

        await reader.NextResultAsync(ct);
        var captures = new List<CaptureView>();
        while (await reader.ReadAsync(ct))
        {
            var unmatched = reader.GetOrNull<string>("unmatched_findings");
            captures.Add(new CaptureView(reader.Get<long>("github_review_id"), reader.Get<string>("status"),
                reader.GetOrNull<string>("reason"), reader.Get<int?>("comments_recorded"),
                unmatched is null ? null : JsonDocument.Parse(unmatched).RootElement.Clone(),
                reader.Get<DateTimeOffset>("created_at"), reader.Get<DateTimeOffset?>("completed_at")));
        }

        IReadOnlyList<CommentOutcome> outcomes = [];
        if (withOutcomes && await reader.NextResultAsync(ct)) outcomes = await CommentOutcomes.ReadAsync(reader, ct);
        return new RunPage(new TaskFeedback(taskId, repository, prNumber, author, createdAt, new Totals(up, down, addressed), comments, captures)
        {
            Labels = labels,
        }, outcomes);
    }

    /// <summary>
    /// The four statements of a run's feedback, each taking the run's id as $1. Positional parameters: with named ones
    /// Npgsql rewrites the SQL text at every execution to find them, a real cost on the hottest read. The reactions come before the comments, so each comment is built once as it is
    /// read, with its reactions and counts. Built once, because interpolating them per call allocates on every request.
    /// </summary>
    private static readonly string[] FeedbackStatements =
    [
        $"""
        select r.full_name as repository, t.pr_number, t.pr_author_id, t.pr_author_login,
               {RoleResolution.Resolved("m", "t.pr_author_association")} as pr_author_association, t.created_at, t.labels::text as labels
        from tasks t {OneRepository}
        {RoleResolution.Join("m", "r.full_name", "t.pr_author_id")}
        where t.id = $1
        """,
        $"""
        select f.kind, f.github_comment_id, f.reactor_id, f.reactor_login,
               {RoleResolution.Resolved("m", "f.reactor_association")} as reactor_association, f.content, f.reacted_at
        from review_comments c
        join tasks t on t.id = c.task_id {OneRepository}
        join review_feedback f on f.kind = c.kind and f.github_comment_id = c.github_comment_id
        {RoleResolution.Join("m", "r.full_name", "f.reactor_id")}
        where c.task_id = $1
        order by f.reacted_at, f.reactor_id
        """,
        $"""
        select c.kind, c.github_comment_id, c.file, c.line, c.created_at, c.gone_at is not null as gone, {Signal.SignalColumns},
               c.rule, c.category, c.severity, c.fingerprint,
               case when c.gone_at is not null then '{CommentStates.Gone}'
                    when r.access_lost_at is not null or not r.installed then '{CommentStates.Paused}'
                    else '{CommentStates.Polled}' end as state
        from review_comments c
        join tasks t on t.id = c.task_id
        cross join lateral (select access_lost_at, installed from repositories where id = t.repository_id offset 0) r
        where c.task_id = $1
        order by c.file nulls last, c.line nulls last, c.kind, c.github_comment_id
        """,
        """
        select github_review_id, status, reason, comments_recorded, unmatched_findings, created_at, completed_at
        from review_captures where task_id = $1 order by created_at
        """,
    ];

    /// <summary>
    /// SQL: the repository <c>r</c> of the run <c>t</c>, looked up for that one row. Joined plainly, the planner hashes
    /// every repository (a scan and a hash table per execution); <c>offset 0</c> keeps the subquery from being
    /// flattened into the join.
    /// </summary>
    private const string OneRepository = "cross join lateral (select full_name from repositories where id = t.repository_id offset 0) r";

    /// <summary>
    /// A run's reactions, and below its comments, by column name with the names looked up once a result set, as for
    /// the export: per-row lookups would be hundreds of dictionary lookups a request on the API's hottest read.
    /// </summary>
    private static Func<((string Kind, long Id) Comment, ReactionView Reaction)> ReactionRowReader(NpgsqlDataReader r)
    {
        int kind = r.GetOrdinal("kind"), comment = r.GetOrdinal("github_comment_id"), reactor = r.GetOrdinal("reactor_id"),
            login = r.GetOrdinal("reactor_login"), association = r.GetOrdinal("reactor_association"),
            content = r.GetOrdinal("content"), reactedAt = r.GetOrdinal("reacted_at");
        return () => ((r.GetString(kind), r.GetInt64(comment)), new ReactionView(r.GetInt64(reactor), r.GetString(login),
            r.GetString(association), r.GetString(content), r.GetFieldValue<DateTimeOffset>(reactedAt)));
    }

    /// <summary>A comment with its reactions (from <paramref name="reactions"/>) and their counts.</summary>
    private static Func<CommentFeedback> CommentRowReader(NpgsqlDataReader r, Dictionary<(string, long), List<ReactionView>> reactions)
    {
        int kind = r.GetOrdinal("kind"), comment = r.GetOrdinal("github_comment_id"), file = r.GetOrdinal("file"),
            line = r.GetOrdinal("line"), createdAt = r.GetOrdinal("created_at"), gone = r.GetOrdinal("gone"),
            body = r.GetOrdinal("body"), url = r.GetOrdinal("html_url"), outdated = r.GetOrdinal("outdated"),
            resolved = r.GetOrdinal("resolved"), by = r.GetOrdinal("resolved_by"), byBot = r.GetOrdinal("resolved_by_bot"),
            minimized = r.GetOrdinal("minimized"), reason = r.GetOrdinal("minimized_reason"), replies = r.GetOrdinal("human_replies"),
            rule = r.GetOrdinal("rule"), category = r.GetOrdinal("category"), severity = r.GetOrdinal("severity"),
            fingerprint = r.GetOrdinal("fingerprint"), state = r.GetOrdinal("state"), suggestion = r.GetOrdinal("suggestion"),
            applied = r.GetOrdinal("applied_commit"), byKind = r.GetOrdinal("resolved_by_kind"), disposition = r.GetOrdinal("disposition"),
            reraise = r.GetOrdinal("reraise_of");
        return () =>
        {
            var (k, id) = (r.GetString(kind), r.GetInt64(comment));
            var list = reactions.GetValueOrDefault((k, id)) ?? [];
            var (ups, downs) = Signal.Count(list);
            return new CommentFeedback(k, id, r.GetOrNull<string>(file), r.GetFieldValue<int?>(line),
                r.GetFieldValue<DateTimeOffset>(createdAt), r.GetBoolean(gone), ups, downs, list)
            {
                Body = r.GetOrNull<string>(body),
                HtmlUrl = r.GetOrNull<string>(url),
                Outdated = r.GetFieldValue<bool?>(outdated),
                Resolved = r.GetFieldValue<bool?>(resolved),
                ResolvedBy = r.GetOrNull<string>(by),
                ResolvedByBot = r.GetFieldValue<bool?>(byBot),
                Minimized = r.GetFieldValue<bool?>(minimized),
                MinimizedReason = r.GetOrNull<string>(reason),
                HumanReplies = r.GetFieldValue<int?>(replies),
                Rule = r.GetOrNull<string>(rule),
                Category = r.GetOrNull<string>(category),
                Severity = r.GetOrNull<string>(severity),
                Fingerprint = r.GetOrNull<string>(fingerprint),
                State = r.GetString(state),
                Suggestion = r.GetBoolean(suggestion),
                AppliedCommit = r.GetOrNull<string>(applied),
                ResolvedByKind = r.GetOrNull<string>(byKind),
                Disposition = r.GetString(disposition),
                ReraiseOf = r.GetFieldValue<long?>(reraise),
            };
        };
    }

    /// <summary>One run with its 👍/👎/addressed totals; null when there is no such run.</summary>
    public async Task<TaskView?> GetTaskAsync(Guid taskId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            select r.full_name as repository, t.installation_id, t.pr_number, t.pr_author_id, t.pr_author_login,
                   {RoleResolution.Resolved("m", "t.pr_author_association")} as pr_author_association, t.created_at, t.labels::text as labels,
                   t.source, t.github_review_id, n.up, n.down, n.addressed
            from tasks t {OneRepository}
            {RoleResolution.Join("m", "r.full_name", "t.pr_author_id")}
            cross join lateral (
                select coalesce(sum(c.up), 0)::int as up, coalesce(sum(c.down), 0)::int as down,
                       count(*) filter (where review_comments_is_addressed(c.outdated, c.resolved, c.resolved_by_bot))::int as addressed
                from review_comments c where c.task_id = t.id
            ) n
            where t.id = $1
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = taskId });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new TaskView(taskId, reader.Get<string>("repository"), reader.Get<long>("installation_id"), reader.Get<int>("pr_number"),
            PrAuthorOf(reader), reader.Get<DateTimeOffset>("created_at"),
            JsonSerializer.Deserialize<Dictionary<string, string>>(reader.Get<string>("labels")) ?? [],
            reader.Get<string>("source"), reader.Get<long?>("github_review_id"), new Totals(reader.Get<int>("up"), reader.Get<int>("down"), reader.Get<int>("addressed")));
    }

    private static PrAuthor PrAuthorOf(NpgsqlDataReader reader) =>
        new(reader.Get<long>("pr_author_id"), reader.Get<string>("pr_author_login"), reader.Get<string>("pr_author_association"));

    /// <summary>
    /// Export rows by column name, the names looked up once a batch rather than a dozen lookups on every row.
    /// </summary>
    private static Func<ExportRow> ExportRowReader(NpgsqlDataReader r)
    {
        int id = r.GetOrdinal("id"), task = r.GetOrdinal("task_id"), repository = r.GetOrdinal("repository"),
            pr = r.GetOrdinal("pr_number"), kind = r.GetOrdinal("kind"), comment = r.GetOrdinal("github_comment_id"),
            file = r.GetOrdinal("file"), line = r.GetOrdinal("line"), reactor = r.GetOrdinal("reactor_id"),
            login = r.GetOrdinal("reactor_login"), association = r.GetOrdinal("reactor_association"),
            content = r.GetOrdinal("content"), reactedAt = r.GetOrdinal("reacted_at"), url = r.GetOrdinal("html_url"),
            outdated = r.GetOrdinal("outdated"), minimized = r.GetOrdinal("minimized"), reason = r.GetOrdinal("minimized_reason"),
            resolved = r.GetOrdinal("resolved"), by = r.GetOrdinal("resolved_by"), byBot = r.GetOrdinal("resolved_by_bot"),
            replies = r.GetOrdinal("human_replies"), disputed = r.GetOrdinal("disputed"), labels = r.GetOrdinal("labels"),
            rule = r.GetOrdinal("rule"), category = r.GetOrdinal("category"), severity = r.GetOrdinal("severity"),
            fingerprint = r.GetOrdinal("fingerprint"), suggestion = r.GetOrdinal("suggestion"), applied = r.GetOrdinal("applied_commit"),
            byKind = r.GetOrdinal("resolved_by_kind"), disposition = r.GetOrdinal("disposition"), reraise = r.GetOrdinal("reraise_of");
        return () => new ExportRow(r.GetInt64(id), r.GetGuid(task), r.GetString(repository), r.GetInt32(pr), r.GetString(kind),
            r.GetInt64(comment), r.GetOrNull<string>(file), r.GetFieldValue<int?>(line), r.GetInt64(reactor),
            r.GetString(login), r.GetString(association), r.GetString(content), r.GetFieldValue<DateTimeOffset>(reactedAt))
        {
            HtmlUrl = r.GetOrNull<string>(url),
            Signals = new CommentSignalsView(r.GetFieldValue<bool?>(outdated), r.GetFieldValue<bool?>(minimized), r.GetOrNull<string>(reason),
                r.GetFieldValue<bool?>(resolved), r.GetOrNull<string>(by), r.GetFieldValue<bool?>(byBot), r.GetFieldValue<int?>(replies)),
            Disputed = r.GetBoolean(disputed),
            Labels = r.GetString(labels),
            Tags = new FindingTags(r.GetOrNull<string>(rule), r.GetOrNull<string>(category), r.GetOrNull<string>(severity),
                r.GetOrNull<string>(fingerprint)),
            Disposition = new DispositionView(r.GetBoolean(suggestion), r.GetOrNull<string>(applied), r.GetOrNull<string>(byKind),
                r.GetString(disposition), r.GetFieldValue<long?>(reraise)),
        };
    }

    /// <summary>Every reaction matching the filter, keyset-paged by id so memory stays flat at any size.</summary>
    /// <param name="installations">Only reactions on runs recorded under these installations; null for all.</param>
    public async IAsyncEnumerable<ExportRow> ExportAsync(string? repository, DateTimeOffset? from, DateTimeOffset? to,
        [EnumeratorCancellation] CancellationToken ct, IReadOnlyList<long>? installations = null)
    {
        var after = 0L;
        while (true)
        {
            await using var cmd = db.CreateCommand($"""
                select f.id, t.id as task_id, r.full_name as repository, t.pr_number, f.kind, f.github_comment_id, c.file, c.line,
                       f.reactor_id, f.reactor_login, {RoleResolution.Resolved("m", "f.reactor_association")} as reactor_association,
                       f.content, f.reacted_at, c.html_url, c.outdated, c.minimized, c.minimized_reason, c.resolved, c.resolved_by,
                       c.resolved_by_bot, c.human_replies, {Signal.DisputedSql("c")} as disputed, t.labels::text as labels,
                       c.rule, c.category, c.severity, c.fingerprint, c.suggested_lines is not null as suggestion, c.applied_commit,
                       c.resolved_by_kind, c.disposition, c.reraise_of
                from review_feedback f
                join review_comments c on c.kind = f.kind and c.github_comment_id = f.github_comment_id
                join tasks t on t.id = c.task_id
                join repositories r on r.id = t.repository_id
                {RoleResolution.Join("m", "r.full_name", "f.reactor_id")}
                where f.id > @after
                  and (@repo::text is null or r.full_name = @repo)
                  and (@from::timestamptz is null or f.reacted_at >= @from)
                  and (@to::timestamptz is null or f.reacted_at < @to)
                  and (@installations::bigint[] is null or t.installation_id = any(@installations))
                order by f.id
                limit {ExportBatch}
                """);
            cmd.Parameters.AddWithValue("after", after);
            cmd.Parameters.Add(new NpgsqlParameter("repo", NpgsqlDbType.Text) { Value = (object?)repository?.ToLowerInvariant() ?? DBNull.Value });
            cmd.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = (object?)from ?? DBNull.Value });
            cmd.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = (object?)to ?? DBNull.Value });
            cmd.Parameters.Add(new NpgsqlParameter("installations", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
            {
                Value = (object?)installations?.ToArray() ?? DBNull.Value,
            });

            var rows = 0;
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
            {
                var read = ExportRowReader(reader);
                while (await reader.ReadAsync(ct))
                {
                    rows++;
                    var row = read();
                    after = row.Id;
                    yield return row;
                }
            }
            if (rows < ExportBatch) yield break;
        }
    }
}
