using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.Model;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Insights;

public enum Bucket { Day, Week }

/// <summary>
/// Whose judgement counts: everyone's, the repository's maintainers' (the live maintainers table wins over the
/// association stored at ingest), or the pull request author's. For the addressed rate: all = outdated or resolved
/// by a person; maintainers = resolved by a maintainer; pr_author = outdated (the author's push changed the line) or
/// resolved by the author.
/// </summary>
public enum AnalyticsRole { All, Maintainers, PrAuthor }

/// <summary>
/// What became of comments as SQL sums them: suggested changes and how many a later commit applied, comments
/// raising an earlier finding again, and the decided dispositions (open is what is left of the comments).
/// </summary>
public readonly record struct Outcomes(int Suggestions, int Applied, int Reraised, int DispositionApplied, int DispositionAddressed,
    int DispositionDismissed)
{
    public static Outcomes operator +(Outcomes a, Outcomes b) => new(a.Suggestions + b.Suggestions, a.Applied + b.Applied,
        a.Reraised + b.Reraised, a.DispositionApplied + b.DispositionApplied, a.DispositionAddressed + b.DispositionAddressed,
        a.DispositionDismissed + b.DispositionDismissed);

    public DispositionCounts Dispositions(int comments) => new(DispositionApplied, DispositionAddressed, DispositionDismissed,
        comments - DispositionApplied - DispositionAddressed - DispositionDismissed);
}

/// <summary>How many comments ended in each disposition.</summary>
public sealed record DispositionCounts(int Applied, int Addressed, int Dismissed, int Open);

public record Figures(int Comments, int Reacted, int Up, int Down, int Addressed = 0, int Suggestions = 0, int Applied = 0, int Reraised = 0)
{
    /// <summary>👍 / (👍 + 👎): the share of judged comments' reactions that approve — never divided by all comments.</summary>
    public double? Acceptance => Up + Down == 0 ? null : (double)Up / (Up + Down);

    /// <summary>Wilson 95 % interval of the acceptance.</summary>
    public double? AcceptanceLow => Statistics.Wilson(Up, Up + Down)?.Low;
    public double? AcceptanceHigh => Statistics.Wilson(Up, Up + Down)?.High;

    /// <summary>Wilson 95 % interval of the addressed rate.</summary>
    public double? AddressedLow => Statistics.Wilson(Addressed, Comments)?.Low;
    public double? AddressedHigh => Statistics.Wilson(Addressed, Comments)?.High;

    /// <summary>At least <see cref="Statistics.MinimumReactions"/> reactions: below that a rate is shown but judged "not enough data".</summary>
    public bool EnoughData => Up + Down >= Statistics.MinimumReactions;

    /// <summary>Share of comments that drew at least one 👍/👎.</summary>
    public double? Coverage => Comments == 0 ? null : (double)Reacted / Comments;

    /// <summary>Share of comments acted on: outdated (the code at the line changed) or resolved by a person.</summary>
    public double? AddressedRate => Comments == 0 ? null : (double)Addressed / Comments;

    /// <summary>Suggestions (comments holding a GitHub suggested change) a later commit applied, with its Wilson 95 % interval.</summary>
    public double? AppliedRate => Suggestions == 0 ? null : (double)Applied / Suggestions;
    public double? AppliedLow => Statistics.Wilson(Applied, Suggestions)?.Low;
    public double? AppliedHigh => Statistics.Wilson(Applied, Suggestions)?.High;

    /// <summary>Share of comments raising again a finding a person had 👎'd or resolved, with its Wilson 95 % interval.</summary>
    public double? ReraiseRate => Comments == 0 ? null : (double)Reraised / Comments;
    public double? ReraiseLow => Statistics.Wilson(Reraised, Comments)?.Low;
    public double? ReraiseHigh => Statistics.Wilson(Reraised, Comments)?.High;

    /// <summary>How many comments ended in each disposition (all open unless set).</summary>
    public DispositionCounts Dispositions { get; init; } = new(0, 0, 0, Comments);
}

/// <summary>One group of a group_by (a repository, rule, category, severity or label value) — the API's group shape.</summary>
/// <remarks>Not sealed: the bots' leaderboard extends it, so every figure a group gains reaches the leaderboard too.</remarks>
public record GroupFigures(string Key, int Comments, int Reacted, int Up, int Down, int Addressed = 0, int Suggestions = 0,
    int Applied = 0, int Reraised = 0) : Figures(Comments, Reacted, Up, Down, Addressed, Suggestions, Applied, Reraised)
{
    public static GroupFigures Of(string key, int comments, int reacted, int up, int down, int addressed, Outcomes outcomes) =>
        new(key, comments, reacted, up, down, addressed, outcomes.Suggestions, outcomes.Applied, outcomes.Reraised)
        {
            Dispositions = outcomes.Dispositions(comments),
        };
}

public sealed record SeriesPoint(DateTimeOffset Bucket, int Comments, int Up, int Down, int Addressed = 0, int Suggestions = 0,
    int Applied = 0, int Reraised = 0)
{
    public double? Acceptance => Up + Down == 0 ? null : (double)Up / (Up + Down);
    public double? AcceptanceLow => Statistics.Wilson(Up, Up + Down)?.Low;
    public double? AcceptanceHigh => Statistics.Wilson(Up, Up + Down)?.High;
    public double? AddressedRate => Comments == 0 ? null : (double)Addressed / Comments;
    public double? AddressedLow => Statistics.Wilson(Addressed, Comments)?.Low;
    public double? AddressedHigh => Statistics.Wilson(Addressed, Comments)?.High;
    public double? AppliedRate => Suggestions == 0 ? null : (double)Applied / Suggestions;
    public double? AppliedLow => Statistics.Wilson(Applied, Suggestions)?.Low;
    public double? AppliedHigh => Statistics.Wilson(Applied, Suggestions)?.High;
    public double? ReraiseRate => Comments == 0 ? null : (double)Reraised / Comments;
    public double? ReraiseLow => Statistics.Wilson(Reraised, Comments)?.Low;
    public double? ReraiseHigh => Statistics.Wilson(Reraised, Comments)?.High;
}

public sealed record RepositoryFigures(string Repository, int Comments, int Up, int Down)
{
    public double? Acceptance => Up + Down == 0 ? null : (double)Up / (Up + Down);
    public double? AcceptanceLow => Statistics.Wilson(Up, Up + Down)?.Low;
    public double? AcceptanceHigh => Statistics.Wilson(Up, Up + Down)?.High;
}

public sealed record FileFigures(string Repository, string File, int Comments, int Up, int Down);

public sealed record Period(DateTimeOffset From, DateTimeOffset To);

/// <summary>What the comments carry, for filter pickers: label keys with their values, rules, categories.</summary>
public sealed record Facets(IReadOnlyDictionary<string, IReadOnlyList<string>> Labels, IReadOnlyList<string> Rules, IReadOnlyList<string> Categories)
{
    public static Facets None { get; } = new(new Dictionary<string, IReadOnlyList<string>>(), [], []);
}

public sealed record FeedbackAnalytics(string? Repository, Period Period, Period PreviousPeriod, Figures Current, Figures Previous,
    string Bucket, IReadOnlyList<SeriesPoint> Series, IReadOnlyList<RepositoryFigures> TopRepositories,
    IReadOnlyList<FileFigures> MostDownvotedFiles)
{
    public string Role { get; init; } = "all";

    /// <summary>With group_by: the groups, largest first; absent otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<GroupFigures>? Groups { get; init; }
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

    /// <summary>One row: the sums over a window.</summary>
    private static string Totals(string window) => $"""
        select coalesce(sum(comments), 0)::int as comments, coalesce(sum(reacted), 0)::int as reacted,
               coalesce(sum(up), 0)::int as up, coalesce(sum(down), 0)::int as down, coalesce(sum(addressed), 0)::int as addressed,
               {OutcomeSums}
        from ({window}) w
        """;

    /// <summary>The sums of <see cref="Outcomes"/> over a window's rows.</summary>
    private const string OutcomeSums = """
        coalesce(sum(suggestions), 0)::int as suggestions, coalesce(sum(applied), 0)::int as applied,
        coalesce(sum(reraised), 0)::int as reraised, coalesce(sum(disposition_applied), 0)::int as disposition_applied,
        coalesce(sum(disposition_addressed), 0)::int as disposition_addressed, coalesce(sum(disposition_dismissed), 0)::int as disposition_dismissed
        """;

    private static Outcomes OutcomesOf(NpgsqlDataReader r) => new(r.Get<int>("suggestions"), r.Get<int>("applied"), r.Get<int>("reraised"),
        r.Get<int>("disposition_applied"), r.Get<int>("disposition_addressed"), r.Get<int>("disposition_dismissed"));

    private static Figures FiguresOf(NpgsqlDataReader r)
    {
        var (comments, outcomes) = (r.Get<int>("comments"), OutcomesOf(r));
        return new Figures(comments, r.Get<int>("reacted"), r.Get<int>("up"), r.Get<int>("down"), r.Get<int>("addressed"), outcomes.Suggestions,
            outcomes.Applied, outcomes.Reraised) { Dispositions = outcomes.Dispositions(comments) };
    }

    private static SeriesPoint PointOf(NpgsqlDataReader r, Outcomes outcomes) => new(r.Get<DateTimeOffset>("bucket"), r.Get<int>("comments"),
        r.Get<int>("up"), r.Get<int>("down"), r.Get<int>("addressed"), outcomes.Suggestions, outcomes.Applied, outcomes.Reraised);

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

    public Task<FeedbackAnalytics> GetAsync(string? repository, DateTimeOffset from, DateTimeOffset to, Bucket bucket,
        CancellationToken ct, AnalyticsRole role = AnalyticsRole.All) =>
        QueryAsync(new AnalyticsFilter(repository, role), from, to, bucket, ct);

    /// <param name="groupBy">A <see cref="GroupDims"/> value: adds the groups, largest first.</param>
    public async Task<FeedbackAnalytics> QueryAsync(AnalyticsFilter filter, DateTimeOffset from, DateTimeOffset to, Bucket bucket,
        CancellationToken ct, string? groupBy = null)
    {
        filter = filter with { Repository = filter.Repository?.ToLowerInvariant() };
        var repository = filter.Repository;
        var window = AnalyticsWindow.For(filter, null);
        var previous = new Period(from - (to - from), from);
        var bucketName = bucket == Bucket.Week ? "week" : "day";

        await using var connection = await CustomPlanned.OpenAsync(db, ct);
        await using var batch = connection.CreateBatch();
        batch.BatchCommands.Add(Command(Totals(window.Sql), repository, from, to, window));
        batch.BatchCommands.Add(Command(Totals(window.Sql), repository, previous.From, previous.To, window));
        batch.BatchCommands.Add(Command(SeriesSql(window.Sql, bucketName, grouped: false), repository, from, to, window));
        batch.BatchCommands.Add(Command($"""
            select r.full_name as repository, x.comments, x.up, x.down
            from (select repository_id, sum(comments)::int as comments, sum(up)::int as up, sum(down)::int as down
                  from ({window.Sql}) w group by 1) x
            join repositories r on r.id = x.repository_id
            order by x.up + x.down desc, 1 limit {TopN}
            """, repository, from, to, window));
        AnalyticsWindow? grouped = groupBy is null ? null : AnalyticsWindow.For(filter, groupBy);
        if (grouped is not null) batch.BatchCommands.Add(Command(GroupsSql(grouped.Sql, groupBy!), repository, from, to, grouped));

        var fileParameters = new List<NpgsqlParameter>();
        var filePredicates = AnalyticsWindow.ConstraintPredicates(filter, fileParameters);
        await using var filesConnection = await CustomPlanned.OpenAsync(db, ct);
        await using var filesCommand = filesConnection.CreateBatch();
        var files = Command($"""
            select r.full_name as repository, x.file, x.comments, x.up, x.down
            from (select c.repository_id, c.file, count(*)::int as comments, sum(c.up)::int as up, sum(c.down)::int as down
                  from review_comments c
                  where c.created_at >= @from and c.created_at < @to and c.down > 0 and c.file is not null
                    and (@repo::text is null or c.repository_id = (select id from repositories where full_name = @repo)){filePredicates}
                  group by 1, 2) x
            join repositories r on r.id = x.repository_id
            order by x.down desc, 1, 2 limit {TopN}
            """, repository, from, to);
        files.Parameters.AddRange(fileParameters.ToArray());
        filesCommand.BatchCommands.Add(files);

        // The files need comment-level rows; they run beside the rollup queries on a second connection.
        var filesTask = ReadFilesAsync(filesCommand, ct);

        await using var r = await batch.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var current = FiguresOf(r);
        await r.NextResultAsync(ct);
        await r.ReadAsync(ct);
        var before = FiguresOf(r);

        await r.NextResultAsync(ct);
        var points = await ReadSeriesAsync(r, ct);

        await r.NextResultAsync(ct);
        var repos = new List<RepositoryFigures>();
        while (await r.ReadAsync(ct))
            repos.Add(new RepositoryFigures(r.Get<string>("repository"), r.Get<int>("comments"), r.Get<int>("up"), r.Get<int>("down")));

        List<GroupFigures>? groups = null;
        if (grouped is not null)
        {
            await r.NextResultAsync(ct);
            groups = await ReadGroupsAsync(r, ct);
        }

        var topFiles = await filesTask;
        return new FeedbackAnalytics(repository, new Period(from, to), previous, current, before, bucketName,
            FillBuckets(points, from, to, bucket), repos, topFiles) { Role = RoleName(filter.Role), Groups = groups };
    }

    /// <summary>
    /// Sums per group, largest (most comments) first; a repository group is named by its full name. Groups whose comments all
    /// moved away (a run relabelled) leave zero rows in the rollup: they are not groups any more.
    /// </summary>
    private static string GroupsSql(string window, string groupBy) => groupBy == GroupDims.Repository
        ? $"""
            select r.full_name as key, x.*
            from (select w.repository_id, sum(comments)::int as comments, sum(reacted)::int as reacted, sum(up)::int as up,
                         sum(down)::int as down, sum(addressed)::int as addressed, {OutcomeSums}
                  from ({window}) w group by 1 having sum(comments) > 0) x
            join repositories r on r.id = x.repository_id
            order by x.comments desc, 1
            """
        : $"""
            select w.g as key, sum(comments)::int as comments, sum(reacted)::int as reacted, sum(up)::int as up, sum(down)::int as down,
                   sum(addressed)::int as addressed, {OutcomeSums}
            from ({window}) w where w.g is not null
            group by 1 having sum(comments) > 0 order by 2 desc, 1
            """;

    private static string SeriesSql(string window, string bucketName, bool grouped) => $"""
        select date_trunc('{bucketName}', w.at, 'UTC') as bucket, {(grouped ? "w.g" : "null::text")} as key, sum(comments)::int as comments,
               sum(reacted)::int as reacted, sum(up)::int as up, sum(down)::int as down, sum(addressed)::int as addressed,
               {OutcomeSums}
        from ({window}) w
        group by 1, 2 order by 1
        """;

    private static async Task<Dictionary<DateTimeOffset, SeriesPoint>> ReadSeriesAsync(NpgsqlDataReader r, CancellationToken ct)
    {
        var points = new Dictionary<DateTimeOffset, SeriesPoint>();
        while (await r.ReadAsync(ct))
        {
            var point = PointOf(r, OutcomesOf(r));
            points[point.Bucket] = point;
        }
        return points;
    }

    private static async Task<List<GroupFigures>> ReadGroupsAsync(NpgsqlDataReader r, CancellationToken ct)
    {
        var groups = new List<GroupFigures>();
        while (await r.ReadAsync(ct))
        {
            groups.Add(GroupFigures.Of(r.Get<string>("key"), r.Get<int>("comments"), r.Get<int>("reacted"), r.Get<int>("up"),
                r.Get<int>("down"), r.Get<int>("addressed"), OutcomesOf(r)));
        }
        return groups;
    }

    /// <summary>
    /// Two groups side by side: two values of a label over one period, or two periods. Each side's figures and its
    /// series; the differences, p-values and verdict come from <see cref="Comparison"/>.
    /// </summary>
    public async Task<Comparison> CompareAsync(AnalyticsFilter filter, CompareSides sides, Bucket bucket, CancellationToken ct)
    {
        filter = filter with { Repository = filter.Repository?.ToLowerInvariant() };
        var repository = filter.Repository;
        var bucketName = bucket == Bucket.Week ? "week" : "day";
        // Each side is read once, as its series: the side's figures are the sums of its buckets (they cover the period).
        await using var connection = await CustomPlanned.OpenAsync(db, ct);
        await using var batch = connection.CreateBatch();
        if (sides.LabelKey is { } key)
        {
            // Both values in one pass over the label's rollup.
            var window = AnalyticsWindow.For(filter, GroupDims.Label(key), [sides.A, sides.B]);
            batch.BatchCommands.Add(Command(SeriesSql(window.Sql, bucketName, grouped: true), repository, sides.AFrom, sides.ATo, window));
        }
        else
        {
            var window = AnalyticsWindow.For(filter, null);
            batch.BatchCommands.Add(Command(SeriesSql(window.Sql, bucketName, grouped: false), repository, sides.AFrom, sides.ATo, window));
            batch.BatchCommands.Add(Command(SeriesSql(window.Sql, bucketName, grouped: false), repository, sides.BFrom, sides.BTo, window));
        }
        batch.BatchCommands.Add(PullRequestsCommand(filter, sides));
        await using var r = await batch.ExecuteReaderAsync(ct);
        var aRows = await ReadBucketsAsync(r, ct);
        var bRows = aRows;
        if (sides.LabelKey is null)
        {
            await r.NextResultAsync(ct);
            bRows = await ReadBucketsAsync(r, ct);
        }
        else
        {
            aRows = aRows.Where(x => x.Key == sides.A).ToList();
            bRows = bRows.Where(x => x.Key == sides.B).ToList();
        }
        await r.NextResultAsync(ct);
        await r.ReadAsync(ct);
        var pullRequests = r.Get<int>("pull_requests");
        var comparison = Comparison.Of(Sum(sides.A, aRows), Sum(sides.B, bRows),
            FillBuckets(aRows.ToDictionary(x => x.Point.Bucket, x => x.Point), sides.AFrom, sides.ATo, bucket),
            FillBuckets(bRows.ToDictionary(x => x.Point.Bucket, x => x.Point), sides.BFrom, sides.BTo, bucket));
        return comparison with { PullRequests = pullRequests };
    }

    /// <summary>
    /// The distinct pull requests holding the compared comments: either side's (both periods' for a period compare);
    /// under paired only the shared ones remain, so it is their count.
    /// </summary>
    private static NpgsqlBatchCommand PullRequestsCommand(AnalyticsFilter filter, CompareSides sides)
    {
        var parameters = new List<NpgsqlParameter>();
        var predicates = AnalyticsWindow.ConstraintPredicates(filter, parameters);
        var side = "true";
        if (sides.LabelKey is { } key)
        {
            side = "(c.labels ->> @sidekey) in (@sidea, @sideb)";
            parameters.Add(new NpgsqlParameter("sidekey", NpgsqlDbType.Text) { Value = key });
            parameters.Add(new NpgsqlParameter("sidea", NpgsqlDbType.Text) { Value = sides.A });
            parameters.Add(new NpgsqlParameter("sideb", NpgsqlDbType.Text) { Value = sides.B });
        }
        var command = Command($"""
            select count(distinct (t.repository_id, t.pr_number))::int as pull_requests
            from review_comments c join tasks t on t.id = c.task_id
            where ((c.created_at >= @from and c.created_at < @to) or (c.created_at >= @bfrom and c.created_at < @bto))
              and (@repo::text is null or c.repository_id = (select id from repositories where full_name = @repo))
              and {side}{predicates}
            """, filter.Repository, sides.AFrom, sides.ATo);
        command.Parameters.Add(new NpgsqlParameter("bfrom", NpgsqlDbType.TimestampTz) { Value = sides.BFrom });
        command.Parameters.Add(new NpgsqlParameter("bto", NpgsqlDbType.TimestampTz) { Value = sides.BTo });
        command.Parameters.AddRange(parameters.ToArray());
        return command;
    }

    /// <summary>The group_by groups alone (the same figures and order as <see cref="QueryAsync"/>'s), for reads built on them.</summary>
    public async Task<IReadOnlyList<GroupFigures>> GroupsAsync(AnalyticsFilter filter, DateTimeOffset from, DateTimeOffset to, string groupBy,
        CancellationToken ct)
    {
        filter = filter with { Repository = filter.Repository?.ToLowerInvariant() };
        var window = AnalyticsWindow.For(filter, groupBy);
        await using var connection = await CustomPlanned.OpenAsync(db, ct);
        await using var batch = connection.CreateBatch();
        batch.BatchCommands.Add(Command(GroupsSql(window.Sql, groupBy), filter.Repository, from, to, window));
        await using var r = await batch.ExecuteReaderAsync(ct);
        return await ReadGroupsAsync(r, ct);
    }

    /// <summary>Each group's series over the period (every bucket, empty ones included), by group value.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<SeriesPoint>>> GroupSeriesAsync(AnalyticsFilter filter, DateTimeOffset from,
        DateTimeOffset to, string groupBy, Bucket bucket, CancellationToken ct)
    {
        filter = filter with { Repository = filter.Repository?.ToLowerInvariant() };
        var window = AnalyticsWindow.For(filter, groupBy);
        await using var connection = await CustomPlanned.OpenAsync(db, ct);
        await using var batch = connection.CreateBatch();
        batch.BatchCommands.Add(Command(SeriesSql(window.Sql, bucket == Bucket.Week ? "week" : "day", grouped: true), filter.Repository, from, to, window));
        await using var r = await batch.ExecuteReaderAsync(ct);
        var rows = await ReadBucketsAsync(r, ct);
        return rows.Where(x => x.Key is not null).GroupBy(x => x.Key!, StringComparer.Ordinal).ToDictionary(g => g.Key,
            g => (IReadOnlyList<SeriesPoint>)FillBuckets(g.ToDictionary(x => x.Point.Bucket, x => x.Point), from, to, bucket), StringComparer.Ordinal);
    }

    private static async Task<List<(string? Key, int Reacted, Outcomes Outcomes, SeriesPoint Point)>> ReadBucketsAsync(NpgsqlDataReader r,
        CancellationToken ct)
    {
        var rows = new List<(string?, int, Outcomes, SeriesPoint)>();
        while (await r.ReadAsync(ct))
        {
            var outcomes = OutcomesOf(r);
            rows.Add((r.GetOrNull<string>("key"), r.Get<int>("reacted"), outcomes, PointOf(r, outcomes)));
        }
        return rows;
    }

    private static GroupFigures Sum(string key, List<(string? Key, int Reacted, Outcomes Outcomes, SeriesPoint Point)> rows) => GroupFigures.Of(key,
        rows.Sum(x => x.Point.Comments), rows.Sum(x => x.Reacted), rows.Sum(x => x.Point.Up), rows.Sum(x => x.Point.Down),
        rows.Sum(x => x.Point.Addressed), rows.Aggregate(default(Outcomes), (sum, x) => sum + x.Outcomes));

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

    private static NpgsqlBatchCommand Command(string sql, string? repository, DateTimeOffset from, DateTimeOffset to, AnalyticsWindow window)
    {
        var command = Command(sql, repository, from, to);
        foreach (var parameter in window.Parameters) command.Parameters.Add(parameter.Clone());
        return command;
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
    public Task<OverviewSignals> OverviewSignalsAsync(string? repository, DateTimeOffset from, DateTimeOffset to, int top,
        CancellationToken ct) => OverviewSignalsAsync(new AnalyticsFilter(repository), from, to, top, ct);

    public async Task<OverviewSignals> OverviewSignalsAsync(AnalyticsFilter filter, DateTimeOffset from, DateTimeOffset to, int top,
        CancellationToken ct)
    {
        var repository = filter.Repository?.ToLowerInvariant();
        var maintainers = AnalyticsWindow.For(filter with { Role = AnalyticsRole.Maintainers }, null);
        var authors = AnalyticsWindow.For(filter with { Role = AnalyticsRole.PrAuthor }, null);
        var disputedParameters = new List<NpgsqlParameter>();
        var predicates = AnalyticsWindow.ConstraintPredicates(filter, disputedParameters);
        await using var connection = await CustomPlanned.OpenAsync(db, ct);
        await using var batch = connection.CreateBatch();
        batch.BatchCommands.Add(Command(Totals(maintainers.Sql), repository, from, to, maintainers));
        batch.BatchCommands.Add(Command(Totals(authors.Sql), repository, from, to, authors));
        var disputed = Command(DisputedSql.Replace("/*filters*/", predicates), repository, from, to);
        disputed.Parameters.AddRange(disputedParameters.ToArray());
        disputed.Parameters.AddWithValue("top", top);
        batch.BatchCommands.Add(disputed);
        await using var r = await batch.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var byMaintainers = FiguresOf(r);
        await r.NextResultAsync(ct);
        await r.ReadAsync(ct);
        var byAuthor = FiguresOf(r);
        await r.NextResultAsync(ct);
        return new OverviewSignals(byMaintainers, byAuthor, await ReadDisputedAsync(r, ct));
    }

    // Only comments with both counts can be disputed: the partial index on down > 0 narrows the scan.
    private static readonly string DisputedSql = $"""
        select c.task_id, r.full_name as repository, t.pr_number, c.kind, c.github_comment_id, c.file, c.line, c.body, c.html_url, c.up, c.down
        from review_comments c
        join tasks t on t.id = c.task_id
        join repositories r on r.id = c.repository_id
        where c.created_at >= @from and c.created_at < @to and c.down > 0 and c.up > 0
          and (@repo::text is null or r.full_name = @repo) /*filters*/
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

    /// <summary>The labels (key → values), rules and categories comments carry, to offer in filters (from the group rollup).</summary>
    public async Task<Facets> FacetsAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select dim, value from analytics_daily_groups where dim <> 'severity' group by 1, 2 having sum(comments) > 0 order by 1, 2
            """);
        var labels = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        List<string> rules = [], categories = [];
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var (dim, value) = (r.Get<string>("dim"), r.Get<string>("value"));
            if (dim == GroupDims.Rule) rules.Add(value);
            else if (dim == GroupDims.Category) categories.Add(value);
            else if (dim.StartsWith(GroupDims.LabelPrefix, StringComparison.Ordinal))
            {
                var key = dim[GroupDims.LabelPrefix.Length..];
                if (!labels.TryGetValue(key, out var values)) labels[key] = values = [];
                values.Add(value);
            }
        }
        return new Facets(labels.ToDictionary(l => l.Key, l => (IReadOnlyList<string>)l.Value), rules, categories);
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
