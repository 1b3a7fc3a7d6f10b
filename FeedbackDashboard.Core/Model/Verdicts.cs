namespace FeedbackDashboard.Core.Model;

/// <summary>What a comparison of two sides concludes at 95 %.</summary>
public enum CompareVerdict { ABetter, BBetter, NoDifference, NotEnoughData }

/// <summary>What the maintainers' reactions say of a rule.</summary>
public enum RuleVerdict { Keep, Noisy, NotEnoughData }

public static class Verdicts
{
    public const string ABetter = "a_better";
    public const string BBetter = "b_better";
    public const string NoDifference = "no_difference";
    public const string NotEnoughData = "not_enough_data";
    public const string Keep = "keep";
    public const string Noisy = "noisy";

    public static WireNames<CompareVerdict> CompareNames { get; } = new(
        (CompareVerdict.ABetter, ABetter), (CompareVerdict.BBetter, BBetter), (CompareVerdict.NoDifference, NoDifference),
        (CompareVerdict.NotEnoughData, NotEnoughData));

    public static WireNames<RuleVerdict> RuleNames { get; } = new((RuleVerdict.Keep, Keep), (RuleVerdict.Noisy, Noisy), (RuleVerdict.NotEnoughData, NotEnoughData));

    public static string ToWire(this CompareVerdict verdict) => CompareNames.ToWire(verdict);

    public static string ToWire(this RuleVerdict verdict) => RuleNames.ToWire(verdict);

    public static CompareVerdict? ParseCompare(string? value) => CompareNames.Parse(value);

    public static RuleVerdict? ParseRule(string? value) => RuleNames.Parse(value);
}
