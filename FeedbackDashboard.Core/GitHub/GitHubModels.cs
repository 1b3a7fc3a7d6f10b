namespace FeedbackDashboard.Core.GitHub;

public enum CommentKind { Inline, Reply }

public static class CommentKinds
{
    public const string Inline = "inline";
    public const string Reply = "reply";

    public static string ToWire(this CommentKind kind) => kind == CommentKind.Inline ? Inline : Reply;

    public static CommentKind? Parse(string? value) => value switch
    {
        Inline => CommentKind.Inline,
        Reply => CommentKind.Reply,
        _ => null,
    };

    /// <summary>REST path segment: inline comments are pull-request review comments, replies are issue comments.</summary>
    public static string RestSegment(this CommentKind kind) => kind == CommentKind.Inline ? "pulls/comments" : "issues/comments";
}
