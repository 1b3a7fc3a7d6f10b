using System.Text.Json;
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
/// Reactions of comments (review comments and issue comments alike): by REST one list per comment, conditional on its
/// ETag, or by GraphQL 100 comments a request with their signals.
/// </summary>
public sealed class ReactionsClient(GitHubConnection connection, GraphQlConnection graphQl)
{
    /// <summary>
    /// One comment's 👍 and 👎, every page, the first conditional on the stored ETag. On our HttpClient, not Octokit:
    /// Octokit's clients cannot send If-None-Match on a request (IConnection.Get takes no headers; its only ETag support
    /// is a client-wide response cache keyed by URL), nor tell us which token an answer's ETag belongs to.
    /// </summary>
    public async Task<ReactionsResult> GetRestAsync(GitHubUsage usage, long installationId, CommentRef comment, CancellationToken ct)
    {
        var url = $"repos/{Rest.RepoPath(comment.RepoFullName)}/{comment.Kind.RestSegment()}/{comment.CommentId}/reactions?per_page={Rest.PageSize}";
        var reactions = new List<Reaction>();
        string? etag = null, etagToken = null;
        var skipped = 0;
        var first = true;
        try
        {
            while (url is not null)
            {
                var response = await connection.SendAsync(usage, installationId, HttpMethod.Get, url,
                    ifNoneMatch: first ? comment.ETag : null, ct: ct, etagToken: comment.ETagToken);
                if (first && response.Status == 304) return ReactionsResult.NotModified;
                if (first && response.IsNotFound) return ReactionsResult.Gone;
                if (!response.IsSuccess) return ReactionsResult.Fail($"reactions page answered {response.Status}");

                var page = JsonSerializer.Deserialize<RestReaction?[]>(response.Body, Rest.Json) ?? [];
                foreach (var r in page)
                {
                    if (r is null) return ReactionsResult.Fail("reactions page with a null item");
                    if (ReactionContents.Parse(r.Content) is not { } content) continue;
                    // Feedback is human judgement: a bot's reaction (type Bot) or a deleted account's (user null) is not.
                    if (r.User is not { Type: not "Bot" } u) { skipped++; continue; }
                    reactions.Add(new Reaction(u.Id, u.Login, content, r.CreatedAt));
                }
                // A first-page ETag vouches for the whole list only when that page is the whole list: a full page may
                // have a next one later, and reaction 101 lands on page 2 without changing page 1.
                if (first && response.NextLink is null && page.Length < Rest.PageSize) (etag, etagToken) = (response.ETag, response.TokenId);
                first = false;
                url = response.NextLink;
            }
        }
        catch (GitHubRequestException e)
        {
            return ReactionsResult.Fail(e.Message);
        }
        catch (JsonException e)
        {
            return ReactionsResult.Fail($"unreadable reactions page: {e.Message}");
        }
        return new ReactionsResult(FetchOutcome.Known, reactions, etag, SkippedNonHuman: skipped, ETagToken: etagToken);
    }

    /// <summary>
    /// Reactions of many comments by node id, one POST per 100, with their signals. A comment is Known only when its
    /// part of the answer carried no error and every list was complete; an error anywhere under a node, a pathless
    /// error, data: null or a null list item make it unknown this cycle. Gone is GitHub's own NOT_FOUND for that node.
    /// </summary>
    /// <remarks>A batch with an id in <paramref name="wantText"/> asks every node's text and link too (same points).</remarks>
    public async Task<IReadOnlyDictionary<string, NodeReactions>> GetGraphQlAsync(GitHubUsage usage,
        long installationId, IReadOnlyList<string> nodeIds, CancellationToken ct, IReadOnlySet<string>? wantText = null)
    {
        var results = new Dictionary<string, NodeReactions>(nodeIds.Count);
        foreach (var batch in nodeIds.Distinct().Chunk(GraphQlDocuments.NodesBatch))
        {
            var document = wantText is not null && batch.Any(wantText.Contains) ? GraphQlDocuments.NodesWithText : GraphQlDocuments.Nodes;
            await graphQl.ForEachNodeAsync(usage, installationId, document, batch, async (id, node, error, gone) =>
                results[id] = node is null ? new NodeReactions(null, null, null, gone ? ReactionsResult.Gone : ReactionsResult.Fail(error!))
                    : await ReadAsync(usage, installationId, id, node, ct), ct);
        }
        return results;
    }

    private async Task<NodeReactions> ReadAsync(GitHubUsage usage, long installationId, string id, GraphQlNode node, CancellationToken ct)
    {
        if (node.Reactions is null)
            return new NodeReactions(node.TypeName, null, null, ReactionsResult.Fail($"node {id} is a {node.TypeName}, not a comment"));
        var (typeName, commentId, repositoryId) = (node.TypeName, GraphQlNode.ParseId(node.FullDatabaseId), node.Repository?.DatabaseId);
        if (CommentsClient.SignalsOf(node) is not { } signals)
            return new NodeReactions(typeName, commentId, repositoryId, ReactionsResult.Fail($"node {id} answered without its signals"));
        try
        {
            var reactions = new List<Reaction>();
            var skipped = await CollectAsync(usage, installationId, id, node.Reactions, reactions, ct);
            return new NodeReactions(typeName, commentId, repositoryId,
                new ReactionsResult(FetchOutcome.Known, reactions, SkippedNonHuman: skipped), signals, CommentsClient.TextOf(node));
        }
        catch (Exception e) when (e is GitHubRequestException or JsonException)
        {
            return new NodeReactions(typeName, commentId, repositoryId, ReactionsResult.Fail(e.Message));
        }
    }

    /// <summary>
    /// Adds a comment's 👍 and 👎, following pageInfo past its first 100 reactions (of any kind), and returns how many
    /// were skipped as not human (GraphQL's Reaction.user is a User: null for a bot or a deleted account). Throws on
    /// anything incomplete.
    /// </summary>
    private async Task<int> CollectAsync(GitHubUsage usage, long installationId, string id, GraphQlReactionConnection page,
        List<Reaction> into, CancellationToken ct)
    {
        var skipped = 0;
        while (true)
        {
            skipped += Add(id, page, into);
            var pageInfo = page.PageInfo ?? throw new GitHubRequestException(200, $"reactions of {id}: no pageInfo");
            if (pageInfo is not { HasNextPage: true, EndCursor: { } cursor }) return skipped;

            var next = await graphQl.PostAsync<GraphQlNodeData>(usage, installationId, GraphQlDocuments.ReactionsPage, new { id, after = cursor }, ct);
            if (next.Errors is { Length: > 0 } errors)
                throw new GitHubRequestException(200, $"reactions page of {id}: {errors[0].Type}: {errors[0].Message}");
            page = next.Data?.Node?.Reactions ?? throw new GitHubRequestException(200, $"reactions page of {id}: no data");
        }
    }

    /// <summary>Adds a page's 👍 and 👎 (other contents are dropped) and returns how many were not a person's.</summary>
    private static int Add(string id, GraphQlReactionConnection page, List<Reaction> into)
    {
        var skipped = 0;
        foreach (var r in page.Nodes ?? throw new GitHubRequestException(200, $"reactions of {id}: no list"))
        {
            if (r is null) throw new GitHubRequestException(200, $"reactions of {id}: a null item in the list");
            var content = r.Content switch
            {
                "THUMBS_UP" => ReactionContent.Up,
                "THUMBS_DOWN" => ReactionContent.Down,
                null => throw new GitHubRequestException(200, $"reactions of {id}: a reaction without its content"),
                _ => (ReactionContent?)null,
            };
            if (content is not { } known) continue;
            if (r.User?.DatabaseId is { } userId) into.Add(new Reaction(userId, r.User.Login ?? "", known, r.CreatedAt));
            else skipped++;
        }
        return skipped;
    }

    private sealed record RestReactor(long Id, string Login, string? Type);
    private sealed record RestReaction(long Id, RestReactor? User, string Content, DateTimeOffset CreatedAt);
}
