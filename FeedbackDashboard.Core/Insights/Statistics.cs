namespace FeedbackDashboard.Core.Insights;

/// <summary>A rate with its Wilson 95 % interval.</summary>
public sealed record Interval(double Low, double High);

/// <summary>
/// The statistics behind "is this difference real": Wilson score intervals, the two-proportion z-test and Fisher's
/// exact test. Hand-written (no statistics package is served to this build); the tests check them against published
/// and hand-derived values (Newcombe 1998's Wilson intervals, R's prop.test/fisher.test results).
/// </summary>
public static class Statistics
{
    /// <summary>The two-sided 95 % normal quantile.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>Below this many judgements (reactions, or comments for the addressed rate) a rate gets no verdict.</summary>
    public const int MinimumReactions = 10;

    /// <summary>Wilson score interval of <paramref name="successes"/> out of <paramref name="n"/>; null when n is 0.</summary>
    public static Interval? Wilson(int successes, int n, double z = Z95)
    {
        if (n <= 0) return null;
        var p = (double)successes / n;
        var z2 = z * z;
        var denominator = 1 + z2 / n;
        var centre = (p + z2 / (2 * n)) / denominator;
        var half = z / denominator * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        // At 0 or n the bound is exactly 0 or 1; the formula's rounding would leave a speck.
        return new Interval(successes == 0 ? 0 : Math.Max(0, centre - half), successes == n ? 1 : Math.Min(1, centre + half));
    }

    /// <summary>
    /// Two-sided p-value for x1/n1 against x2/n2: Fisher's exact test when an expected cell of the 2×2 table is under 5
    /// (the normal approximation is poor there), else the pooled two-proportion z-test. Null when a side has no data.
    /// </summary>
    public static double? TwoSidedP(int x1, int n1, int x2, int n2)
    {
        if (n1 <= 0 || n2 <= 0) return null;
        var total = n1 + n2;
        var successes = x1 + x2;
        var smallestExpected = Math.Min(Math.Min(n1, n2) * (double)successes / total, Math.Min(n1, n2) * (double)(total - successes) / total);
        return smallestExpected < 5 ? FisherExact(x1, n1 - x1, x2, n2 - x2) : TwoProportionZ(x1, n1, x2, n2);
    }

    /// <summary>Pooled two-proportion z-test, two-sided (the same as R's prop.test without continuity correction).</summary>
    public static double TwoProportionZ(int x1, int n1, int x2, int n2)
    {
        var pooled = (double)(x1 + x2) / (n1 + n2);
        var se = Math.Sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
        if (se == 0) return 1;
        var z = ((double)x1 / n1 - (double)x2 / n2) / se;
        return Math.Min(1, Erfc(Math.Abs(z) / Math.Sqrt(2)));
    }

    /// <summary>
    /// Fisher's exact test of the 2×2 table [[a, b], [c, d]], two-sided as R computes it: the sum of the probabilities
    /// of every table with the same margins that is no more likely than the one observed (relative tolerance 1e-7).
    /// </summary>
    public static double FisherExact(int a, int b, int c, int d)
    {
        int row1 = a + b, col1 = a + c, total = a + b + c + d;
        var logFactorial = new double[total + 1];
        for (var i = 2; i <= total; i++) logFactorial[i] = logFactorial[i - 1] + Math.Log(i);
        double LogP(int k) => logFactorial[col1] - logFactorial[k] - logFactorial[col1 - k]
                              + logFactorial[total - col1] - logFactorial[row1 - k] - logFactorial[total - col1 - row1 + k]
                              - (logFactorial[total] - logFactorial[row1] - logFactorial[total - row1]);
        var observed = LogP(a);
        var p = 0.0;
        for (var k = Math.Max(0, row1 + col1 - total); k <= Math.Min(row1, col1); k++)
        {
            var logP = LogP(k);
            if (logP <= observed + 1e-7) p += Math.Exp(logP);
        }
        return Math.Min(1, p);
    }

    /// <summary>
    /// Complementary error function, Numerical Recipes' Chebyshev fit (erfcc): fractional error under 1.2e-7
    /// everywhere, plenty for a p-value compared with 0.05.
    /// </summary>
    public static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1 / (1 + 0.5 * z);
        var r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
