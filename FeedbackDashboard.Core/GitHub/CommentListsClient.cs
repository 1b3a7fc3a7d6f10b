using System.Globalization;
using System.Text.Json;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>Which of a repository's two comment lists: review comments on pull requests, or issue (conversation) comments.</summary>
public enum CommentList { Pulls, Issues }

/// <summary>One comment of a repository-wide list, as GitHub gives it (the fields the sweep reads).</summary>
public sealed record ListedComment(long Id, string? NodeId, string Login, long? UserId, string? UserType, string? Body, string? HtmlUrl,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int? PrNumber, string? Path, int? Line, long? ReviewId);

/// <summary>A page of a comment list: its comments, or 304 (the stored ETag still holds), and where the next page is.</summary>
public sealed record CommentPage(bool NotModified, IReadOnlyList<ListedComment> Comments, string? ETag, string? ETagToken, string? NextLink);

/// <summary>
/// The repository-wide comment lists (<c>GET /repos/{o}/{r}/pulls/comments</c>, <c>/issues/comments</c>) and a pull
/// request's author, on <see cref="GitHubApi"/>'s HttpClient: Octokit cannot send If-None-Match on a request.
/// </summary>
public sealed class CommentListsClient(GitHubApi api)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The first page's URL: oldest update first from <paramref name="since"/>, so a cursor can follow the pages.</summary>
    public static string FirstPage(string repoFullName, CommentList list, DateTimeOffset since) =>
        $"repos/{RepoPath(repoFullName)}/{(list == CommentList.Pulls ? "pulls" : "issues")}/comments?sort=updated&direction=asc" +
        $"&since={since.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}&per_page={GitHubClient.PageSize}";

    /// <summary>
    /// One page; the first is conditional on <paramref name="etag"/> (sent only with the token it belongs to). Any
    /// answer but 200 or 304 throws, so the caller keeps its cursor.
    /// </summary>
    public async Task<CommentPage> GetPageAsync(GitHubUsage usage, long installationId, CommentList list, string url, string? etag,
        string? etagToken, CancellationToken ct)
    {
        var response = await api.SendAsync(usage, installationId, HttpMethod.Get, url, ifNoneMatch: etag, etagToken: etagToken, ct: ct);
        if (response.Status == 304) return new CommentPage(true, [], response.ETag, response.TokenId, null);
        if (!response.IsSuccess) throw new GitHubRequestException(response.Status, $"GET {Trim(url)} answered {response.Status}");
        RestListedComment?[] items;
        try
        {
            items = JsonSerializer.Deserialize<RestListedComment?[]>(response.Body, Json) ?? throw new JsonException("no list");
        }
        catch (JsonException e)
        {
            throw new GitHubRequestException(response.Status, $"GET {Trim(url)}: unreadable answer ({e.Message})");
        }
        var comments = new List<ListedComment>(items.Length);
        foreach (var c in items)
        {
            // An item without its identity or times cannot be placed; the rest of the page still is.
            if (c is not { Id: > 0, CreatedAt: { } created, UpdatedAt: { } updated }) continue;
            var pr = list == CommentList.Pulls ? NumberAfter(c.PullRequestUrl, "/pulls/") : PullNumberOfIssueComment(c.HtmlUrl, c.IssueUrl);
            comments.Add(new ListedComment(c.Id, c.NodeId, c.User?.Login ?? "", c.User?.Id, c.User?.Type, c.Body, c.HtmlUrl, created, updated, pr, c.Path,
                c.Line ?? c.OriginalLine, c.PullRequestReviewId));
        }
        return new CommentPage(false, comments, response.ETag, response.TokenId, response.NextLink);
    }

    /// <summary>A pull request's author; null when GitHub no longer has it (404/410).</summary>
    public async Task<(long Id, string Login, string Association)?> GetPullRequestAuthorAsync(GitHubUsage usage, long installationId,
        string repoFullName, int number, CancellationToken ct)
    {
        var url = $"repos/{RepoPath(repoFullName)}/pulls/{number}";
        var response = await api.SendAsync(usage, installationId, HttpMethod.Get, url, ct: ct);
        if (GitHubApi.IsNotFound(response)) return null;
        if (!response.IsSuccess) throw new GitHubRequestException(response.Status, $"GET {url} answered {response.Status}");
        try
        {
            var pull = JsonSerializer.Deserialize<RestPull>(response.Body, Json);
            return pull?.User is { Id: > 0, Login: { Length: > 0 } login } user
                ? (user.Id, login, pull.AuthorAssociation ?? "NONE")
                : throw new JsonException("no user");
        }
        catch (JsonException e)
        {
            throw new GitHubRequestException(response.Status, $"GET {url}: unreadable answer ({e.Message})");
        }
    }

    /// <summary>
    /// The pull request an issue comment belongs to, or null for a plain issue: GitHub links a pull request's conversation
    /// comment to <c>/pull/N</c> (issue_url still says <c>/issues/N</c>, pull requests being issues).
    /// </summary>
    public static int? PullNumberOfIssueComment(string? htmlUrl, string? issueUrl) =>
        htmlUrl is not null && htmlUrl.Contains("/pull/", StringComparison.Ordinal)
            ? NumberAfter(htmlUrl, "/pull/") ?? NumberAfter(issueUrl, "/issues/")
            : null;

    private static int? NumberAfter(string? url, string marker)
    {
        if (url is null) return null;
        var at = url.LastIndexOf(marker, StringComparison.Ordinal);
        if (at < 0) return null;
        var digits = new string(url[(at + marker.Length)..].TakeWhile(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
    }

    private static string Trim(string url) => url.Split('?')[0];

    private static string RepoPath(string fullName)
    {
        var slash = fullName.IndexOf('/');
        return $"{Uri.EscapeDataString(fullName[..slash])}/{Uri.EscapeDataString(fullName[(slash + 1)..])}";
    }

    private sealed record RestUser(long Id, string? Login, string? Type);
    private sealed record RestPull(RestUser? User, string? AuthorAssociation);
    private sealed record RestListedComment(long Id, string? NodeId, RestUser? User, string? Body, string? HtmlUrl, DateTimeOffset? CreatedAt,
        DateTimeOffset? UpdatedAt, string? PullRequestUrl, string? IssueUrl, string? Path, int? Line, int? OriginalLine, long? PullRequestReviewId);
}
