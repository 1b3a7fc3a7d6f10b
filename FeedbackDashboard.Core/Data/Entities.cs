namespace FeedbackDashboard.Core.Data;

public sealed class Repository
{
    public long Id { get; set; }
    public required string Owner { get; set; }
    public required string Name { get; set; }
    public required string FullName { get; set; }
    public long InstallationId { get; set; }
    public bool Installed { get; set; } = true;
    public string? OwnerType { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? MaintainersRefreshedAt { get; set; }
    public string? MaintainersOutcome { get; set; }
    public string? MaintainersError { get; set; }
    public string? MaintainersGuardHash { get; set; }
}

public sealed class ReviewTask
{
    public Guid Id { get; set; }
    public long RepositoryId { get; set; }
    public Repository? Repository { get; set; }
    public long InstallationId { get; set; }
    public int PrNumber { get; set; }
    public long PrAuthorId { get; set; }
    public required string PrAuthorLogin { get; set; }
    public required string PrAuthorAssociation { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class ReviewComment
{
    public required string Kind { get; set; }
    public long GithubCommentId { get; set; }
    public Guid TaskId { get; set; }
    public string? NodeId { get; set; }
    public string? File { get; set; }
    public int? Line { get; set; }
    public string? FindingId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? Etag { get; set; }
    public DateTimeOffset? PolledAt { get; set; }
    public DateTimeOffset? GoneAt { get; set; }
}

public sealed class ReviewFeedback
{
    public long Id { get; set; }
    public required string Kind { get; set; }
    public long GithubCommentId { get; set; }
    public long ReactorId { get; set; }
    public required string ReactorLogin { get; set; }
    public string ReactorAssociation { get; set; } = "NONE";
    public required string Content { get; set; }
    public DateTimeOffset ReactedAt { get; set; }
    public DateTimeOffset FirstSeenAt { get; set; }
}

public sealed class ReviewCapture
{
    public Guid TaskId { get; set; }
    public long GithubReviewId { get; set; }
    public required string Findings { get; set; }
    public string Status { get; set; } = "pending";
    public string? Reason { get; set; }
    public int? CommentsRecorded { get; set; }
    public string? UnmatchedFindings { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

public sealed class Maintainer
{
    public required string RepoFullName { get; set; }
    public long GithubId { get; set; }
    public required string Login { get; set; }
    public required string Association { get; set; }
    public DateTimeOffset RefreshedAt { get; set; }
}

public sealed class PollCycle
{
    public long Id { get; set; }
    public required string Job { get; set; }
    public required string Instance { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public required string Status { get; set; }
    public int CommentsSelected { get; set; }
    public int CommentsChecked { get; set; }
    public int CommentsUnchanged { get; set; }
    public int CommentsFailed { get; set; }
    public int CommentsGone { get; set; }
    public int ReactionsInserted { get; set; }
    public int ReactionsDeleted { get; set; }
    public int CapturesProcessed { get; set; }
    public int ReposOk { get; set; }
    public int ReposFailed { get; set; }
    public int ReposSkippedEmpty { get; set; }
    public int ReposGuarded { get; set; }
    public int RowsChanged { get; set; }
    public int RequestsMade { get; set; }
    public int NotModified { get; set; }
    public string RateLimitRemaining { get; set; } = "{}";
    public string Errors { get; set; } = "[]";
}

public sealed class ApiKey
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string Prefix { get; set; }
    public required byte[] KeyHash { get; set; }
    public required string[] Scopes { get; set; }
    public long[]? Installations { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
}
