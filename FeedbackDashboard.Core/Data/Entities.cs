namespace FeedbackDashboard.Core.Data;

// Only what goes through EF Core is mapped: API keys (ApiKeyService), and reactions for the reconcile
// benchmark's row-by-row baseline. Every other table is read and written with hand-written SQL next to its feature.

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
