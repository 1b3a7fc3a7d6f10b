using FeedbackDashboard.Core.Insights;

namespace FeedbackDashboard.Components.Shared;

/// <summary>The Overview's and Runs' filter on what produced the comments; Bot is a profile's name (the run label bot).</summary>
public sealed record ProducedBy(string? LabelKey = null, string? LabelValue = null, string? Rule = null, string? Category = null,
    string? Bot = null)
{
    public static ProducedBy Any { get; } = new();

    public IReadOnlyDictionary<string, string>? Labels
    {
        get
        {
            var labels = new Dictionary<string, string>();
            if (LabelKey is not null && LabelValue is not null) labels[LabelKey] = LabelValue;
            // The bot picker is the narrower choice: it wins over a label picked as bot=OTHER.
            if (Bot is not null) labels["bot"] = Bot;
            return labels.Count == 0 ? null : labels;
        }
    }

    public AnalyticsFilter Apply(AnalyticsFilter filter) => filter with { Labels = Labels, Rule = Rule, Category = Category };

    public TaskFilter Apply(TaskFilter filter) => filter with { Labels = Labels, Rule = Rule, Category = Category };
}
