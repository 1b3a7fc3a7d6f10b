using FeedbackDashboard.Core.Feedback;

namespace FeedbackDashboard.Components.Shared;

/// <summary>The Overview's and Runs' filter on what produced the comments.</summary>
public sealed record ProducedBy(string? LabelKey = null, string? LabelValue = null, string? Rule = null, string? Category = null)
{
    public static ProducedBy Any { get; } = new();

    public IReadOnlyDictionary<string, string>? Labels =>
        LabelKey is null || LabelValue is null ? null : new Dictionary<string, string> { [LabelKey] = LabelValue };

    public AnalyticsFilter Apply(AnalyticsFilter filter) => filter with { Labels = Labels, Rule = Rule, Category = Category };

    public TaskFilter Apply(TaskFilter filter) => filter with { Labels = Labels, Rule = Rule, Category = Category };
}
