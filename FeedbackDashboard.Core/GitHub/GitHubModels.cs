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

/// <summary>A 👍 (+1) or 👎 (-1) by one GitHub user, keyed by the numeric id (logins change).</summary>
public sealed record Reaction(long UserId, string Login, string Content, DateTimeOffset CreatedAt);

public enum FetchOutcome
{
    /// <summary>The complete list is known (possibly empty).</summary>
    Known,
    /// <summary>304: same as last time; nothing to reconcile.</summary>
    NotModified,
    /// <summary>The comment no longer exists on GitHub.</summary>
    Gone,
    /// <summary>Something failed: the reactions are unknown this cycle, never "none".</summary>
    Failed,
}

public sealed record ReactionsResult(FetchOutcome Outcome, IReadOnlyList<Reaction> Reactions, string? ETag = null, string? Error = null)
{
    public static ReactionsResult NotModified { get; } = new(FetchOutcome.NotModified, []);
    public static ReactionsResult Gone { get; } = new(FetchOutcome.Gone, []);
    public static ReactionsResult Fail(string error) => new(FetchOutcome.Failed, [], null, error);
}

/// <summary>Which comment to ask about; NodeId is needed for GraphQL.</summary>
public sealed record CommentRef(string RepoFullName, CommentKind Kind, long CommentId, string? NodeId = null, string? ETag = null);

public sealed record PostedReviewComment(long Id, string? NodeId, string? Path, int? Line, DateTimeOffset CreatedAt);

public sealed record RepoOwner(long Id, string Login, string Type);

public sealed record GitHubUser(long Id, string Login, string? RoleName = null);

/// <summary>The installation cannot be used for the rest of this cycle (failed token mint, repeated 401).</summary>
public sealed class InstallationUnavailableException(long installationId, string reason)
    : Exception($"installation {installationId} unavailable: {reason}")
{
    public long InstallationId { get; } = installationId;
}

/// <summary>A GitHub call failed after retries; Status is the last HTTP status (0 when there was no answer).</summary>
public sealed class GitHubRequestException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
