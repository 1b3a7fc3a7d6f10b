namespace FeedbackDashboard.Core.Model;

/// <summary>inline: a pull-request review comment; reply: an issue comment on the pull request.</summary>
public enum CommentKind { Inline, Reply }

public static class CommentKinds
{
    public const string Inline = "inline";
    public const string Reply = "reply";

    public static WireNames<CommentKind> Names { get; } = new((CommentKind.Inline, Inline), (CommentKind.Reply, Reply));

    public static string ToWire(this CommentKind kind) => Names.ToWire(kind);

    public static CommentKind? Parse(string? value) => Names.Parse(value);

    /// <summary>REST path segment: inline comments are pull-request review comments, replies are issue comments.</summary>
    public static string RestSegment(this CommentKind kind) => kind == CommentKind.Inline ? "pulls/comments" : "issues/comments";
}
