using System.Text.Json;
using System.Text.Json.Serialization;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>The REST and GraphQL calls the poller and the maintainers refresh make, over <see cref="GitHubApi"/>.</summary>
public sealed class GitHubClient(GitHubApi api, Uri graphQlUrl)
{
    public const int PageSize = 100;
    /// <summary>GitHub's cap on ids in one nodes(ids:) query.</summary>
    public const int GraphQlBatch = 100;

    // REST speaks snake_case, GraphQL camelCase.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
    private static readonly JsonSerializerOptions GraphJson = new(JsonSerializerDefaults.Web);

    // ---- Reactions over REST: one list per comment, every page, conditional on the stored ETag ----

    public async Task<ReactionsResult> GetReactionsRestAsync(GitHubSession session, long installationId, CommentRef comment,
        CancellationToken ct)
    {
        var url = $"repos/{RepoPath(comment.RepoFullName)}/{comment.Kind.RestSegment()}/{comment.CommentId}/reactions?per_page={PageSize}";
        var reactions = new List<Reaction>();
        string? etag = null;
        var first = true;
        try
        {
            while (url is not null)
            {
                var response = await api.SendAsync(session, installationId, HttpMethod.Get, url,
                    ifNoneMatch: first ? comment.ETag : null, ct: ct);
                if (first && response.Status == 304) return ReactionsResult.NotModified;
                if (first && GitHubApi.IsNotFound(response)) return ReactionsResult.Gone;
                if (!response.IsSuccess) return ReactionsResult.Fail($"reactions page answered {response.Status}");

                foreach (var r in JsonSerializer.Deserialize<RestReaction[]>(response.Body, Json) ?? [])
                {
                    if (r.User is { } u && r.Content is "+1" or "-1")
                        reactions.Add(new Reaction(u.Id, u.Login, r.Content, r.CreatedAt));
                }
                // A first-page ETag vouches for the whole list only when there is one page: new reactions land last.
                etag = first && response.NextLink is null ? response.ETag : null;
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
        return new ReactionsResult(FetchOutcome.Known, reactions, etag);
    }

    /// <summary>The comment's GraphQL node id, looked up once by REST; null when the comment is gone.</summary>
    public async Task<(FetchOutcome Outcome, string? NodeId)> GetNodeIdAsync(GitHubSession session, long installationId,
        CommentRef comment, CancellationToken ct)
    {
        var url = $"repos/{RepoPath(comment.RepoFullName)}/{comment.Kind.RestSegment()}/{comment.CommentId}";
        try
        {
            var response = await api.SendAsync(session, installationId, HttpMethod.Get, url, ct: ct);
            if (GitHubApi.IsNotFound(response)) return (FetchOutcome.Gone, null);
            if (!response.IsSuccess) return (FetchOutcome.Failed, null);
            var node = JsonSerializer.Deserialize<RestComment>(response.Body, Json)?.NodeId;
            return node is null ? (FetchOutcome.Failed, null) : (FetchOutcome.Known, node);
        }
        catch (GitHubRequestException)
        {
            return (FetchOutcome.Failed, null);
        }
    }

    // ---- Reactions over GraphQL: 100 comments a request ----

    private const string ReactionFields = "pageInfo{hasNextPage endCursor} nodes{createdAt user{databaseId login}}";

    private const string NodesQuery =
        "query($ids:[ID!]!){rateLimit{cost remaining} nodes(ids:$ids){__typename id " +
        "...on PullRequestReviewComment{...T} ...on IssueComment{...T}}} " +
        "fragment T on Reactable{up:reactions(content:THUMBS_UP,first:100){" + ReactionFields + "} " +
        "down:reactions(content:THUMBS_DOWN,first:100){" + ReactionFields + "}}";

    private const string PageQuery =
        "query($id:ID!,$content:ReactionContent!,$after:String){rateLimit{cost remaining} node(id:$id){" +
        "...on Reactable{reactions(content:$content,first:100,after:$after){" + ReactionFields + "}}}}";

    /// <summary>Reactions of many comments by node id, one POST per 100; a failure or a deleted node is per comment.</summary>
    public async Task<IReadOnlyDictionary<string, ReactionsResult>> GetReactionsGraphQlAsync(GitHubSession session,
        long installationId, IReadOnlyList<string> nodeIds, CancellationToken ct)
    {
        var results = new Dictionary<string, ReactionsResult>(nodeIds.Count);
        foreach (var batch in nodeIds.Distinct().Chunk(GraphQlBatch))
        {
            await FetchBatchAsync(session, installationId, batch, results, ct);
        }
        return results;
    }

    private async Task FetchBatchAsync(GitHubSession session, long installationId, string[] ids,
        Dictionary<string, ReactionsResult> results, CancellationToken ct)
    {
        GraphQlResponse<NodesData> answer;
        try
        {
            answer = await PostGraphQlAsync<NodesData>(session, installationId, NodesQuery, new { ids }, ct);
        }
        catch (Exception e) when (e is GitHubRequestException or JsonException)
        {
            foreach (var id in ids) results[id] = ReactionsResult.Fail(e.Message);
            return;
        }

        var nodes = answer.Data?.Nodes;
        for (var i = 0; i < ids.Length; i++)
        {
            var node = nodes is not null && i < nodes.Length ? nodes[i] : null;
            if (node is null)
            {
                var error = answer.Errors?.FirstOrDefault(e => e.Path is { Length: 2 } p && p[1].ValueKind == JsonValueKind.Number && p[1].GetInt32() == i);
                results[ids[i]] = error?.Type == "NOT_FOUND" || (nodes is not null && error is null)
                    ? ReactionsResult.Gone
                    : ReactionsResult.Fail(error?.Message ?? answer.Errors?.FirstOrDefault()?.Message ?? "no data");
                continue;
            }
            if (node.Up is null || node.Down is null)
            {
                results[ids[i]] = ReactionsResult.Fail($"node {ids[i]} is a {node.TypeName}, not a comment");
                continue;
            }
            try
            {
                var reactions = new List<Reaction>();
                await CollectAsync(session, installationId, ids[i], "THUMBS_UP", "+1", node.Up, reactions, ct);
                await CollectAsync(session, installationId, ids[i], "THUMBS_DOWN", "-1", node.Down, reactions, ct);
                results[ids[i]] = new ReactionsResult(FetchOutcome.Known, reactions);
            }
            catch (Exception e) when (e is GitHubRequestException or JsonException)
            {
                results[ids[i]] = ReactionsResult.Fail(e.Message);
            }
        }
    }

    /// <summary>Adds a connection's reactions, following pageInfo for a comment with more than 100 of one kind.</summary>
    private async Task CollectAsync(GitHubSession session, long installationId, string id, string contentEnum, string content,
        ReactionConnection connection, List<Reaction> into, CancellationToken ct)
    {
        while (true)
        {
            foreach (var r in connection.Nodes ?? [])
            {
                if (r.User?.DatabaseId is { } userId) into.Add(new Reaction(userId, r.User.Login ?? "", content, r.CreatedAt));
            }
            if (connection.PageInfo is not { HasNextPage: true, EndCursor: { } cursor }) return;

            var page = await PostGraphQlAsync<NodeData>(session, installationId, PageQuery,
                new { id, content = contentEnum, after = cursor }, ct);
            connection = page.Data?.Node?.Reactions
                         ?? throw new GitHubRequestException(200, $"reactions page of {id}: {page.Errors?.FirstOrDefault()?.Message ?? "no data"}");
        }
    }

    private async Task<GraphQlResponse<T>> PostGraphQlAsync<T>(GitHubSession session, long installationId, string query,
        object variables, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new { query, variables });
        var response = await api.SendAsync(session, installationId, HttpMethod.Post, graphQlUrl.ToString(), body, ct: ct);
        if (!response.IsSuccess) throw new GitHubRequestException(response.Status, $"GraphQL answered {response.Status}");
        return JsonSerializer.Deserialize<GraphQlResponse<T>>(response.Body, GraphJson)
               ?? throw new GitHubRequestException(response.Status, "GraphQL answered an empty body");
    }

    // ---- Review capture ----

    public async Task<IReadOnlyList<PostedReviewComment>> GetReviewCommentsAsync(GitHubSession session, long installationId,
        string repoFullName, int prNumber, long reviewId, CancellationToken ct)
    {
        var items = await GetAllPagesAsync<RestComment>(session, installationId,
            $"repos/{RepoPath(repoFullName)}/pulls/{prNumber}/reviews/{reviewId}/comments?per_page={PageSize}", ct);
        return items.Select(c => new PostedReviewComment(c.Id, c.NodeId, c.Path, c.Line ?? c.OriginalLine, c.CreatedAt)).ToList();
    }

    // ---- Maintainers ----

    public async Task<RepoOwner> GetRepoOwnerAsync(GitHubSession session, long installationId, string repoFullName, CancellationToken ct)
    {
        var response = await api.SendAsync(session, installationId, HttpMethod.Get, $"repos/{RepoPath(repoFullName)}", ct: ct);
        if (!response.IsSuccess) throw new GitHubRequestException(response.Status, $"GET repos/{repoFullName} answered {response.Status}");
        var repo = JsonSerializer.Deserialize<RestRepo>(response.Body, Json)?.Owner
                   ?? throw new GitHubRequestException(response.Status, $"GET repos/{repoFullName}: no owner");
        return new RepoOwner(repo.Id, repo.Login, repo.Type ?? "User");
    }

    public async Task<IReadOnlyList<GitHubUser>> GetDirectCollaboratorsAsync(GitHubSession session, long installationId,
        string repoFullName, CancellationToken ct) =>
        (await GetAllPagesAsync<RestUser>(session, installationId,
            $"repos/{RepoPath(repoFullName)}/collaborators?affiliation=direct&per_page={PageSize}", ct))
        .Select(u => new GitHubUser(u.Id, u.Login, u.RoleName)).ToList();

    public async Task<IReadOnlyList<GitHubUser>> GetOrgMembersAsync(GitHubSession session, long installationId, string org,
        CancellationToken ct) =>
        (await GetAllPagesAsync<RestUser>(session, installationId,
            $"orgs/{Uri.EscapeDataString(org)}/members?per_page={PageSize}", ct))
        .Select(u => new GitHubUser(u.Id, u.Login, u.RoleName)).ToList();

    /// <summary>Every page (Link rel="next"); any failed page fails the whole list, so callers never act on half.</summary>
    private async Task<List<T>> GetAllPagesAsync<T>(GitHubSession session, long installationId, string? url, CancellationToken ct)
    {
        var all = new List<T>();
        while (url is not null)
        {
            var response = await api.SendAsync(session, installationId, HttpMethod.Get, url, ct: ct);
            if (!response.IsSuccess) throw new GitHubRequestException(response.Status, $"GET {url} answered {response.Status}");
            try
            {
                all.AddRange(JsonSerializer.Deserialize<T[]>(response.Body, Json) ?? []);
            }
            catch (JsonException e)
            {
                throw new GitHubRequestException(response.Status, $"GET {url}: unreadable answer ({e.Message})");
            }
            url = response.NextLink;
        }
        return all;
    }

    private static string RepoPath(string fullName)
    {
        var slash = fullName.IndexOf('/');
        return $"{Uri.EscapeDataString(fullName[..slash])}/{Uri.EscapeDataString(fullName[(slash + 1)..])}";
    }

    // ---- Wire shapes ----

    private sealed record RestUser(long Id, string Login, string? RoleName);
    private sealed record RestReaction(long Id, RestUser? User, string Content, DateTimeOffset CreatedAt);
    private sealed record RestComment(long Id, string? NodeId, string? Path, int? Line, int? OriginalLine, DateTimeOffset CreatedAt);
    private sealed record RestOwner(long Id, string Login, string? Type);
    private sealed record RestRepo(RestOwner Owner);

    private sealed record GraphQlResponse<T>(T? Data, GraphQlError[]? Errors);
    private sealed record GraphQlError(string? Type, string? Message, JsonElement[]? Path);
    private sealed record NodesData(GraphQlNode?[]? Nodes);
    private sealed record NodeData(GraphQlNode? Node);
    private sealed record GraphQlNode(
        [property: JsonPropertyName("__typename")] string? TypeName,
        string? Id, ReactionConnection? Up, ReactionConnection? Down, ReactionConnection? Reactions);
    private sealed record ReactionConnection(PageInfo? PageInfo, GraphQlReaction[]? Nodes);
    private sealed record PageInfo(bool HasNextPage, string? EndCursor);
    private sealed record GraphQlReaction(DateTimeOffset CreatedAt, GraphQlUser? User);
    private sealed record GraphQlUser(long? DatabaseId, string? Login);
}
