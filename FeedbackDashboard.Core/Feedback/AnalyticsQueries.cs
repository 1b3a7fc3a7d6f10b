using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Feedback;

public enum Bucket { Day, Week }

public sealed record Figures(int Comments, int Reacted, int Up, int Down)
{
    /// <summary>👍 / (👍 + 👎): the share of judged comments' reactions that approve — never divided by all comments.</summary>
    public double? Acceptance => Up + Down == 0 ? null : (double)Up / (Up + Down);

    /// <summary>Share of comments that drew at least one 👍/👎.</summary>
    public double? Coverage => Comments == 0 ? null : (double)Reacted / Comments;
}

public sealed record SeriesPoint(DateTimeOffset Bucket, int Comments, int Up, int Down)
{
    public double? Acceptance => Up + Down == 0 ? null : (double)Up / (Up + Down);
}

public sealed record RepositoryFigures(string Repository, int Comments, int Up, int Down)
{
    public double? Acceptance => Up + Down == 0 ? null : (double)Up / (Up + Down);
}

public sealed record FileFigures(string Repository, string File, int Comments, int Up, int Down);

public sealed record Period(DateTimeOffset From, DateTimeOffset To);

public sealed record FeedbackAnalytics(string? Repository, Period Period, Period PreviousPeriod, Figures Current, Figures Previous,
    string Bucket, IReadOnlyList<SeriesPoint> Series, IReadOnlyList<RepositoryFigures> TopRepositories,
    IReadOnlyList<FileFigures> MostDownvotedFiles);

/// <summary>
/// Acceptance, coverage and counts for a period and the equal period before it, with a series; all by the
/// comment's posting date (a reaction counts towards the period its comment was posted in). Computed in SQL.
/// </summary>
public sealed class AnalyticsQueries(NpgsqlDataSource db)
{
    public const int MaxDays = 400;
    private const int TopN = 5;

    private const string PeriodComments = """
        select c.kind, c.github_comment_id, c.created_at, c.file, r.full_name
        from review_comments c
        join tasks t on t.id = c.task_id
        join repositories r on r.id = t.repository_id
        where c.created_at >= @from and c.created_at < @to and (@repo::text is null or r.full_name = @repo)
        """;

    public async Task<FeedbackAnalytics> GetAsync(string? repository, DateTimeOffset from, DateTimeOffset to, Bucket bucket,
        CancellationToken ct)
    {
        repository = repository?.ToLowerInvariant();
        var previous = new Period(from - (to - from), from);
        var bucketName = bucket == Bucket.Week ? "week" : "day";

        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Command(FiguresSql, repository, from, to));
        batch.BatchCommands.Add(Command(FiguresSql, repository, previous.From, previous.To));
        batch.BatchCommands.Add(Command($"""
            with c as ({PeriodComments})
            select date_trunc('{bucketName}', c.created_at, 'UTC'), count(distinct (c.kind, c.github_comment_id))::int,
                   (count(*) filter (where f.content = '+1'))::int, (count(*) filter (where f.content = '-1'))::int
            from c left join review_feedback f on f.kind = c.kind and f.github_comment_id = c.github_comment_id
            group by 1 order by 1
            """, repository, from, to));
        batch.BatchCommands.Add(Command($"""
            with c as ({PeriodComments})
            select c.full_name, count(distinct (c.kind, c.github_comment_id))::int,
                   (count(*) filter (where f.content = '+1'))::int, (count(*) filter (where f.content = '-1'))::int
            from c left join review_feedback f on f.kind = c.kind and f.github_comment_id = c.github_comment_id
            group by 1 order by count(f.content) desc, 1 limit {TopN}
            """, repository, from, to));
        batch.BatchCommands.Add(Command($"""
            with c as ({PeriodComments})
            select c.full_name, c.file, count(distinct (c.kind, c.github_comment_id))::int,
                   (count(*) filter (where f.content = '+1'))::int, (count(*) filter (where f.content = '-1'))::int as down
            from c join review_feedback f on f.kind = c.kind and f.github_comment_id = c.github_comment_id
            where c.file is not null
            group by 1, 2 having count(*) filter (where f.content = '-1') > 0
            order by down desc, 1, 2 limit {TopN}
            """, repository, from, to));

        await using var r = await batch.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var current = new Figures(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3));
        await r.NextResultAsync(ct);
        await r.ReadAsync(ct);
        var before = new Figures(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3));

        await r.NextResultAsync(ct);
        var points = new Dictionary<DateTimeOffset, SeriesPoint>();
        while (await r.ReadAsync(ct))
        {
            var at = new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(0), DateTimeKind.Utc));
            points[at] = new SeriesPoint(at, r.GetInt32(1), r.GetInt32(2), r.GetInt32(3));
        }

        await r.NextResultAsync(ct);
        var repos = new List<RepositoryFigures>();
        while (await r.ReadAsync(ct)) repos.Add(new RepositoryFigures(r.GetString(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3)));

        await r.NextResultAsync(ct);
        var files = new List<FileFigures>();
        while (await r.ReadAsync(ct)) files.Add(new FileFigures(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4)));

        return new FeedbackAnalytics(repository, new Period(from, to), previous, current, before, bucketName,
            FillBuckets(points, from, to, bucket), repos, files);
    }

    private const string FiguresSql = $"""
        with c as ({PeriodComments}),
        f as (select f.kind, f.github_comment_id, f.content
              from review_feedback f join c on f.kind = c.kind and f.github_comment_id = c.github_comment_id)
        select (select count(*) from c)::int,
               (select count(*) from (select distinct kind, github_comment_id from f) reacted)::int,
               (select count(*) from f where content = '+1')::int,
               (select count(*) from f where content = '-1')::int
        """;

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

    private static NpgsqlBatchCommand Command(string sql, string? repository, DateTimeOffset from, DateTimeOffset to) => new(sql)
    {
        Parameters =
        {
            new NpgsqlParameter("repo", NpgsqlDbType.Text) { Value = (object?)repository ?? DBNull.Value },
            new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = from },
            new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = to },
        },
    };

    /// <summary>The repositories to offer in filters.</summary>
    public async Task<IReadOnlyList<string>> RepositoriesAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select full_name from repositories order by full_name");
        var list = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(r.GetString(0));
        return list;
    }
}
