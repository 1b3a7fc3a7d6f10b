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

    // Comments carry their repository and 👍/👎 counts (kept by triggers), so every figure is one scan of the period.
    private const string PeriodFilter = """
        c.created_at >= @from and c.created_at < @to
          and (@repo::text is null or c.repository_id = (select id from repositories where full_name = @repo))
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
            select date_trunc('{bucketName}', c.created_at, 'UTC'), count(*)::int, sum(c.up)::int, sum(c.down)::int
            from review_comments c where {PeriodFilter}
            group by 1 order by 1
            """, repository, from, to));
        batch.BatchCommands.Add(Command($"""
            select r.full_name, x.comments, x.up, x.down
            from (select c.repository_id, count(*)::int as comments, sum(c.up)::int as up, sum(c.down)::int as down
                  from review_comments c where {PeriodFilter}
                  group by 1) x
            join repositories r on r.id = x.repository_id
            order by x.up + x.down desc, 1 limit {TopN}
            """, repository, from, to));
        batch.BatchCommands.Add(Command($"""
            select r.full_name, x.file, x.comments, x.up, x.down
            from (select c.repository_id, c.file, count(*)::int as comments, sum(c.up)::int as up, sum(c.down)::int as down
                  from review_comments c where {PeriodFilter} and c.down > 0 and c.file is not null
                  group by 1, 2) x
            join repositories r on r.id = x.repository_id
            order by x.down desc, 1, 2 limit {TopN}
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
        select count(*)::int, (count(*) filter (where c.up + c.down > 0))::int,
               coalesce(sum(c.up), 0)::int, coalesce(sum(c.down), 0)::int
        from review_comments c where {PeriodFilter}
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
