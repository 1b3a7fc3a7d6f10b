using System.Text.RegularExpressions;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Model;

namespace FeedbackDashboard.Core.Capture;

// Wire shapes of the capture API (snake_case on the wire). Nullable everywhere so that a missing field is
// reported by name rather than defaulted.

public sealed record PrAuthorInput(long? GithubId, string? Login, string? Association);

public sealed record TaskInput(Guid? Id, string? Repository, long? InstallationId, int? PrNumber, PrAuthorInput? PrAuthor,
    DateTimeOffset? CreatedAt, Dictionary<string, string?>? Labels = null);

public sealed record CommentInput(string? Kind, long? GithubCommentId, string? NodeId, string? File, int? Line,
    DateTimeOffset? CreatedAt = null, string? FindingId = null, string? Body = null, string? Rule = null, string? Category = null,
    string? Severity = null, string? Fingerprint = null)
{
    /// <summary>The validated wire shape as the capture service takes it.</summary>
    public CapturedComment ToCaptured() => new(Kind!, GithubCommentId!.Value, NodeId, File, Line, CreatedAt?.ToUniversalTime(), FindingId, Body,
        new FindingTags(Rule, Category, Severity, Fingerprint));
}

public sealed record FindingInput(string? File, int? Line, string? FindingId, string? Rule = null, string? Category = null,
    string? Severity = null, string? Fingerprint = null);

public sealed record ReviewCaptureInput(long? GithubReviewId, List<FindingInput?>? Findings);

public static partial class CaptureValidation
{
    public const int MaxCommentsPerRequest = 1000;
    public const int MaxFindingsPerRequest = 1000;
    public const int MaxLabels = 20;

    /// <summary>No review comment predates GitHub; a stored ancient or infinite instant breaks interval arithmetic downstream.</summary>
    public static readonly DateTimeOffset EarliestTimestamp = new(2008, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How far ahead of the app's clock a client's timestamp may be (clock skew, not the future).</summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(1);

    /// <summary>A timestamp a client sends for something that happened: from 2008 to a day after <paramref name="now"/>.</summary>
    public static void Timestamp(Dictionary<string, string[]> errors, string field, DateTimeOffset? value, DateTimeOffset now)
    {
        if (value is not { } v || (v >= EarliestTimestamp && v <= now + MaxAhead)) return;
        errors[field] = [$"must be from {EarliestTimestamp:yyyy-MM-dd} to a day after now ({(now + MaxAhead).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ})"];
    }

    /// <summary>
    /// The longest value each string field may hold (the README's JSON API section). A new string field gets one
    /// line here and one <see cref="Text"/> call; PostgreSQL text would take anything, so this is the only guard.
    /// </summary>
    public static class Limits
    {
        public const int Body = 65_536;
        public const int File = 1_024;
        public const int Rule = 200;
        public const int Category = 200;
        public const int Fingerprint = 200;
        public const int Severity = 40;
        public const int NodeId = 200;
        public const int FindingId = 200;
        public const int Login = 100;
        public const int Association = 40;
        public const int Kind = 20;
        public const int LabelValue = 200;
        public const int Repository = OwnerMax + 1 + NameMax;
        public const int OwnerMax = 39;
        public const int NameMax = 100;
    }

    /// <summary>GitHub's author_association values.</summary>
    public static readonly IReadOnlySet<string> Associations = Model.Associations.Names.All.ToHashSet();

    // GitHub's rules: an owner is 1-39 letters, digits or single inner hyphens; a name is 1-100 of [A-Za-z0-9._-]
    // and never "." or "..". \z, not $: .NET's $ also matches before a final newline.
    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/(?!\.{1,2}\z)[A-Za-z0-9._-]{1,100}\z")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"^[a-z0-9_.-]{1,40}\z")]
    private static partial Regex LabelKeyPattern();

    public static bool IsLabelKey(string? value) => value is not null && LabelKeyPattern().IsMatch(value);

    /// <summary>A run's labels: at most 20, keys [a-z0-9_.-]{1,40}, values 1-200 characters without control characters.</summary>
    public static void Labels(Dictionary<string, string[]> e, Dictionary<string, string?>? labels)
    {
        if (labels is null) return;
        if (labels.Count > MaxLabels) { e["labels"] = [$"at most {MaxLabels} labels"]; return; }
        foreach (var (key, value) in labels)
        {
            if (!IsLabelKey(key)) { e["labels"] = [$"key '{(key.Length > 40 ? key[..40] + "…" : key)}' must be 1-40 of a-z 0-9 _ . -"]; continue; }
            if (Text(e, $"labels.{key}", value, Limits.LabelValue) && string.IsNullOrEmpty(value))
                e[$"labels.{key}"] = [$"must be a string of 1 to {Limits.LabelValue} characters"];
        }
    }

    /// <summary>The optional rule, category, severity and fingerprint of a comment or finding under <paramref name="prefix"/>.</summary>
    private static void Tags(Dictionary<string, string[]> e, string prefix, string? rule, string? category, string? severity, string? fingerprint)
    {
        Text(e, $"{prefix}rule", rule, Limits.Rule);
        Text(e, $"{prefix}category", category, Limits.Category);
        Text(e, $"{prefix}severity", severity, Limits.Severity);
        Text(e, $"{prefix}fingerprint", fingerprint, Limits.Fingerprint);
    }

    public static bool IsRepository(string? value) => value is not null && RepositoryPattern().IsMatch(value);

    /// <summary>
    /// Checks one string field: no control characters (PostgreSQL refuses NUL outright, which would be a 500; the
    /// others only hide text), tab and newline only where the field is multi-line, and at most <paramref name="max"/>
    /// characters. Adds a message under <paramref name="field"/> and returns false when it fails.
    /// </summary>
    public static bool Text(Dictionary<string, string[]> errors, string field, string? value, int max, bool multiLine = false)
    {
        if (value is null) return true;
        if (value.Length > max)
        {
            errors[field] = [$"is longer than {max:N0} characters"];
            return false;
        }
        foreach (var c in value)
        {
            if (!char.IsControl(c) || (multiLine && c is '\t' or '\n' or '\r')) continue;
            errors[field] = [multiLine ? "must not hold control characters other than tab and newline" : "must not hold control characters"];
            return false;
        }
        return true;
    }

    public static Dictionary<string, string[]> Validate(TaskInput t, DateTimeOffset now)
    {
        var e = new Dictionary<string, string[]>();
        if (Text(e, "repository", t.Repository, Limits.Repository) && !IsRepository(t.Repository))
            e["repository"] = ["must be \"owner/name\" as GitHub allows it (owner ≤ 39, name ≤ 100 of A-Z a-z 0-9 . _ -, not . or ..)"];
        if (t.InstallationId is not > 0) e["installation_id"] = ["must be a positive number"];
        if (t.PrNumber is not > 0) e["pr_number"] = ["must be a positive number"];
        if (t.PrAuthor is null) e["pr_author"] = ["is required: {github_id, login, association}"];
        else
        {
            if (t.PrAuthor.GithubId is not > 0) e["pr_author.github_id"] = ["must be a positive number"];
            if (Text(e, "pr_author.login", t.PrAuthor.Login, Limits.Login) && string.IsNullOrWhiteSpace(t.PrAuthor.Login))
                e["pr_author.login"] = [$"is required (at most {Limits.Login} characters)"];
            if (Text(e, "pr_author.association", t.PrAuthor.Association, Limits.Association)
                && (t.PrAuthor.Association is null || !Associations.Contains(t.PrAuthor.Association)))
                e["pr_author.association"] = [$"must be one of {string.Join(", ", Associations)}"];
        }
        if (t.Id == Guid.Empty) e["id"] = ["must not be the empty uuid"];
        Timestamp(e, "created_at", t.CreatedAt, now);
        Labels(e, t.Labels);
        return e;
    }

    public static Dictionary<string, string[]> Validate(IReadOnlyList<CommentInput?> comments, DateTimeOffset now)
    {
        var e = new Dictionary<string, string[]>();
        if (comments.Count == 0) e["$"] = ["must hold at least one comment"];
        if (comments.Count > MaxCommentsPerRequest) e["$"] = [$"at most {MaxCommentsPerRequest} comments a request"];
        for (var i = 0; i < comments.Count && e.Count < 20; i++)
        {
            var c = comments[i];
            if (c is null) { e[$"[{i}]"] = ["must be an object"]; continue; }
            if (Text(e, $"[{i}].kind", c.Kind, Limits.Kind) && c.Kind is not ("inline" or "reply"))
                e[$"[{i}].kind"] = ["must be \"inline\" or \"reply\""];
            if (c.GithubCommentId is not > 0) e[$"[{i}].github_comment_id"] = ["must be a positive number"];
            if (c.Line is <= 0) e[$"[{i}].line"] = ["must be a positive number"];
            Timestamp(e, $"[{i}].created_at", c.CreatedAt, now);
            Text(e, $"[{i}].file", c.File, Limits.File);
            Text(e, $"[{i}].node_id", c.NodeId, Limits.NodeId);
            Text(e, $"[{i}].finding_id", c.FindingId, Limits.FindingId);
            Text(e, $"[{i}].body", c.Body, Limits.Body, multiLine: true);
            Tags(e, $"[{i}].", c.Rule, c.Category, c.Severity, c.Fingerprint);
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
                if (Text(e, $"findings[{i}].file", f.File, Limits.File) && string.IsNullOrWhiteSpace(f.File))
                    e[$"findings[{i}].file"] = ["is required"];
                if (f.Line is not > 0) e[$"findings[{i}].line"] = ["must be a positive number"];
                Text(e, $"findings[{i}].finding_id", f.FindingId, Limits.FindingId);
                Tags(e, $"findings[{i}].", f.Rule, f.Category, f.Severity, f.Fingerprint);
            }
        }
        return e;
    }
}
