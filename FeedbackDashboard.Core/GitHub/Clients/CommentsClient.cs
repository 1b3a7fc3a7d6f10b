using System.Globalization;
using System.Text.Json;
using FeedbackDashboard.Core.Model;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>Which comment to ask about; NodeId is needed for GraphQL, ETag (with the token it came with) for REST.</summary>
public sealed record CommentRef(string RepoFullName, CommentKind Kind, long CommentId, string? NodeId = null, string? ETag = null,
    string? ETagToken = null);

/// <summary>
/// What GitHub says happened to a comment besides reactions, read with them: outdated (null for an issue comment, which
/// has none), hidden and why (GitHub's minimizedReason, e.g. "spam", "outdated", "resolved"), its pull request's node.
/// </summary>
public sealed record CommentSignals(bool? Outdated, bool Minimized, string? MinimizedReason, string? PullRequestNodeId);

/// <summary>A comment node's markdown body and link, when they were asked for.</summary>
public sealed record CommentText(string Body, string Url);

/// <summary>Which of a repository's two comment lists: review comments on pull requests, or issue (conversation) comments.</summary>
public enum CommentList { Pulls, Issues }

/// <summary>One comment of a repository-wide list, as GitHub gives it (the fields the sweep reads).</summary>
public sealed record ListedComment(long Id, string? NodeId, string Login, long? UserId, string? UserType, string? Body, string? HtmlUrl,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int? PrNumber, string? Path, int? Line, long? ReviewId);

/// <summary>A page of a comment list: its comments, or 304 (the stored ETag still holds), and where the next page is.</summary>
public sealed record CommentPage(bool NotModified, IReadOnlyList<ListedComment> Comments, string? ETag, string? ETagToken, string? NextLink);

/// <summary>
/// Comments of both kinds GitHub has on a pull request, review comments (<c>pulls/comments</c>) and issue comments
/// (<c>issues/comments</c>), which every call here takes alike: node ids, signals by GraphQL, and the repository-wide
/// lists. The REST calls are on our HttpClient: Octokit cannot send If-None-Match on a request.
/// </summary>
public sealed class CommentsClient(GitHubConnection connection, GraphQlConnection graphQl)
{
    /// <summary>The comment's GraphQL node id, looked up once by REST; Gone when the comment is not found.</summary>
    public async Task<(FetchOutcome Outcome, string? NodeId)> GetNodeIdAsync(GitHubUsage usage, long installationId,
        CommentRef comment, CancellationToken ct)
    {
        var url = $"repos/{Rest.RepoPath(comment.RepoFullName)}/{comment.Kind.RestSegment()}/{comment.CommentId}";
        try
        {
            var response = await connection.SendAsync(usage, installationId, HttpMethod.Get, url, ct: ct);
            if (response.IsNotFound) return (FetchOutcome.Gone, null);
            if (!response.IsSuccess) return (FetchOutcome.Failed, null);
            var node = JsonSerializer.Deserialize<RestComment>(response.Body, Rest.Json)?.NodeId;
            return node is null ? (FetchOutcome.Failed, null) : (FetchOutcome.Known, node);
        }
        catch (Exception e) when (e is GitHubRequestException or JsonException)
        {
            return (FetchOutcome.Failed, null);
        }
    }

    /// <summary>
    /// The signals alone (the REST strategy reads reactions by REST, which has no outdated). Each answer's Result says
    /// only whether the node was Known, Gone or Failed; its reactions are not read.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, NodeReactions>> GetSignalsAsync(GitHubUsage usage, long installationId,
        IReadOnlyList<string> nodeIds, CancellationToken ct, IReadOnlySet<string>? wantText = null)
    {
        var results = new Dictionary<string, NodeReactions>(nodeIds.Count);
        foreach (var ids in nodeIds.Distinct().Chunk(GraphQlDocuments.NodesBatch))
        {
            var document = wantText is not null && ids.Any(wantText.Contains) ? GraphQlDocuments.SignalsWithText : GraphQlDocuments.Signals;
            await graphQl.ForEachNodeAsync(usage, installationId, document, ids, (id, node, error, gone) =>
            {
                results[id] = node is null ? new NodeReactions(null, null, null, gone ? ReactionsResult.Gone : ReactionsResult.Fail(error!))
                    : SignalsOf(node) is { } signals
                        ? new NodeReactions(node.TypeName, GraphQlNode.ParseId(node.FullDatabaseId), node.Repository?.DatabaseId,
                            new ReactionsResult(FetchOutcome.Known, []), signals, TextOf(node))
                        : new NodeReactions(node.TypeName, null, null, ReactionsResult.Fail($"node {id} answered without its signals"));
            }, ct);
        }
        return results;
    }

    /// <summary>A comment node's signals, or null when a field GitHub always answers is missing (an unclear answer).</summary>
    internal static CommentSignals? SignalsOf(GraphQlNode node) => node switch
    {
        { IsMinimized: not { } } => null,
        { TypeName: "PullRequestReviewComment", Outdated: { } outdated, PullRequest.Id: { } pr } =>
            new CommentSignals(outdated, node.IsMinimized.Value, node.MinimizedReason, pr),
        { TypeName: "IssueComment" } => new CommentSignals(null, node.IsMinimized.Value, node.MinimizedReason, null),
        _ => null,
    };

    internal static CommentText? TextOf(GraphQlNode node) => node is { Body: { } body, Url: { } url } ? new CommentText(body, url) : null;

    /// <summary>The first page's URL: oldest update first from <paramref name="since"/>, so a cursor can follow the pages.</summary>
    public static string FirstPage(string repoFullName, CommentList list, DateTimeOffset since) =>
        $"repos/{Rest.RepoPath(repoFullName)}/{(list == CommentList.Pulls ? "pulls" : "issues")}/comments?sort=updated&direction=asc" +
        $"&since={since.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}&per_page={Rest.PageSize}";

    /// <summary>
    /// One page of a repository-wide list; the first is conditional on <paramref name="etag"/> (sent only with the token
    /// it belongs to). Any answer but 200 or 304 throws, so the caller keeps its cursor.
    /// </summary>
    public async Task<CommentPage> GetPageAsync(GitHubUsage usage, long installationId, CommentList list, string url, string? etag,
        string? etagToken, CancellationToken ct)
    {
        var response = await connection.SendAsync(usage, installationId, HttpMethod.Get, url, ifNoneMatch: etag, etagToken: etagToken, ct: ct);
        if (response.Status == 304) return new CommentPage(true, [], response.ETag, response.TokenId, null);
        if (!response.IsSuccess) throw new GitHubRequestException(response.Status, $"GET {Trim(url)} answered {response.Status}");
        RestListedComment?[] items;
        try
        {
            items = JsonSerializer.Deserialize<RestListedComment?[]>(response.Body, Rest.Json) ?? throw new JsonException("no list");
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

    private sealed record RestComment(string? NodeId);
    private sealed record RestListedComment(long Id, string? NodeId, RestUser? User, string? Body, string? HtmlUrl, DateTimeOffset? CreatedAt,
        DateTimeOffset? UpdatedAt, string? PullRequestUrl, string? IssueUrl, string? Path, int? Line, int? OriginalLine, long? PullRequestReviewId);
}
