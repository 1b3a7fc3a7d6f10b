using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Model;
namespace FeedbackDashboard.Core.Insights;

/// <summary>
/// The two sides of a comparison: two values of one label over [AFrom, ATo) (then B's period is the same), or two
/// periods (LabelKey null; A and B are the periods' names).
/// </summary>
public sealed record CompareSides(string? LabelKey, string A, string B, DateTimeOffset AFrom, DateTimeOffset ATo,
    DateTimeOffset BFrom, DateTimeOffset BTo);

/// <summary>
/// The compare answer: both groups, a − b for each rate, two-sided p-values and a verdict at 95 %. The applied rate
/// (applied / suggestions) is compared beside the verdict but does not decide it.
/// </summary>
public sealed record Comparison(GroupFigures A, GroupFigures B, double? AcceptanceDiff, double? AcceptancePValue, double? AddressedDiff,
    double? AddressedPValue, double? AppliedDiff, double? AppliedPValue, string Verdict, IReadOnlyList<SeriesPoint> ASeries,
    IReadOnlyList<SeriesPoint> BSeries)
{
    public const double Alpha = 0.05;

    /// <summary>The distinct pull requests holding the compared comments (under paired: those both sides commented on).</summary>
    public int PullRequests { get; init; }

    /// <summary>
    /// The verdict: not_enough_data while either side has fewer than 10 reactions; otherwise a side is better when a
    /// rate is significantly higher for it at 95 % (acceptance first, the addressed rate when acceptance can't tell)
    /// and the other rate is not significantly lower; anything else is no_difference.
    /// </summary>
    public static Comparison Of(GroupFigures a, GroupFigures b, IReadOnlyList<SeriesPoint> aSeries, IReadOnlyList<SeriesPoint> bSeries)
    {
        var acceptanceP = Statistics.TwoSidedP(a.Up, a.Up + a.Down, b.Up, b.Up + b.Down);
        var addressedP = Statistics.TwoSidedP(a.Addressed, a.Comments, b.Addressed, b.Comments);
        var acceptanceDiff = a.Acceptance - b.Acceptance;
        var addressedDiff = a.AddressedRate - b.AddressedRate;
        var appliedP = Statistics.TwoSidedP(a.Applied, a.Suggestions, b.Applied, b.Suggestions);
        var appliedDiff = a.AppliedRate - b.AppliedRate;

        CompareVerdict verdict;
        if (!a.EnoughData || !b.EnoughData) verdict = CompareVerdict.NotEnoughData;
        else
        {
            var acceptance = Direction(acceptanceDiff, acceptanceP);
            var addressed = a.Comments >= Statistics.MinimumReactions && b.Comments >= Statistics.MinimumReactions
                ? Direction(addressedDiff, addressedP) : 0;
            var direction = acceptance != 0 && addressed != 0 && acceptance != addressed ? 0 : acceptance != 0 ? acceptance : addressed;
            verdict = direction > 0 ? CompareVerdict.ABetter : direction < 0 ? CompareVerdict.BBetter : CompareVerdict.NoDifference;
        }
        return new Comparison(a, b, acceptanceDiff, acceptanceP, addressedDiff, addressedP, appliedDiff, appliedP, verdict.ToWire(), aSeries, bSeries);
    }

    private static int Direction(double? diff, double? p) => p is < Alpha && diff is { } d && d != 0 ? Math.Sign(d) : 0;
}
