namespace FeedbackDashboard.Core.Model;

/// <summary>A comment as the poll path knows it; its kind becomes "inline"/"reply" only in SQL (ToWire).</summary>
public readonly record struct CommentKey(CommentKind Kind, long Id)
{
    public override string ToString() => $"{Kind.ToWire()} comment {Id}";
}
