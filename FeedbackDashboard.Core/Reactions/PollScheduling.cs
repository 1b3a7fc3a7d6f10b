namespace FeedbackDashboard.Core.Reactions;

/// <summary>Expected worst lag (seconds) from a change on GitHub to the database, per comment age band.</summary>
public sealed record ExpectedLag(
    [property: System.Text.Json.Serialization.JsonPropertyName("lt_1d")] double Lt1d,
    [property: System.Text.Json.Serialization.JsonPropertyName("d1_3")] double D1To3,
    [property: System.Text.Json.Serialization.JsonPropertyName("gt_3d")] double Gt3d);

/// <summary>How many comments of each age band an installation has in the poll window.</summary>
public sealed record WindowCounts(int Young, int Middle, int Old)
{
    public int Total => Young + Middle + Old;
}

/// <summary>What an installation may spend this cycle, and what that buys.</summary>
public sealed record CycleBudget(int Limit, double PointsAllowed, int Capacity, bool Limited);

/// <summary>
/// The budget scheduler's arithmetic (POLLER_SCHEDULE=budget). A comment's target interval is one cycle while it is
/// younger than a day and grows with its age in days after that; reactions that changed recently shrink it (they
/// cluster in time): target = min(max(I, I × age in days), max(I, time since the last change / 4)). Each cycle an
/// installation may spend POLLER_BUDGET_SHARE of its hourly limit, spread evenly over the cycles until GitHub's reset,
/// and less when the remaining points say someone else is spending too.
/// </summary>
public static class PollScheduling
{
    public static readonly TimeSpan DefaultInterval = FeedbackSettings.Defaults.PollerInterval;
    /// <summary>GitHub's cost of nodes(ids: 100) with one reactions(first: 100) each: 100 connections / 100.</summary>
    public const double GraphQlPointsPerComment = 0.01;
    public const double RestPointsPerComment = 1;
    /// <summary>Retired comments are asked about again after this many cycles (a wrong verdict heals).</summary>
    public const int RecheckCycles = 72;
    public const int DefaultLimit = 5000;

    /// <summary>
    /// The target interval in SQL, over c (review_comments), @now and @interval. created_at is clamped to a finite
    /// range first: PostgreSQL refuses to subtract an infinite timestamp, and one such row would fail the whole batch.
    /// </summary>
    public const string TargetSql = """
        least(greatest(@interval, @interval * sqrt(greatest(0, extract(epoch from @now - least(@now, greatest(c.created_at, timestamptz '2000-01-01'))) / 86400))),
              greatest(@interval, coalesce((@now - c.changed_at) / 4, interval '1000 days')))
        """;

    /// <summary>
    /// Points this cycle: the share of the hourly limit per cycle, but never more than the points left above what
    /// the share leaves to others, spread over the cycles until the reset.
    /// </summary>
    public static CycleBudget Plan(int? limit, int? remaining, DateTimeOffset? resetAt, DateTimeOffset now, TimeSpan interval,
        double share, double pointsPerComment, int commentsInWindow)
    {
        var l = limit is > 0 ? limit.Value : DefaultLimit;
        var perCycle = share * l * interval.TotalSeconds / 3600;
        var allowed = perCycle;
        if (remaining is { } r && resetAt is { } reset && reset > now)
        {
            var cyclesLeft = Math.Max(1, Math.Ceiling((reset - now) / interval));
            allowed = Math.Min(perCycle, Math.Max(0, r - (1 - share) * l) / cyclesLeft);
        }
        var capacity = Capacity(allowed, pointsPerComment);
        return new CycleBudget(l, allowed, capacity, capacity < commentsInWindow);
    }

    /// <summary>Comments a number of points buys: GraphQL is charged per request of 100, so whole requests only.</summary>
    public static int Capacity(double points, double pointsPerComment)
    {
        var comments = (int)Math.Floor(Math.Max(0, points) / pointsPerComment);
        return pointsPerComment < 1 ? comments / 100 * 100 : comments;
    }

    /// <summary>What one request costs: the smallest amount worth saving up for.</summary>
    public static double RequestCost(double pointsPerComment) => pointsPerComment < 1 ? pointsPerComment * 100 : pointsPerComment;

    /// <summary>
    /// Worst lag to expect per band when each cycle can poll <paramref name="capacity"/> comments: the young first,
    /// the others at their target plus a common delay D that makes the older bands fit what is left.
    /// </summary>
    public static ExpectedLag Expect(WindowCounts counts, int capacity, TimeSpan interval)
    {
        var i = interval.TotalSeconds;
        if (capacity >= counts.Total) return new ExpectedLag(i, i, i);
        if (capacity <= counts.Young)
        {
            var young = i * Math.Ceiling(counts.Young / (double)Math.Max(1, capacity));
            return new ExpectedLag(young, double.PositiveInfinity, double.PositiveInfinity);
        }
        // Representative targets: 2 days old for 1-3 d, 8 days for older (comments spread over the window).
        double middleTarget = Math.Sqrt(2) * i, oldTarget = Math.Sqrt(8) * i, left = capacity - counts.Young;
        double Polled(double d) => counts.Middle * i / (middleTarget + d) + counts.Old * i / (oldTarget + d);
        double lo = 0, hi = 1e9;
        for (var k = 0; k < 100 && Polled(lo) > left; k++)
        {
            var mid = (lo + hi) / 2;
            if (Polled(mid) > left) lo = mid; else hi = mid;
            if (hi - lo < 1) break;
        }
        return new ExpectedLag(i, Math.Max(i, middleTarget + lo + i), Math.Max(i, oldTarget + lo + i));
    }
}
