using FeedbackDashboard.Core.Data;
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

    /// <summary>
    /// Rows of (at, repository, comments, reacted, up, down) covering [from, to): whole UTC days from the daily rollup,
    /// the partial days at either edge from the comments themselves. Parameters: @from, @to, @d0, @d1, @repo.
    /// </summary>
    private const string Window = """
        select d.day::timestamp at time zone 'UTC' as at, d.repository_id, d.comments, d.reacted, d.up, d.down
        from analytics_daily d
        where d.day >= @d0 and d.day < @d1 and (@repo::text is null or d.repository_id = (select id from repositories where full_name = @repo))
        union all
        select c.created_at, c.repository_id, 1, (c.up + c.down > 0)::int, c.up, c.down
        from review_comments c
        where ((c.created_at >= @from and c.created_at < least(@d0::timestamp at time zone 'UTC', @to))
               or (c.created_at >= greatest(@d1::timestamp at time zone 'UTC', @from) and c.created_at < @to))
          and (@repo::text is null or c.repository_id = (select id from repositories where full_name = @repo))
        """;

    /// <summary>One row: the sums over <see cref="Window"/>.</summary>
    private const string Totals = $"""
        select coalesce(sum(comments), 0)::int as comments, coalesce(sum(reacted), 0)::int as reacted,
               coalesce(sum(up), 0)::int as up, coalesce(sum(down), 0)::int as down
        from ({Window}) w
        """;

    private static Figures FiguresOf(NpgsqlDataReader r) =>
        new(r.Get<int>("comments"), r.Get<int>("reacted"), r.Get<int>("up"), r.Get<int>("down"));

    public async Task<FeedbackAnalytics> GetAsync(string? repository, DateTimeOffset from, DateTimeOffset to, Bucket bucket,
        CancellationToken ct)
    {
        repository = repository?.ToLowerInvariant();
        var previous = new Period(from - (to - from), from);
        var bucketName = bucket == Bucket.Week ? "week" : "day";

        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Command(Totals, repository, from, to));
        batch.BatchCommands.Add(Command(Totals, repository, previous.From, previous.To));
        batch.BatchCommands.Add(Command($"""
            select date_trunc('{bucketName}', w.at, 'UTC') as bucket, sum(comments)::int as comments, sum(up)::int as up, sum(down)::int as down
            from ({Window}) w
            group by 1 order by 1
            """, repository, from, to));
        batch.BatchCommands.Add(Command($"""
            select r.full_name as repository, x.comments, x.up, x.down
            from (select repository_id, sum(comments)::int as comments, sum(up)::int as up, sum(down)::int as down
                  from ({Window}) w group by 1) x
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
            points[at] = new SeriesPoint(at, r.Get<int>("comments"), r.Get<int>("up"), r.Get<int>("down"));
        }

        await r.NextResultAsync(ct);
        var repos = new List<RepositoryFigures>();
        while (await r.ReadAsync(ct))
            repos.Add(new RepositoryFigures(r.Get<string>("repository"), r.Get<int>("comments"), r.Get<int>("up"), r.Get<int>("down")));

        var files = await filesTask;
        return new FeedbackAnalytics(repository, new Period(from, to), previous, current, before, bucketName,
            FillBuckets(points, from, to, bucket), repos, files);
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
