namespace FeedbackDashboard.Core.Model;

/// <summary>The two reactions the product counts: 👍 (+1) and 👎 (-1); GitHub's other reactions are not stored.</summary>
public enum ReactionContent { Up, Down }

public static class ReactionContents
{
    public const string Up = "+1";
    public const string Down = "-1";

    public static WireNames<ReactionContent> Names { get; } = new((ReactionContent.Up, Up), (ReactionContent.Down, Down));

    public static string ToWire(this ReactionContent content) => Names.ToWire(content);

    public static ReactionContent? Parse(string? value) => Names.Parse(value);
}
