using FeedbackDashboard.Core.Model;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>A 👍 (+1) or 👎 (-1) by one GitHub user, keyed by the numeric id (logins change).</summary>
public sealed record Reaction(long UserId, string Login, ReactionContent Content, DateTimeOffset CreatedAt);

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

/// <summary>
/// One comment's answer. Known means complete and error-free; Gone means GitHub said this comment is not found (the
/// poller retires it only when the repository still answers with the same token). SkippedNonHuman counts reactions by
/// bots and deleted accounts, which are not feedback. ETagToken names the token the ETag belongs to.
/// </summary>
public sealed record ReactionsResult(FetchOutcome Outcome, IReadOnlyList<Reaction> Reactions, string? ETag = null, string? Error = null,
    int SkippedNonHuman = 0, string? ETagToken = null)
{
    public static ReactionsResult NotModified { get; } = new(FetchOutcome.NotModified, []);
    public static ReactionsResult Gone { get; } = new(FetchOutcome.Gone, []);
    public static ReactionsResult Fail(string error) => new(FetchOutcome.Failed, [], null, error);
}

/// <summary>
/// A GraphQL comment node as GitHub answered it, with the ids that say which comment and repository it really is:
/// the poller checks them against the run before trusting a node id a client sent.
/// </summary>
public sealed record NodeReactions(string? TypeName, long? CommentId, long? RepositoryId, ReactionsResult Result,
    CommentSignals? Signals = null, CommentText? Text = null);

/// <summary>
/// What GitHub says happened to a comment besides reactions, read with them: outdated (null for an issue comment, which
/// has none), hidden and why (GitHub's minimizedReason, e.g. "spam", "outdated", "resolved"), its pull request's node.
/// </summary>
public sealed record CommentSignals(bool? Outdated, bool Minimized, string? MinimizedReason, string? PullRequestNodeId);

/// <summary>A comment node's markdown body and link, when they were asked for.</summary>
public sealed record CommentText(string Body, string Url);

/// <summary>One review thread: resolved and by whom (null login with ResolvedByBot when no User resolved it).</summary>
public sealed record ReviewThread(string NodeId, bool Resolved, string? ResolvedBy, bool ResolvedByBot, bool Outdated,
    IReadOnlyList<ThreadComment> Comments);

/// <summary>A comment in a thread; IsBot when its author is a Bot (or a deleted account, author null).</summary>
public sealed record ThreadComment(long CommentId, string? Login, bool IsBot);

/// <summary>A pull request's threads, complete, or Failed with why (nothing is written for it this time).</summary>
public sealed record PullRequestThreads(FetchOutcome Outcome, IReadOnlyList<ReviewThread> Threads, string? Error = null)
{
    /// <summary>More threads than this read could afford: those returned are whole, the rest wait for a later read.</summary>
    public bool Truncated { get; init; }
    /// <summary>The pull request's head commit (headRefOid), when GitHub answered it.</summary>
    public string? HeadOid { get; init; }
}

/// <summary>Which comment to ask about; NodeId is needed for GraphQL, ETag (with the token it came with) for REST.</summary>
public sealed record CommentRef(string RepoFullName, CommentKind Kind, long CommentId, string? NodeId = null, string? ETag = null,
    string? ETagToken = null);

/// <summary>A repository the installation can reach, from GET /installation/repositories.</summary>
public sealed record InstalledRepository(long Id, string FullName);

/// <summary>GitHub's separate rate-limit budgets (x-ratelimit-resource): REST's core and GraphQL's points.</summary>
public enum RateBucket { Core, GraphQl }

/// <summary>A budget as GitHub last reported it for one installation.</summary>
public sealed record RateLimitState(int Limit, int Remaining, DateTimeOffset ResetAt);

public sealed record PostedReviewComment(long Id, string? NodeId, string? Path, int? Line, DateTimeOffset CreatedAt, string? Body = null,
    string? AuthorLogin = null, long? AuthorId = null);

/// <summary>A commit as a pull request lists it: Parents above 1 is a merge.</summary>
public sealed record PullCommit(string Sha, DateTimeOffset CommittedAt, string Message, int Parents);

/// <summary>A commit with its files; Patch is null where GitHub gives none (a binary file, a diff too large).</summary>
public sealed record CommitDetail(string Sha, DateTimeOffset CommittedAt, string Message, IReadOnlyList<CommitFile> Files);

public sealed record CommitFile(string Path, string? Patch);

public sealed record RepoOwner(long Id, string Login, OwnerType Type);

public sealed record GitHubUser(long Id, string Login, string? RoleName = null);

/// <summary>
/// The installation (or one of its rate-limit buckets, when Bucket is set) cannot be used for the rest of this cycle:
/// failed token mint, repeated 401, or a rate limit that resets later than a cycle can wait.
/// </summary>
public sealed class InstallationUnavailableException(long installationId, string reason, RateBucket? bucket = null)
    : Exception($"installation {installationId}{(bucket is { } b ? $" ({b.ToString().ToLowerInvariant()})" : "")} unavailable: {reason}")
{
    public long InstallationId { get; } = installationId;
    public RateBucket? Bucket { get; } = bucket;
    public string Reason { get; } = reason;
}

/// <summary>A GitHub call failed after retries; Status is the last HTTP status (0 when there was no answer).</summary>
public sealed class GitHubRequestException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
