namespace FeedbackDashboard.Core.Model;

/// <summary>What produced a comment: the bot's rule, its category and severity, and a fingerprint (all optional).</summary>
public sealed record FindingTags(string? Rule = null, string? Category = null, string? Severity = null, string? Fingerprint = null)
{
    public static FindingTags None { get; } = new();
}
