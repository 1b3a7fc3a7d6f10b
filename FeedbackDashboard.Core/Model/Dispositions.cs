namespace FeedbackDashboard.Core.Model;

/// <summary>What became of a comment (review_comments.disposition), decided in that order of precedence.</summary>
public enum Disposition { Applied, Addressed, Dismissed, Open }

public static class DispositionNames
{
    public const string Applied = "applied";
    public const string Addressed = "addressed";
    public const string Dismissed = "dismissed";
    public const string Open = "open";

    public static WireNames<Disposition> Names { get; } = new(
        (Disposition.Applied, Applied), (Disposition.Addressed, Addressed), (Disposition.Dismissed, Dismissed), (Disposition.Open, Open));

    public static string ToWire(this Disposition disposition) => Names.ToWire(disposition);

    public static Disposition? Parse(string? value) => Names.Parse(value);
}

/// <summary>Who resolved an inline comment's thread (review_comments.resolved_by_kind).</summary>
public enum ResolverKind { Person, ThisBot, OtherBot }

public static class ResolverKinds
{
    public static WireNames<ResolverKind> Names { get; } = new(
        (ResolverKind.Person, "person"), (ResolverKind.ThisBot, "this_bot"), (ResolverKind.OtherBot, "other_bot"));

    public static string ToWire(this ResolverKind kind) => Names.ToWire(kind);
}

/// <summary>A comment as its run's feedback shows it: polled, gone from GitHub, or paused while its repository is out of reach.</summary>
public enum CommentState { Polled, Gone, Paused }

public static class CommentStates
{
    public const string Polled = "polled";
    public const string Gone = "gone";
    public const string Paused = "paused";

    public static WireNames<CommentState> Names { get; } = new((CommentState.Polled, Polled), (CommentState.Gone, Gone), (CommentState.Paused, Paused));

    public static string ToWire(this CommentState state) => Names.ToWire(state);
}
