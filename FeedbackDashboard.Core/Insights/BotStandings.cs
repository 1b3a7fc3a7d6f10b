using FeedbackDashboard.Core.Data;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Insights;

/// <summary>A bot on the leaderboard: its group_by=bot figures (key = the bot's name) and the pull requests it commented on.</summary>
public sealed record BotStanding : GroupFigures
{
    public BotStanding(GroupFigures figures, int pullRequests) : base(figures) => PullRequests = pullRequests;

    [System.Text.Json.Serialization.JsonPropertyOrder(-2)]
    public string Bot => Key;

    [System.Text.Json.Serialization.JsonPropertyOrder(-1)]
    public int PullRequests { get; }
}

/// <summary>How many pull requests two bots both commented on in the period (A sorts before B).</summary>
public sealed record BotOverlap(string A, string B, int SharedPullRequests);

public sealed record BotLeaderboard(IReadOnlyList<BotStanding> Bots, IReadOnlyList<BotOverlap> Overlap);

/// <summary>
/// Bots side by side: the group_by=bot groups (the same figures, from the same query) ranked by the low end of their
/// acceptance interval, so a bot judged on few reactions does not outrank one judged on many, and each pair's shared
/// pull requests.
/// </summary>
public sealed class BotStandings(NpgsqlDataSource db, AnalyticsQueries analytics)
{
    // Observed runs carry their profile's name in this label.
    private static readonly string ByBot = GroupDims.Label("bot");

    public async Task<BotLeaderboard> LeaderboardAsync(AnalyticsFilter filter, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        filter = filter with { Repository = filter.Repository?.ToLowerInvariant() };
        var groups = await analytics.GroupsAsync(filter, from, to, ByBot, ct);
        var prs = await PullRequestsAsync(filter, from, to, ct);
        var bots = groups
            .Select(g => new BotStanding(g, prs.Single.GetValueOrDefault(g.Key)))
            .OrderByDescending(b => b.AcceptanceLow ?? -1)
            .ThenByDescending(b => b.Comments)
            .ThenBy(b => b.Bot, StringComparer.Ordinal)
            .ToList();
        var names = bots.Select(b => b.Bot).Order(StringComparer.Ordinal).ToList();
        var overlap = new List<BotOverlap>();
        for (var i = 0; i < names.Count; i++)
            for (var j = i + 1; j < names.Count; j++)
                overlap.Add(new BotOverlap(names[i], names[j], prs.Shared.GetValueOrDefault((names[i], names[j]))));
        return new BotLeaderboard(bots, overlap);
    }

    /// <summary>Each bot's weekly series over the period, for its trend.</summary>
    public Task<IReadOnlyDictionary<string, IReadOnlyList<SeriesPoint>>> TrendsAsync(AnalyticsFilter filter, DateTimeOffset from, DateTimeOffset to,
        CancellationToken ct) => analytics.GroupSeriesAsync(filter, from, to, ByBot, Bucket.Week, ct);

    /// <summary>Each bot's distinct pull requests, and each pair's shared ones, over the comments the analytics filters count.</summary>
    private async Task<(Dictionary<string, int> Single, Dictionary<(string, string), int> Shared)> PullRequestsAsync(AnalyticsFilter filter,
        DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var parameters = new List<NpgsqlParameter>();
        var predicates = AnalyticsWindow.ConstraintPredicates(filter, parameters);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var batch = connection.CreateBatch();
        var sql = $"""
            with prs as (
                select distinct c.labels ->> 'bot' as bot, t.repository_id, t.pr_number
                from review_comments c join tasks t on t.id = c.task_id
                where c.created_at >= @from and c.created_at < @to and c.labels ->> 'bot' is not null
                  and (@repo::text is null or c.repository_id = (select id from repositories where full_name = @repo)){predicates})
            """;
        batch.BatchCommands.Add(Command($"{sql} select bot as a, null::text as b, count(*)::int as n from prs group by 1", filter.Repository, from, to, parameters));
        batch.BatchCommands.Add(Command($"""
            {sql}
            select x.bot as a, y.bot as b, count(*)::int as n
            from prs x join prs y on y.repository_id = x.repository_id and y.pr_number = x.pr_number and x.bot < y.bot
            group by 1, 2
            """, filter.Repository, from, to, parameters));
        await using var r = await batch.ExecuteReaderAsync(ct);
        var single = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await r.ReadAsync(ct)) single[r.Get<string>("a")] = r.Get<int>("n");
        await r.NextResultAsync(ct);
        var shared = new Dictionary<(string, string), int>();
        while (await r.ReadAsync(ct)) shared[(r.Get<string>("a"), r.Get<string>("b"))] = r.Get<int>("n");
        return (single, shared);
    }

    private static NpgsqlBatchCommand Command(string sql, string? repository, DateTimeOffset from, DateTimeOffset to, List<NpgsqlParameter> parameters)
    {
        var command = new NpgsqlBatchCommand(sql)
        {
            Parameters =
            {
                new NpgsqlParameter("repo", NpgsqlDbType.Text) { Value = (object?)repository ?? DBNull.Value },
                new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = from },
                new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = to },
            },
        };
        foreach (var parameter in parameters) command.Parameters.Add(parameter.Clone());
        return command;
    }
}
