using System.Numerics;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Model;

namespace FeedbackDashboard.Tests.Core.Insights;

/// <summary>
/// The hand-written statistics against values computed elsewhere: Newcombe (1998, Stat Med 17:857) Table I for the
/// Wilson interval, R's prop.test(correct = FALSE) and fisher.test for the p-values, and in-test recomputations by
/// another method (bisection on the Wilson quadratic, exact big-integer hypergeometric sums).
/// </summary>
public sealed class StatisticsTests
{
    [Theory]
    // Newcombe 1998, Table I, method 3 (score interval without continuity correction).
    [InlineData(81, 263, 0.2553, 0.3662)]
    [InlineData(15, 148, 0.0624, 0.1605)]
    [InlineData(0, 20, 0.0000, 0.1611)]
    [InlineData(1, 29, 0.0061, 0.1718)]
    public void Wilson_interval_matches_Newcombe_1998(int x, int n, double low, double high)
    {
        var interval = Statistics.Wilson(x, n)!;
        Assert.Equal(low, interval.Low, 4);
        Assert.Equal(high, interval.High, 4);
    }

    [Theory]
    [InlineData(8, 10)]
    [InlineData(3, 17)]
    [InlineData(50, 50)]
    [InlineData(731, 1000)]
    public void Wilson_bounds_are_the_roots_of_the_score_equation_found_by_bisection(int x, int n)
    {
        // The Wilson bounds are the proportions π with |p̂ − π| = z·sqrt(π(1−π)/n): found here by bisection, not by formula.
        const double z = 1.959963984540054;
        var p = (double)x / n;
        double Gap(double pi) => (p - pi) * (p - pi) - z * z * pi * (1 - pi) / n;
        double Root(double lo, double hi)
        {
            for (var i = 0; i < 200; i++)
            {
                var mid = (lo + hi) / 2;
                if (Math.Sign(Gap(mid)) == Math.Sign(Gap(lo))) lo = mid; else hi = mid;
            }
            return (lo + hi) / 2;
        }
        var interval = Statistics.Wilson(x, n)!;
        Assert.Equal(x == 0 ? 0 : Root(0, p), interval.Low, 9);
        Assert.Equal(x == n ? 1 : Root(p, 1), interval.High, 9);
        Assert.Null(Statistics.Wilson(0, 0));
    }

    [Fact]
    public void Two_proportion_test_matches_R_prop_test_without_correction()
    {
        // prop.test(c(60, 40), c(100, 100), correct = FALSE): X-squared = 8, p = P(χ²₁ > 8) = erfc(2) = 0.004677735.
        Assert.Equal(0.004677734981047266, Statistics.TwoProportionZ(60, 100, 40, 100), 7);
        // 45/50 against 35/50: z = 0.2 / sqrt(0.8 · 0.2 · (2/50)) = 2.5, p = 2(1 − Φ(2.5)) = 0.0124193306.
        Assert.Equal(0.0124193306, Statistics.TwoProportionZ(45, 50, 35, 50), 7);
        // Same rates: p = 1.
        Assert.Equal(1, Statistics.TwoProportionZ(30, 60, 15, 30), 7);
        Assert.Equal(Statistics.TwoProportionZ(60, 100, 40, 100), Statistics.TwoSidedP(60, 100, 40, 100));
    }

    [Fact]
    public void Fisher_exact_test_matches_R_and_an_exact_rational_sum()
    {
        // Fisher's tea-tasting table: fisher.test(matrix(c(3, 1, 1, 3), 2)) p = 34/70 = 0.4857143.
        Assert.Equal(34.0 / 70, Statistics.FisherExact(3, 1, 1, 3), 9);
        // fisher.test(matrix(c(1, 11, 9, 3), 2)): p = 0.002759456 (the textbook dieting example).
        Assert.Equal(0.002759456, Statistics.FisherExact(1, 9, 11, 3), 8);
        Assert.Equal(ExactFisher(1, 9, 11, 3), Statistics.FisherExact(1, 9, 11, 3), 12);
        Assert.Equal(ExactFisher(7, 2, 1, 6), Statistics.FisherExact(7, 2, 1, 6), 12);
        // Small counts take the exact test.
        Assert.Equal(Statistics.FisherExact(3, 1, 1, 3), Statistics.TwoSidedP(3, 4, 1, 4));
    }

    [Fact]
    public void Compare_verdicts_at_95_percent()
    {
        static GroupFigures G(string key, int up, int down, int comments = 100, int addressed = 0) => new(key, comments, up + down, up, down, addressed);
        Assert.Equal(Verdicts.ABetter, Comparison.Of(G("a", 60, 40), G("b", 40, 60), [], []).Verdict);
        Assert.Equal(Verdicts.BBetter, Comparison.Of(G("a", 40, 60), G("b", 60, 40), [], []).Verdict);
        Assert.Equal(Verdicts.NoDifference, Comparison.Of(G("a", 52, 48), G("b", 48, 52), [], []).Verdict);
        Assert.Equal(Verdicts.NotEnoughData, Comparison.Of(G("a", 9, 0), G("b", 0, 50), [], []).Verdict);
        // Acceptance can't tell, the addressed rate can.
        Assert.Equal(Verdicts.ABetter, Comparison.Of(G("a", 50, 50, 100, 60), G("b", 50, 50, 100, 40), [], []).Verdict);
        var c = Comparison.Of(G("a", 60, 40), G("b", 40, 60), [], []);
        Assert.Equal(0.2, c.AcceptanceDiff!.Value, 12);
        Assert.Equal(0.004677734981047266, c.AcceptancePValue!.Value, 7);
    }

    /// <summary>Two-sided Fisher p by exact rational arithmetic over big integers.</summary>
    private static double ExactFisher(int a, int b, int c, int d)
    {
        static BigInteger Choose(int n, int k)
        {
            BigInteger r = 1;
            for (var i = 1; i <= k; i++) r = r * (n - k + i) / i;
            return r;
        }
        int row1 = a + b, col1 = a + c, n = a + b + c + d;
        BigInteger Weight(int k) => Choose(col1, k) * Choose(n - col1, row1 - k);
        var observed = Weight(a);
        BigInteger sum = 0;
        for (var k = Math.Max(0, row1 + col1 - n); k <= Math.Min(row1, col1); k++)
            if (Weight(k) <= observed) sum += Weight(k);
        return (double)sum / (double)Choose(n, row1);
    }
}
