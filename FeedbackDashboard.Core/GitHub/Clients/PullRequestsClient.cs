using System.Text.Json;
using Octokit;

namespace FeedbackDashboard.Core.GitHub;

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

/// <summary>A review comment as a review lists it.</summary>
public sealed record PostedReviewComment(long Id, string? NodeId, string? Path, int? Line, DateTimeOffset CreatedAt, string? Body = null,
    string? AuthorLogin = null, long? AuthorId = null);

/// <summary>Pull requests: their author, a review's comments, and their review threads (GraphQL).</summary>
public sealed class PullRequestsClient(GitHubConnection connection, GraphQlConnection graphQl)
{
    /// <summary>A pull request's author; null when GitHub no longer has it (404/410).</summary>
    public async Task<(long Id, string Login, string Association)?> GetAuthorAsync(GitHubUsage usage, long installationId,
        string repoFullName, int number, CancellationToken ct)
    {
        var url = $"repos/{Rest.RepoPath(repoFullName)}/pulls/{number}";
        var response = await connection.SendAsync(usage, installationId, HttpMethod.Get, url, ct: ct);
        if (response.IsNotFound) return null;
        if (!response.IsSuccess) throw new GitHubRequestException(response.Status, $"GET {url} answered {response.Status}");
        try
        {
            var pull = JsonSerializer.Deserialize<RestPull>(response.Body, Rest.Json);
            return pull?.User is { Id: > 0, Login: { Length: > 0 } login } user
                ? (user.Id, login, pull.AuthorAssociation ?? "NONE")
                : throw new JsonException("no user");
        }
        catch (JsonException e)
        {
            throw new GitHubRequestException(response.Status, $"GET {url}: unreadable answer ({e.Message})");
        }
    }

    /// <summary>A review's comments, every page.</summary>
    public async Task<IReadOnlyList<PostedReviewComment>> GetReviewCommentsAsync(GitHubUsage usage, long installationId,
        string repoFullName, int prNumber, long reviewId, CancellationToken ct)
    {
        var what = $"GET repos/{repoFullName}/pulls/{prNumber}/reviews/{reviewId}/comments";
        // Octokit's connection and pagination with our own wire type: its PullRequestReviewComment (14.0.0) carries the
        // diff position but not line/original_line, which capture matches findings on.
        var items = await connection.CallAsync(usage, installationId, what, gh => new ApiConnection(gh.Connection).GetAll<RestReviewComment>(
            new Uri($"repos/{Rest.RepoPath(repoFullName)}/pulls/{prNumber}/reviews/{reviewId}/comments", UriKind.Relative), Rest.AllPages), ct);
        return Rest.Complete(items, what, c => c.Id > 0).Select(c => new PostedReviewComment(c.Id, c.NodeId, c.Path, c.Line ?? c.OriginalLine, c.CreatedAt, c.Body, c.User?.Login,
            c.User?.Id is > 0 ? c.User.Id : null)).ToList();
    }

    /// <summary>
    /// Review threads of pull requests by node id, <see cref="GraphQlDocuments.ThreadsBatch"/> a request, each pull
    /// request's further pages read on their own while <paramref name="extraPages"/> lasts (each costs a point). Every
    /// thread returned was answered whole; Truncated says the pull request has more, left for a later read.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, PullRequestThreads>> GetThreadsAsync(GitHubUsage usage, long installationId,
        IReadOnlyList<string> pullRequestIds, int extraPages, CancellationToken ct)
    {
        var results = new Dictionary<string, PullRequestThreads>(pullRequestIds.Count);
        foreach (var prs in pullRequestIds.Distinct().Chunk(GraphQlDocuments.ThreadsBatch))
        {
            var pages = new List<(string Id, GraphQlThreadConnection Threads, string? Head)>();
            await graphQl.ForEachNodeAsync(usage, installationId, GraphQlDocuments.Threads, prs, (id, node, error, gone) =>
            {
                if (node?.ReviewThreads is { } threads) pages.Add((id, threads, node.HeadRefOid));
                else results[id] = new PullRequestThreads(gone ? FetchOutcome.Gone : FetchOutcome.Failed, [],
                    error ?? $"node {id} is a {node?.TypeName}, not a pull request");
            }, ct, variable: "prs");
            foreach (var (id, first, head) in pages)
            {
                try
                {
                    var (threads, truncated, spent) = await CollectThreadsAsync(usage, installationId, id, first, extraPages, ct);
                    extraPages -= spent;
                    results[id] = new PullRequestThreads(FetchOutcome.Known, threads) { Truncated = truncated, HeadOid = head };
                }
                catch (Exception e) when (e is GitHubRequestException or JsonException)
                {
                    results[id] = new PullRequestThreads(FetchOutcome.Failed, [], e.Message);
                }
            }
        }
        return results;
    }

    private async Task<(List<ReviewThread> Threads, bool Truncated, int Pages)> CollectThreadsAsync(GitHubUsage usage,
        long installationId, string pr, GraphQlThreadConnection page, int extraPages, CancellationToken ct)
    {
        var threads = new List<ReviewThread>();
        var pages = 0;
        while (true)
        {
            foreach (var t in page.Nodes ?? throw new GitHubRequestException(200, $"threads of {pr}: no list"))
            {
                if (t is not { Id: { } id, IsResolved: { } resolved, IsOutdated: { } outdated, Comments.Nodes: { } comments })
                    throw new GitHubRequestException(200, $"threads of {pr}: an unreadable thread");
                var list = new List<ThreadComment>(comments.Length);
                foreach (var c in comments)
                {
                    if (c is null || GraphQlNode.ParseId(c.FullDatabaseId) is not { } commentId)
                        throw new GitHubRequestException(200, $"thread {id}: an unreadable comment");
                    // author is an Actor: a Bot for apps, null for a deleted account; only a User is a person.
                    list.Add(new ThreadComment(commentId, c.Author?.Login, c.Author?.TypeName != "User"));
                }
                var resolvedBy = resolved ? t.ResolvedBy?.Login : null;
                var byBot = resolved && (resolvedBy is null || t.ResolvedBy?.TypeName == "Bot");
                threads.Add(new ReviewThread(id, resolved, resolvedBy, byBot, outdated, list));
            }
            if (page.PageInfo is null) throw new GitHubRequestException(200, $"threads of {pr}: no pageInfo");
            if (page.PageInfo is not { HasNextPage: true, EndCursor: { } cursor }) return (threads, false, pages);
            if (pages >= extraPages) return (threads, true, pages);

            pages++;
            var next = await graphQl.PostAsync<GraphQlNodeData>(usage, installationId, GraphQlDocuments.ThreadsPage, new { pr, after = cursor }, ct);
            if (next.Errors is { Length: > 0 } errors)
                throw new GitHubRequestException(200, $"threads page of {pr}: {errors[0].Type}: {errors[0].Message}");
            page = next.Data?.Node?.ReviewThreads ?? throw new GitHubRequestException(200, $"threads page of {pr}: no data");
        }
    }

    private sealed record RestPull(RestUser? User, string? AuthorAssociation);

    /// <summary>Read by Octokit's serializer, which maps PascalCase to snake_case and sets properties.</summary>
    private sealed class RestReviewComment
    {
        public long Id { get; set; }
        public string? NodeId { get; set; }
        public string? Path { get; set; }
        public int? Line { get; set; }
        public int? OriginalLine { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
        public string? Body { get; set; }
        public RestAccount? User { get; set; }
    }

    private sealed class RestAccount
    {
        public long Id { get; set; }
        public string? Login { get; set; }
        public string? Type { get; set; }
    }
}
