using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.Maintainers;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Feedback;

public enum Bucket { Day, Week }

/// <summary>
/// Whose judgement counts: everyone's, the repository's maintainers' (the live maintainers table wins over the
/// association stored at ingest), or the pull request author's. For the addressed rate: all = outdated or resolved
/// by a person; maintainers = resolved by a maintainer; pr_author = outdated (the author's push changed the line) or
/// resolved by the author.
/// </summary>
public enum AnalyticsRole { All, Maintainers, PrAuthor }

public sealed record Figures(int Comments, int Reacted, int Up, int Down, int Addressed = 0)
{
    /// <summary>👍 / (👍 + 👎): the share of judged comments' reactions that approve — never divided by all comments.</summary>
    public double? Acceptance => Up + Down == 0 ? null : (double)Up / (Up + Down);

    /// <summary>Share of comments that drew at least one 👍/👎.</summary>
    public double? Coverage => Comments == 0 ? null : (double)Reacted / Comments;

    /// <summary>Share of comments acted on: outdated (the code at the line changed) or resolved by a person.</summary>
    public double? AddressedRate => Comments == 0 ? null : (double)Addressed / Comments;
}

public sealed record SeriesPoint(DateTimeOffset Bucket, int Comments, int Up, int Down, int Addressed = 0)
{
    public double? Acceptance => Up + Down == 0 ? null : (double)Up / (Up + Down);
    public double? AddressedRate => Comments == 0 ? null : (double)Addressed / Comments;
}

public sealed record RepositoryFigures(string Repository, int Comments, int Up, int Down)
{
    public double? Acceptance => Up + Down == 0 ? null : (double)Up / (Up + Down);
}

public sealed record FileFigures(string Repository, string File, int Comments, int Up, int Down);

public sealed record Period(DateTimeOffset From, DateTimeOffset To);

public sealed record FeedbackAnalytics(string? Repository, Period Period, Period PreviousPeriod, Figures Current, Figures Previous,
    string Bucket, IReadOnlyList<SeriesPoint> Series, IReadOnlyList<RepositoryFigures> TopRepositories,
    IReadOnlyList<FileFigures> MostDownvotedFiles)
{
    public string Role { get; init; } = "all";
}

/// <summary>The Overview's judgement by role (all is <see cref="FeedbackAnalytics.Current"/>) and its most disputed comments.</summary>
public sealed record OverviewSignals(Figures Maintainers, Figures PrAuthor, IReadOnlyList<DisputedComment> MostDisputed);

/// <summary>A comment that drew 👍 and 👎 from different people, most reactions first.</summary>
public sealed record DisputedComment(Guid TaskId, string Repository, int PrNumber, string Kind, long GithubCommentId, string? File,
    int? Line, string? Body, string? HtmlUrl, int Up, int Down);

/// <summary>
/// Acceptance, coverage and counts for a period and the equal period before it, with a series; all by the
/// comment's posting date (a reaction counts towards the period its comment was posted in). Computed in SQL.
/// </summary>
public sealed class AnalyticsQueries(NpgsqlDataSource db)
{
    public const int MaxDays = 400;
    private const int TopN = 5;

    /// <summary>
    /// Rows of (at, repository, comments, reacted, up, down) covering [from, to): whole UTC days from the daily rollup,
    /// the partial days at either edge from the comments themselves. Parameters: @from, @to, @d0, @d1, @repo.
    /// </summary>
    private const string Window = """
        select d.day::timestamp at time zone 'UTC' as at, d.repository_id, d.comments, d.reacted, d.up, d.down, d.addressed
        from analytics_daily d
        where d.day >= @d0 and d.day < @d1 and (@repo::text is null or d.repository_id = (select id from repositories where full_name = @repo))
        union all
        select c.created_at, c.repository_id, 1, (c.up + c.down > 0)::int, c.up, c.down,
               review_comments_is_addressed(c.outdated, c.resolved, c.resolved_by_bot)::int
        from review_comments c
        where ((c.created_at >= @from and c.created_at < least(@d0::timestamp at time zone 'UTC', @to))
               or (c.created_at >= greatest(@d1::timestamp at time zone 'UTC', @from) and c.created_at < @to))
          and (@repo::text is null or c.repository_id = (select id from repositories where full_name = @repo))
        """;

    /// <summary>
    /// The same rows for one role, from the comments and their reactions (a role's figures can't come from the daily
    /// rollup, which counts everyone): reactions by that role only, and what the role counts as addressed.
    /// </summary>
    private static string RoleWindow(AnalyticsRole role)
    {
        var maintainer = $"{RoleResolution.Resolved("m", "f.reactor_association")} in ('OWNER', 'MEMBER', 'COLLABORATOR')";
        var (reactor, join, addressed) = role == AnalyticsRole.Maintainers
            ? (maintainer, RoleResolution.Join("m", "r.full_name", "f.reactor_id"),
               "(coalesce(c.resolved, false) and not coalesce(c.resolved_by_bot, false) and exists (select 1 from maintainers rm " +
               "where rm.repo_full_name = r.full_name and lower(rm.login) = lower(c.resolved_by)))")
            : ("f.reactor_id = t.pr_author_id", "",
               "(coalesce(c.outdated, false) or (coalesce(c.resolved, false) and lower(c.resolved_by) = lower(t.pr_author_login)))");
        return $"""
            select c.created_at as at, c.repository_id, 1 as comments, (x.up + x.down > 0)::int as reacted, x.up, x.down, coalesce({addressed}, false)::int as addressed
            from review_comments c
            join tasks t on t.id = c.task_id
            join repositories r on r.id = c.repository_id
            cross join lateral (
                select count(*) filter (where f.content = '+1')::int as up, count(*) filter (where f.content = '-1')::int as down
                from review_feedback f {join}
                where f.kind = c.kind and f.github_comment_id = c.github_comment_id and {reactor}
            ) x
            where c.created_at >= @from and c.created_at < @to
              and (@repo::text is null or c.repository_id = (select id from repositories where full_name = @repo))
            """;
    }

    /// <summary>One row: the sums over a window.</summary>
    private static string Totals(string window) => $"""
        select coalesce(sum(comments), 0)::int as comments, coalesce(sum(reacted), 0)::int as reacted,
               coalesce(sum(up), 0)::int as up, coalesce(sum(down), 0)::int as down, coalesce(sum(addressed), 0)::int as addressed
        from ({window}) w
        """;

    private static Figures FiguresOf(NpgsqlDataReader r) =>
        new(r.Get<int>("comments"), r.Get<int>("reacted"), r.Get<int>("up"), r.Get<int>("down"), r.Get<int>("addressed"));

    public static string RoleName(AnalyticsRole role) => role switch
    {
        AnalyticsRole.Maintainers => "maintainers",
        AnalyticsRole.PrAuthor => "pr_author",
        _ => "all",
    };

    public static AnalyticsRole? ParseRole(string? value) => value switch
    {
        null or "all" => AnalyticsRole.All,
        "maintainers" => AnalyticsRole.Maintainers,
        "pr_author" => AnalyticsRole.PrAuthor,
        _ => null,
    };

    public async Task<FeedbackAnalytics> GetAsync(string? repository, DateTimeOffset from, DateTimeOffset to, Bucket bucket,
        CancellationToken ct, AnalyticsRole role = AnalyticsRole.All)
    {
        var window = role == AnalyticsRole.All ? Window : RoleWindow(role);
        repository = repository?.ToLowerInvariant();
        var previous = new Period(from - (to - from), from);
        var bucketName = bucket == Bucket.Week ? "week" : "day";

        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Command(Totals(window), repository, from, to));
        batch.BatchCommands.Add(Command(Totals(window), repository, previous.From, previous.To));
        batch.BatchCommands.Add(Command($"""
            select date_trunc('{bucketName}', w.at, 'UTC') as bucket, sum(comments)::int as comments, sum(up)::int as up, sum(down)::int as down,
                   sum(addressed)::int as addressed
            from ({window}) w
            group by 1 order by 1
            """, repository, from, to));
        batch.BatchCommands.Add(Command($"""
            select r.full_name as repository, x.comments, x.up, x.down
            from (select repository_id, sum(comments)::int as comments, sum(up)::int as up, sum(down)::int as down
                  from ({window}) w group by 1) x
            join repositories r on r.id = x.repository_id
            order by x.up + x.down desc, 1 limit {TopN}
            """, repository, from, to));
        await using var filesCommand = db.CreateBatch();
        filesCommand.BatchCommands.Add(Command($"""
            select r.full_name as repository, x.file, x.comments, x.up, x.down
            from (select c.repository_id, c.file, count(*)::int as comments, sum(c.up)::int as up, sum(c.down)::int as down
                  from review_comments c
                  where c.created_at >= @from and c.created_at < @to and c.down > 0 and c.file is not null
                    and (@repo::text is null or c.repository_id = (select id from repositories where full_name = @repo))
                  group by 1, 2) x
            join repositories r on r.id = x.repository_id
            order by x.down desc, 1, 2 limit {TopN}
            """, repository, from, to));

        // The files need comment-level rows; they run beside the rollup queries on a second connection.
        var filesTask = ReadFilesAsync(filesCommand, ct);

        await using var r = await batch.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var current = FiguresOf(r);
        await r.NextResultAsync(ct);
        await r.ReadAsync(ct);
        var before = FiguresOf(r);

        await r.NextResultAsync(ct);
        var points = new Dictionary<DateTimeOffset, SeriesPoint>();
        while (await r.ReadAsync(ct))
        {
            var at = r.Get<DateTimeOffset>("bucket");
            points[at] = new SeriesPoint(at, r.Get<int>("comments"), r.Get<int>("up"), r.Get<int>("down"), r.Get<int>("addressed"));
        }

        await r.NextResultAsync(ct);
        var repos = new List<RepositoryFigures>();
        while (await r.ReadAsync(ct))
            repos.Add(new RepositoryFigures(r.Get<string>("repository"), r.Get<int>("comments"), r.Get<int>("up"), r.Get<int>("down")));

        var files = await filesTask;
        return new FeedbackAnalytics(repository, new Period(from, to), previous, current, before, bucketName,
            FillBuckets(points, from, to, bucket), repos, files) { Role = RoleName(role) };
    }

    private static async Task<List<FileFigures>> ReadFilesAsync(NpgsqlBatch batch, CancellationToken ct)
    {
        var files = new List<FileFigures>();
        await using var r = await batch.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            files.Add(new FileFigures(r.Get<string>("repository"), r.Get<string>("file"), r.Get<int>("comments"), r.Get<int>("up"),
                r.Get<int>("down")));
        }
        return files;
    }

    /// <summary>Every bucket of the period, empty ones included, so a chart's x axis is continuous.</summary>
    internal static List<SeriesPoint> FillBuckets(Dictionary<DateTimeOffset, SeriesPoint> points, DateTimeOffset from, DateTimeOffset to, Bucket bucket)
    {
        var start = from.UtcDateTime.Date;
        if (bucket == Bucket.Week) start = start.AddDays(-(((int)start.DayOfWeek + 6) % 7)); // ISO weeks start on Monday
        var step = bucket == Bucket.Week ? TimeSpan.FromDays(7) : TimeSpan.FromDays(1);
        var list = new List<SeriesPoint>();
        for (var at = new DateTimeOffset(start, TimeSpan.Zero); at < to; at += step)
            list.Add(points.GetValueOrDefault(at) ?? new SeriesPoint(at, 0, 0, 0));
        return list;
    }

    private static NpgsqlBatchCommand Command(string sql, string? repository, DateTimeOffset from, DateTimeOffset to)
    {
        // Whole UTC days inside [from, to): [d0, d1). When there are none, d1 = d0 and the edges cover everything.
        var d0 = DateOnly.FromDateTime(from.UtcDateTime.TimeOfDay == TimeSpan.Zero ? from.UtcDateTime : from.UtcDateTime.Date.AddDays(1));
        var d1 = DateOnly.FromDateTime(to.UtcDateTime.Date);
        if (d1 < d0) d1 = d0;
        return new NpgsqlBatchCommand(sql)
        {
            Parameters =
            {
                new NpgsqlParameter("repo", NpgsqlDbType.Text) { Value = (object?)repository ?? DBNull.Value },
                new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = from },
                new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = to },
                new NpgsqlParameter("d0", NpgsqlDbType.Date) { Value = d0 },
                new NpgsqlParameter("d1", NpgsqlDbType.Date) { Value = d1 },
            },
        };
    }

    /// <summary>
    /// The Overview's signals in one round trip: the period's figures as maintainers and as PR authors judged, and the
    /// most disputed comments.
    /// </summary>
    public async Task<OverviewSignals> OverviewSignalsAsync(string? repository, DateTimeOffset from, DateTimeOffset to, int top,
        CancellationToken ct)
    {
        repository = repository?.ToLowerInvariant();
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Command(Totals(RoleWindow(AnalyticsRole.Maintainers)), repository, from, to));
        batch.BatchCommands.Add(Command(Totals(RoleWindow(AnalyticsRole.PrAuthor)), repository, from, to));
        var disputed = Command(DisputedSql, repository, from, to);
        disputed.Parameters.AddWithValue("top", top);
        batch.BatchCommands.Add(disputed);
        await using var r = await batch.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var maintainers = FiguresOf(r);
        await r.NextResultAsync(ct);
        await r.ReadAsync(ct);
        var author = FiguresOf(r);
        await r.NextResultAsync(ct);
        return new OverviewSignals(maintainers, author, await ReadDisputedAsync(r, ct));
    }

    // Only comments with both counts can be disputed: the partial index on down > 0 narrows the scan.
    private static readonly string DisputedSql = $"""
        select c.task_id, r.full_name as repository, t.pr_number, c.kind, c.github_comment_id, c.file, c.line, c.body, c.html_url, c.up, c.down
        from review_comments c
        join tasks t on t.id = c.task_id
        join repositories r on r.id = c.repository_id
        where c.created_at >= @from and c.created_at < @to and c.down > 0 and c.up > 0
          and (@repo::text is null or r.full_name = @repo)
          and {Signal.DisputedSql("c")}
        order by least(c.up, c.down) desc, c.up + c.down desc, c.github_comment_id
        limit @top
        """;

    private static async Task<List<DisputedComment>> ReadDisputedAsync(NpgsqlDataReader r, CancellationToken ct)
    {
        var list = new List<DisputedComment>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new DisputedComment(r.Get<Guid>("task_id"), r.Get<string>("repository"), r.Get<int>("pr_number"), r.Get<string>("kind"),
                r.Get<long>("github_comment_id"), r.GetOrNull<string>("file"), r.Get<int?>("line"), r.GetOrNull<string>("body"),
                r.GetOrNull<string>("html_url"), r.Get<int>("up"), r.Get<int>("down")));
        }
        return list;
    }

    /// <summary>Comments of the period that drew 👍 and 👎 from different people, most reactions first.</summary>
    public async Task<IReadOnlyList<DisputedComment>> MostDisputedAsync(string? repository, DateTimeOffset from, DateTimeOffset to, int top,
        CancellationToken ct) => (await OverviewSignalsAsync(repository, from, to, top, ct)).MostDisputed;

    /// <summary>The repositories to offer in filters.</summary>
    public async Task<IReadOnlyList<string>> RepositoriesAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select full_name from repositories order by full_name");
        var list = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(r.Get<string>("full_name"));
        return list;
    }
}
