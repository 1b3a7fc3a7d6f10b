using System.Text.RegularExpressions;

namespace FeedbackDashboard.Core.Feedback;

// Wire shapes of the capture API (snake_case on the wire). Nullable everywhere so that a missing field is
// reported by name rather than defaulted.

public sealed record PrAuthorInput(long? GithubId, string? Login, string? Association);

public sealed record TaskInput(Guid? Id, string? Repository, long? InstallationId, int? PrNumber, PrAuthorInput? PrAuthor,
    DateTimeOffset? CreatedAt);

public sealed record CommentInput(string? Kind, long? GithubCommentId, string? NodeId, string? File, int? Line,
    DateTimeOffset? CreatedAt = null, string? FindingId = null);

public sealed record FindingInput(string? File, int? Line, string? FindingId);

public sealed record ReviewCaptureInput(long? GithubReviewId, List<FindingInput?>? Findings);

public static partial class CaptureValidation
{
    public const int MaxCommentsPerRequest = 1000;
    public const int MaxFindingsPerRequest = 1000;

    /// <summary>GitHub's author_association values.</summary>
    public static readonly IReadOnlySet<string> Associations = new HashSet<string>
    {
        "OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "MANNEQUIN", "NONE",
    };

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex RepositoryPattern();

    public static bool IsRepository(string? value) => value is not null && RepositoryPattern().IsMatch(value);

    public static Dictionary<string, string[]> Validate(TaskInput t)
    {
        var e = new Dictionary<string, string[]>();
        if (!IsRepository(t.Repository)) e["repository"] = ["must be \"owner/name\""];
        if (t.InstallationId is not > 0) e["installation_id"] = ["must be a positive number"];
        if (t.PrNumber is not > 0) e["pr_number"] = ["must be a positive number"];
        if (t.PrAuthor is null) e["pr_author"] = ["is required: {github_id, login, association}"];
        else
        {
            if (t.PrAuthor.GithubId is not > 0) e["pr_author.github_id"] = ["must be a positive number"];
            if (string.IsNullOrWhiteSpace(t.PrAuthor.Login) || t.PrAuthor.Login.Length > 100) e["pr_author.login"] = ["is required (at most 100 characters)"];
            if (t.PrAuthor.Association is null || !Associations.Contains(t.PrAuthor.Association))
                e["pr_author.association"] = [$"must be one of {string.Join(", ", Associations)}"];
        }
        if (t.Id == Guid.Empty) e["id"] = ["must not be the empty uuid"];
        return e;
    }

    public static Dictionary<string, string[]> Validate(IReadOnlyList<CommentInput?> comments)
    {
        var e = new Dictionary<string, string[]>();
        if (comments.Count == 0) e["$"] = ["must hold at least one comment"];
        if (comments.Count > MaxCommentsPerRequest) e["$"] = [$"at most {MaxCommentsPerRequest} comments a request"];
        for (var i = 0; i < comments.Count && e.Count < 20; i++)
        {
            var c = comments[i];
            if (c is null) { e[$"[{i}]"] = ["must be an object"]; continue; }
            if (c.Kind is not ("inline" or "reply")) e[$"[{i}].kind"] = ["must be \"inline\" or \"reply\""];
            if (c.GithubCommentId is not > 0) e[$"[{i}].github_comment_id"] = ["must be a positive number"];
            if (c.Line is <= 0) e[$"[{i}].line"] = ["must be a positive number"];
            if (c.File is { Length: > 1000 }) e[$"[{i}].file"] = ["is longer than 1000 characters"];
            if (c.NodeId is { Length: > 200 }) e[$"[{i}].node_id"] = ["is longer than 200 characters"];
            if (c.FindingId is { Length: > 200 }) e[$"[{i}].finding_id"] = ["is longer than 200 characters"];
        }
        return e;
    }

    public static Dictionary<string, string[]> Validate(ReviewCaptureInput r)
    {
        var e = new Dictionary<string, string[]>();
        if (r.GithubReviewId is not > 0) e["github_review_id"] = ["must be a positive number"];
        if (r.Findings is null) e["findings"] = ["is required (it may be empty)"];
        else if (r.Findings.Count > MaxFindingsPerRequest) e["findings"] = [$"at most {MaxFindingsPerRequest} findings a request"];
        else
        {
            for (var i = 0; i < r.Findings.Count && e.Count < 20; i++)
            {
                var f = r.Findings[i];
                if (f is null) { e[$"findings[{i}]"] = ["must be an object"]; continue; }
                if (string.IsNullOrWhiteSpace(f.File)) e[$"findings[{i}].file"] = ["is required"];
                if (f.Line is not > 0) e[$"findings[{i}].line"] = ["must be a positive number"];
            }
        }
        return e;
    }
}
