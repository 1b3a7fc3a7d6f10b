using System.Text.Json;
using System.Text.Json.Serialization;
using FeedbackDashboard.Core.Model;
using Octokit;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>
/// The REST and GraphQL calls the poller and the maintainers refresh make, over <see cref="GitHubApi"/>: REST on
/// Octokit's clients (installation repositories, review comments, repository owner, collaborators, org members) and
/// on our HttpClient where Octokit cannot do the job (GraphQL, the conditional reactions list, node ids).
/// </summary>
public sealed class GitHubClient(GitHubApi api, Uri graphQlUrl)
{
    public const int PageSize = 100;
    /// <summary>GitHub's cap on ids in one nodes(ids:) query.</summary>
    public const int GraphQlBatch = 100;
    private static readonly ApiOptions AllPages = new() { PageSize = PageSize };

    // REST speaks snake_case, GraphQL camelCase.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
    private static readonly JsonSerializerOptions GraphJson = new(JsonSerializerDefaults.Web);

    // ---- Reactions over REST: one list per comment, every page, conditional on the stored ETag ----
    // On our HttpClient, not Octokit: Octokit's clients cannot send If-None-Match on a request (IConnection.Get takes
    // no headers; its only ETag support is a client-wide response cache keyed by URL), nor tell us which token an
    // answer's ETag belongs to. The node-id lookup stays with it: same hot path, same gate and rate-limit waits.

    public async Task<ReactionsResult> GetReactionsRestAsync(GitHubUsage usage, long installationId, CommentRef comment,
        CancellationToken ct)
    {
        var url = $"repos/{RepoPath(comment.RepoFullName)}/{comment.Kind.RestSegment()}/{comment.CommentId}/reactions?per_page={PageSize}";
        var reactions = new List<Reaction>();
        string? etag = null, etagToken = null;
        var skipped = 0;
        var first = true;
        try
        {
            while (url is not null)
            {
                var response = await api.SendAsync(usage, installationId, HttpMethod.Get, url,
                    ifNoneMatch: first ? comment.ETag : null, ct: ct, etagToken: comment.ETagToken);
                if (first && response.Status == 304) return ReactionsResult.NotModified;
                if (first && GitHubApi.IsNotFound(response)) return ReactionsResult.Gone;
                if (!response.IsSuccess) return ReactionsResult.Fail($"reactions page answered {response.Status}");

                var page = JsonSerializer.Deserialize<RestReaction?[]>(response.Body, Json) ?? [];
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
                if (first && response.NextLink is null && page.Length < PageSize) (etag, etagToken) = (response.ETag, response.TokenId);
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

    /// <summary>The comment's GraphQL node id, looked up once by REST; Gone when the comment is not found.</summary>
    public async Task<(FetchOutcome Outcome, string? NodeId)> GetNodeIdAsync(GitHubUsage usage, long installationId,
        CommentRef comment, CancellationToken ct)
    {
        var url = $"repos/{RepoPath(comment.RepoFullName)}/{comment.Kind.RestSegment()}/{comment.CommentId}";
        try
        {
            var response = await api.SendAsync(usage, installationId, HttpMethod.Get, url, ct: ct);
            if (GitHubApi.IsNotFound(response)) return (FetchOutcome.Gone, null);
            if (!response.IsSuccess) return (FetchOutcome.Failed, null);
            var node = JsonSerializer.Deserialize<RestComment>(response.Body, Json)?.NodeId;
            return node is null ? (FetchOutcome.Failed, null) : (FetchOutcome.Known, node);
        }
        catch (Exception e) when (e is GitHubRequestException or JsonException)
        {
            return (FetchOutcome.Failed, null);
        }
    }

    /// <summary>
    /// Every repository the installation can reach (every page; any failure throws, so a half list never reads as
    /// lost access). Tells a repository removed from the installation from a deleted comment, and gives each
    /// repository's numeric id and current name (renames and transfers).
    /// </summary>
    public async Task<IReadOnlyList<InstalledRepository>> GetInstallationRepositoriesAsync(GitHubUsage usage, long installationId,
        CancellationToken ct)
    {
        const string what = "GET installation/repositories";
        var answer = await api.CallAsync(usage, installationId, what,
            gh => gh.GitHubApps.Installation.GetAllRepositoriesForCurrent(AllPages), ct);
        return Complete(answer?.Repositories, what, r => r.Id > 0 && !string.IsNullOrEmpty(r.FullName)).Select(r => new InstalledRepository(r.Id, r.FullName)).ToList();
    }

    /// <summary>
    /// The installation's budgets as GitHub reports them (GET /rate_limit, which GitHub does not charge): what the
    /// budget scheduler plans with before any answer of its own has told it.
    /// </summary>
    public async Task<IReadOnlyDictionary<RateBucket, RateLimitState>> GetRateLimitsAsync(GitHubUsage usage, long installationId,
        CancellationToken ct)
    {
        var response = await api.SendAsync(usage, installationId, HttpMethod.Get, "rate_limit", ct: ct);
        if (!response.IsSuccess) throw new GitHubRequestException(response.Status, $"GET rate_limit answered {response.Status}");
        try
        {
            var resources = JsonSerializer.Deserialize<RestRateLimits>(response.Body, Json)?.Resources
                            ?? throw new JsonException("no resources");
            var states = new Dictionary<RateBucket, RateLimitState>();
            if (resources.Core is { } core) states[RateBucket.Core] = core.State;
            if (resources.Graphql is { } graphql) states[RateBucket.GraphQl] = graphql.State;
            return states;
        }
        catch (JsonException e)
        {
            throw new GitHubRequestException(response.Status, $"GET rate_limit: unreadable answer ({e.Message})");
        }
    }

    private sealed record RestRateResource(int Limit, int Remaining, long Reset)
    {
        public RateLimitState State => new(Limit, Remaining, DateTimeOffset.FromUnixTimeSeconds(Reset));
    }
    private sealed record RestRateResources(RestRateResource? Core, RestRateResource? Graphql);
    private sealed record RestRateLimits(RestRateResources? Resources);

    // ---- Reactions over GraphQL: 100 comments a request ----

    /// <summary>
    /// Reactions of many comments by node id, one POST per 100. A comment is Known only when its part of the answer
    /// carried no error and every list was complete; an error anywhere under a node, a pathless error, data: null or a
    /// null list item make it unknown this cycle. Gone is GitHub's own NOT_FOUND for that node.
    /// </summary>
    /// <remarks>A batch with an id in <paramref name="wantText"/> asks every node's text and link too (same points).</remarks>
    public async Task<IReadOnlyDictionary<string, NodeReactions>> GetReactionsGraphQlAsync(GitHubUsage usage,
        long installationId, IReadOnlyList<string> nodeIds, CancellationToken ct, IReadOnlySet<string>? wantText = null)
    {
        var results = new Dictionary<string, NodeReactions>(nodeIds.Count);
        foreach (var batch in nodeIds.Distinct().Chunk(GraphQlBatch))
        {
            var document = wantText is not null && batch.Any(wantText.Contains) ? GraphQlDocuments.NodesWithText : GraphQlDocuments.Nodes;
            await FetchBatchAsync(usage, installationId, document, batch, results, ct);
        }
        return results;
    }

    private static NodeReactions Failed(string error) => new(null, null, null, ReactionsResult.Fail(error));

    private Task FetchBatchAsync(GitHubUsage usage, long installationId, string document, string[] ids,
        Dictionary<string, NodeReactions> results, CancellationToken ct) =>
        AskSplittingAsync(usage, installationId, document, ids, "ids",
            (part, error) => { foreach (var id in part) results[id] = Failed(error); },
            (part, answer, note) => ReadBatchAsync(usage, installationId, part, answer, note, results, ct), ct);

    private async Task ReadBatchAsync(GitHubUsage usage, long installationId, string[] ids, GraphQlResponse<NodesData> answer, string note,
        Dictionary<string, NodeReactions> results, CancellationToken ct)
    {
        var (notFound, nodeErrors, answerError) = Classify(answer.Errors);
        var nodes = answer.Data?.Nodes;
        for (var i = 0; i < ids.Length; i++)
        {
            if (answerError is not null || nodes is null) { results[ids[i]] = Failed((answerError ?? "GraphQL answered no data") + note); continue; }
            if (nodeErrors.TryGetValue(i, out var nodeError)) { results[ids[i]] = Failed(nodeError); continue; }
            var node = i < nodes.Length ? nodes[i] : null;
            if (node is null)
            {
                results[ids[i]] = notFound.Contains(i)
                    ? new NodeReactions(null, null, null, ReactionsResult.Gone)
                    : Failed($"node {ids[i]} answered null without NOT_FOUND");
                continue;
            }
            if (node.Reactions is null)
            {
                results[ids[i]] = new NodeReactions(node.TypeName, null, null, ReactionsResult.Fail($"node {ids[i]} is a {node.TypeName}, not a comment"));
                continue;
            }
            var identity = (node.TypeName, ParseId(node.FullDatabaseId), node.Repository?.DatabaseId);
            if (SignalsOf(node) is not { } signals)
            {
                results[ids[i]] = new NodeReactions(identity.TypeName, identity.Item2, identity.DatabaseId,
                    ReactionsResult.Fail($"node {ids[i]} answered without its signals"));
                continue;
            }
            try
            {
                var reactions = new List<Reaction>();
                var skipped = await CollectAsync(usage, installationId, ids[i], node.Reactions, reactions, ct);
                results[ids[i]] = new NodeReactions(identity.TypeName, identity.Item2, identity.DatabaseId,
                    new ReactionsResult(FetchOutcome.Known, reactions, SkippedNonHuman: skipped), signals, TextOf(node));
            }
            catch (Exception e) when (e is GitHubRequestException or JsonException)
            {
                results[ids[i]] = new NodeReactions(identity.TypeName, identity.Item2, identity.DatabaseId, ReactionsResult.Fail(e.Message));
            }
        }
    }

    /// <summary>
    /// Sorts a nodes(ids:) answer's errors: NOT_FOUND of a node itself, an error anywhere under a node (that node is
    /// unknown), and an error not attributable to one node (nothing in the answer can be trusted as complete).
    /// </summary>
    private static (HashSet<int> NotFound, Dictionary<int, string> NodeErrors, string? AnswerError) Classify(GraphQlError[]? errors)
    {
        var notFound = new HashSet<int>();
        var nodeErrors = new Dictionary<int, string>();
        string? answerError = null;
        foreach (var error in errors ?? [])
        {
            var message = $"{error.Type ?? "ERROR"}: {error.Message}";
            if (error.Path is [{ ValueKind: JsonValueKind.String } root, { ValueKind: JsonValueKind.Number } index, ..] p
                && root.GetString() == "nodes" && index.TryGetInt32(out var i))
            {
                if (p.Length == 2 && error.Type == "NOT_FOUND") notFound.Add(i);
                else nodeErrors.TryAdd(i, message);
            }
            else
            {
                answerError ??= message;
            }
        }
        return (notFound, nodeErrors, answerError);
    }

    /// <summary>A comment node's signals, or null when a field GitHub always answers is missing (an unclear answer).</summary>
    private static CommentSignals? SignalsOf(GraphQlNode node) => node switch
    {
        { IsMinimized: not { } } => null,
        { TypeName: "PullRequestReviewComment", Outdated: { } outdated, PullRequest.Id: { } pr } =>
            new CommentSignals(outdated, node.IsMinimized.Value, node.MinimizedReason, pr),
        { TypeName: "IssueComment" } => new CommentSignals(null, node.IsMinimized.Value, node.MinimizedReason, null),
        _ => null,
    };

    private static CommentText? TextOf(GraphQlNode node) => node is { Body: { } body, Url: { } url } ? new CommentText(body, url) : null;

    // ---- Signals and threads over GraphQL ----

    /// <summary>
    /// The signals alone (the REST strategy reads reactions by REST, which has no outdated). Each answer's Result says
    /// only whether the node was Known, Gone or Failed; its reactions are not read.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, NodeReactions>> GetSignalsGraphQlAsync(GitHubUsage usage, long installationId,
        IReadOnlyList<string> nodeIds, CancellationToken ct, IReadOnlySet<string>? wantText = null)
    {
        var results = new Dictionary<string, NodeReactions>(nodeIds.Count);
        foreach (var ids in nodeIds.Distinct().Chunk(GraphQlBatch))
        {
            var document = wantText is not null && ids.Any(wantText.Contains) ? GraphQlDocuments.SignalsWithText : GraphQlDocuments.Signals;
            await ForEachNodeAsync(usage, installationId, document, ids, (id, node, error, gone) =>
            {
                results[id] = node is null ? new NodeReactions(null, null, null, gone ? ReactionsResult.Gone : ReactionsResult.Fail(error!))
                    : SignalsOf(node) is { } signals
                        ? new NodeReactions(node.TypeName, ParseId(node.FullDatabaseId), node.Repository?.DatabaseId,
                            new ReactionsResult(FetchOutcome.Known, []), signals, TextOf(node))
                        : new NodeReactions(node.TypeName, null, null, ReactionsResult.Fail($"node {id} answered without its signals"));
            }, ct);
        }
        return results;
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
            var pages = new List<(string Id, ThreadConnection Connection, string? Head)>();
            await ForEachNodeAsync(usage, installationId, GraphQlDocuments.Threads, prs, (id, node, error, gone) =>
            {
                if (node?.ReviewThreads is { } connection) pages.Add((id, connection, node.HeadRefOid));
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
        long installationId, string pr, ThreadConnection connection, int extraPages, CancellationToken ct)
    {
        var threads = new List<ReviewThread>();
        var pages = 0;
        while (true)
        {
            foreach (var t in connection.Nodes ?? throw new GitHubRequestException(200, $"threads of {pr}: no list"))
            {
                if (t is not { Id: { } id, IsResolved: { } resolved, IsOutdated: { } outdated, Comments.Nodes: { } comments })
                    throw new GitHubRequestException(200, $"threads of {pr}: an unreadable thread");
                var list = new List<ThreadComment>(comments.Length);
                foreach (var c in comments)
                {
                    if (c is null || ParseId(c.FullDatabaseId) is not { } commentId)
                        throw new GitHubRequestException(200, $"thread {id}: an unreadable comment");
                    // author is an Actor: a Bot for apps, null for a deleted account; only a User is a person.
                    list.Add(new ThreadComment(commentId, c.Author?.Login, c.Author?.TypeName != "User"));
                }
                var resolvedBy = resolved ? t.ResolvedBy?.Login : null;
                var byBot = resolved && (resolvedBy is null || t.ResolvedBy?.TypeName == "Bot");
                threads.Add(new ReviewThread(id, resolved, resolvedBy, byBot, outdated, list));
            }
            if (connection.PageInfo is null) throw new GitHubRequestException(200, $"threads of {pr}: no pageInfo");
            if (connection.PageInfo is not { HasNextPage: true, EndCursor: { } cursor }) return (threads, false, pages);
            if (pages >= extraPages) return (threads, true, pages);

            pages++;
            var page = await PostGraphQlAsync<NodeData>(usage, installationId, GraphQlDocuments.ThreadsPage, new { pr, after = cursor }, ct);
            if (page.Errors is { Length: > 0 } errors)
                throw new GitHubRequestException(200, $"threads page of {pr}: {errors[0].Type}: {errors[0].Message}");
            connection = page.Data?.Node?.ReviewThreads ?? throw new GitHubRequestException(200, $"threads page of {pr}: no data");
        }
    }

    /// <summary>
    /// Posts a nodes(ids:) document and hands each id its node, or null with the error (or gone: GitHub's own
    /// NOT_FOUND), by the same strict rules as the reactions answer.
    /// </summary>
    private Task ForEachNodeAsync(GitHubUsage usage, long installationId, string document, string[] ids,
        Action<string, GraphQlNode?, string?, bool> each, CancellationToken ct, string variable = "ids") =>
        AskSplittingAsync(usage, installationId, document, ids, variable,
            (part, error) => { foreach (var id in part) each(id, null, error, false); },
            (part, answer, note) =>
            {
                var (notFound, nodeErrors, answerError) = Classify(answer.Errors);
                var nodes = answer.Data?.Nodes;
                for (var i = 0; i < part.Length; i++)
                {
                    if (answerError is not null || nodes is null) each(part[i], null, (answerError ?? "GraphQL answered no data") + note, false);
                    else if (nodeErrors.TryGetValue(i, out var nodeError)) each(part[i], null, nodeError, false);
                    else if ((i < nodes.Length ? nodes[i] : null) is { } node) each(part[i], node, null, false);
                    else each(part[i], null, notFound.Contains(i) ? "not found" : $"node {part[i]} answered null without NOT_FOUND", notFound.Contains(i));
                }
                return Task.CompletedTask;
            }, ct);

    /// <summary>Nodes one nodes(ids:) batch may isolate behind errors without a path before the rest of it is given up.</summary>
    public const int MaxIsolatedPerBatch = 2;

    /// <summary>
    /// Posts a nodes(ids:) document. An answer with an error no node can be blamed for (no path, or data: null) says
    /// nothing about the other ids in it, so the ids are split in halves and asked again until the bad node is alone:
    /// the rest are answered this cycle. Each batch spends at most 2·⌈log2 n⌉ extra requests per isolated node
    /// (<see cref="MaxIsolatedPerBatch"/> of them); past that the parts still failing fail whole. The failures say what
    /// the splitting cost, and <see cref="GitHubUsage.GraphQlSplitRequests"/> counts it.
    /// </summary>
    private async Task AskSplittingAsync(GitHubUsage usage, long installationId, string document, string[] ids, string variable,
        Action<string[], string> fail, Func<string[], GraphQlResponse<NodesData>, string, Task> read, CancellationToken ct)
    {
        var allowance = 2 * (int)Math.Ceiling(Math.Log2(Math.Max(2, ids.Length))) * MaxIsolatedPerBatch;
        var spent = 0;

        async Task AskAsync(string[] part)
        {
            GraphQlResponse<NodesData> answer;
            try
            {
                answer = await PostGraphQlAsync<NodesData>(usage, installationId, document,
                    new Dictionary<string, object> { [variable] = part }, ct);
            }
            catch (Exception e) when (e is GitHubRequestException or JsonException)
            {
                fail(part, e.Message + Note());
                return;
            }
            var unattributable = Classify(answer.Errors).AnswerError is not null || answer.Data?.Nodes is null;
            if (unattributable && part.Length > 1 && spent + 2 <= allowance)
            {
                spent += 2;
                usage.RecordGraphQlSplit(2);
                var half = (part.Length + 1) / 2;
                await AskAsync(part[..half]);
                await AskAsync(part[half..]);
                return;
            }
            await read(part, answer, Note());
        }

        string Note() => spent == 0 ? "" : $" (batch of {ids.Length} split to isolate it: {spent} extra requests)";

        await AskAsync(ids);
    }

    private static long? ParseId(JsonElement? id) => id switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt64(out var v) => v,
        { ValueKind: JsonValueKind.String } s when long.TryParse(s.GetString(), out var v) => v,
        _ => null,
    };

    /// <summary>
    /// Adds a comment's 👍 and 👎, following pageInfo past its first 100 reactions (of any kind), and returns how many
    /// were skipped as not human (GraphQL's Reaction.user is a User: null for a bot or a deleted account). Throws on
    /// anything incomplete.
    /// </summary>
    private async Task<int> CollectAsync(GitHubUsage usage, long installationId, string id, ReactionConnection connection,
        List<Reaction> into, CancellationToken ct)
    {
        var skipped = 0;
        while (true)
        {
            skipped += Add(id, connection, into);
            var pageInfo = connection.PageInfo ?? throw new GitHubRequestException(200, $"reactions of {id}: no pageInfo");
            if (pageInfo is not { HasNextPage: true, EndCursor: { } cursor }) return skipped;

            var page = await PostGraphQlAsync<NodeData>(usage, installationId, GraphQlDocuments.ReactionsPage, new { id, after = cursor }, ct);
            if (page.Errors is { Length: > 0 } errors)
                throw new GitHubRequestException(200, $"reactions page of {id}: {errors[0].Type}: {errors[0].Message}");
            connection = page.Data?.Node?.Reactions ?? throw new GitHubRequestException(200, $"reactions page of {id}: no data");
        }
    }

    /// <summary>Adds a page's 👍 and 👎 (other contents are dropped) and returns how many were not a person's.</summary>
    private static int Add(string id, ReactionConnection connection, List<Reaction> into)
    {
        var skipped = 0;
        foreach (var r in connection.Nodes ?? throw new GitHubRequestException(200, $"reactions of {id}: no list"))
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

    private async Task<GraphQlResponse<T>> PostGraphQlAsync<T>(GitHubUsage usage, long installationId, string query,
        object variables, CancellationToken ct) where T : IHasRateLimit
    {
        var body = JsonSerializer.Serialize(new { query, variables });
        var response = await api.SendAsync(usage, installationId, HttpMethod.Post, graphQlUrl.ToString(), body, ct: ct);
        if (!response.IsSuccess) throw new GitHubRequestException(response.Status, $"GraphQL answered {response.Status}");
        var answer = JsonSerializer.Deserialize<GraphQlResponse<T>>(response.Body, GraphJson)
                     ?? throw new GitHubRequestException(response.Status, "GraphQL answered an empty body");
        if (answer.Data?.RateLimit is { } rl)
            usage.RecordGraphQlCost(installationId, rl.Cost, new RateLimitState(rl.Limit, rl.Remaining, rl.ResetAt));
        return answer;
    }

    // ---- Review capture ----

    public async Task<IReadOnlyList<PostedReviewComment>> GetReviewCommentsAsync(GitHubUsage usage, long installationId,
        string repoFullName, int prNumber, long reviewId, CancellationToken ct)
    {
        var what = $"GET repos/{repoFullName}/pulls/{prNumber}/reviews/{reviewId}/comments";
        // Octokit's connection and pagination with our own wire type: its PullRequestReviewComment (14.0.0) carries the
        // diff position but not line/original_line, which capture matches findings on.
        var items = await api.CallAsync(usage, installationId, what, gh => new ApiConnection(gh.Connection).GetAll<RestReviewComment>(
            new Uri($"repos/{RepoPath(repoFullName)}/pulls/{prNumber}/reviews/{reviewId}/comments", UriKind.Relative), AllPages), ct);
        return Complete(items, what, c => c.Id > 0).Select(c => new PostedReviewComment(c.Id, c.NodeId, c.Path, c.Line ?? c.OriginalLine, c.CreatedAt, c.Body, c.User?.Login,
            c.User?.Id is > 0 ? c.User.Id : null)).ToList();
    }

    // ---- Commits, for applied suggestions ----

    /// <summary>Every commit of a pull request (GitHub lists up to 250), oldest first, every page.</summary>
    public async Task<IReadOnlyList<PullCommit>> GetPullRequestCommitsAsync(GitHubUsage usage, long installationId, string repoFullName,
        int prNumber, CancellationToken ct)
    {
        var what = $"GET repos/{repoFullName}/pulls/{prNumber}/commits";
        var items = await api.CallAsync(usage, installationId, what, gh => new ApiConnection(gh.Connection).GetAll<RestCommit>(
            new Uri($"repos/{RepoPath(repoFullName)}/pulls/{prNumber}/commits", UriKind.Relative), AllPages), ct);
        return Complete(items, what, c => IsSha(c.Sha) && c.Commit?.Committer?.Date is not null)
            .Select(c => new PullCommit(c.Sha!, c.Commit!.Committer!.Date!.Value, c.Commit.Message ?? "", c.Parents?.Count ?? 0)).ToList();
    }

    /// <summary>One commit with its files' patches (GET repos/{o}/{r}/commits/{sha}).</summary>
    public async Task<CommitDetail> GetCommitAsync(GitHubUsage usage, long installationId, string repoFullName, string sha,
        CancellationToken ct)
    {
        var what = $"GET repos/{repoFullName}/commits/{sha}";
        var c = await api.CallAsync(usage, installationId, what, gh => new ApiConnection(gh.Connection).Get<RestCommit>(
            new Uri($"repos/{RepoPath(repoFullName)}/commits/{sha}", UriKind.Relative)), ct);
        if (c is not { Sha: { } got, Commit.Committer.Date: { } date, Files: { } files } || !IsSha(got) || files.Any(f => f?.Filename is null))
            throw new GitHubRequestException(200, $"{what}: an unreadable commit");
        return new CommitDetail(got, date, c.Commit.Message ?? "", [.. files.Select(f => new CommitFile(f!.Filename!, f.Patch))]);
    }

    private static bool IsSha(string? sha) => sha is { Length: 40 } && sha.All(char.IsAsciiHexDigitLower);

    // ---- Maintainers ----

    public async Task<RepoOwner> GetRepoOwnerAsync(GitHubUsage usage, long installationId, string repoFullName, CancellationToken ct)
    {
        var (owner, name) = Split(repoFullName);
        var what = $"GET repos/{repoFullName}";
        var repo = await api.CallAsync(usage, installationId, what, gh => gh.Repository.Get(owner, name), ct);
        var o = repo?.Owner is { } found && Valid(found) ? found : throw new GitHubRequestException(200, $"{what}: no owner");
        return new RepoOwner(o.Id, o.Login, o.Type switch { AccountType.Organization => OwnerType.Organization, AccountType.Bot => OwnerType.Bot, _ => OwnerType.User });
    }

    /// <summary>Direct collaborators with their role_name (Octokit's Collaborator carries it), every page.</summary>
    public async Task<IReadOnlyList<GitHubUser>> GetDirectCollaboratorsAsync(GitHubUsage usage, long installationId,
        string repoFullName, CancellationToken ct)
    {
        var (owner, name) = Split(repoFullName);
        var what = $"GET repos/{repoFullName}/collaborators";
        var direct = new RepositoryCollaboratorListRequest { Affiliation = CollaboratorAffiliation.Direct };
        var users = await api.CallAsync(usage, installationId, what, gh => gh.Repository.Collaborator.GetAll(owner, name, direct, AllPages), ct);
        return Complete(users, what, u => u.Id > 0 && !string.IsNullOrEmpty(u.Login)).Select(u => new GitHubUser(u.Id, u.Login, u.RoleName)).ToList();
    }

    public async Task<IReadOnlyList<GitHubUser>> GetOrgMembersAsync(GitHubUsage usage, long installationId, string org,
        CancellationToken ct)
    {
        var what = $"GET orgs/{org}/members";
        var users = await api.CallAsync(usage, installationId, what, gh => gh.Organization.Member.GetAll(org, AllPages), ct);
        return Complete(users, what, Valid).Select(u => new GitHubUser(u.Id, u.Login)).ToList();
    }

    /// <summary>
    /// A list with a null item, an item without its id (Octokit reads an object where a list was due as a one-item list
    /// of defaults) or no list at all is not GitHub's whole answer: fail it, never act on half.
    /// </summary>
    private static IEnumerable<T> Complete<T>(IReadOnlyList<T?>? items, string what, Func<T, bool> valid) where T : class =>
        items is not null && items.All(i => i is not null && valid(i))
            ? items.Select(i => i!)
            : throw new GitHubRequestException(200, $"{what}: {(items is null ? "no list" : "an unreadable item in the list")}");

    private static bool Valid(Account u) => u.Id > 0 && !string.IsNullOrEmpty(u.Login);

    private static (string Owner, string Name) Split(string fullName)
    {
        var slash = fullName.IndexOf('/');
        return (fullName[..slash], fullName[(slash + 1)..]);
    }

    private static string RepoPath(string fullName)
    {
        var slash = fullName.IndexOf('/');
        return $"{Uri.EscapeDataString(fullName[..slash])}/{Uri.EscapeDataString(fullName[(slash + 1)..])}";
    }

    // ---- Wire shapes ----

    private sealed record RestUser(long Id, string Login, string? Type);
    private sealed record RestReaction(long Id, RestUser? User, string Content, DateTimeOffset CreatedAt);
    private sealed record RestComment(string? NodeId);

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

    private sealed class RestCommit
    {
        public string? Sha { get; set; }
        public RestCommitInfo? Commit { get; set; }
        public List<RestParent?>? Parents { get; set; }
        public List<RestCommitFile?>? Files { get; set; }
    }

    private sealed class RestCommitInfo
    {
        public string? Message { get; set; }
        public RestGitActor? Committer { get; set; }
    }

    private sealed class RestGitActor
    {
        public DateTimeOffset? Date { get; set; }
    }

    private sealed class RestParent
    {
        public string? Sha { get; set; }
    }

    private sealed class RestCommitFile
    {
        public string? Filename { get; set; }
        public string? Patch { get; set; }
    }

    private sealed class RestAccount
    {
        public long Id { get; set; }
        public string? Login { get; set; }
        public string? Type { get; set; }
    }

    private sealed record GraphQlResponse<T>(T? Data, GraphQlError[]? Errors);
    private sealed record GraphQlError(string? Type, string? Message, JsonElement[]? Path);
    private interface IHasRateLimit { GraphQlRateLimit? RateLimit { get; } }
    private sealed record GraphQlRateLimit(int Limit, int Cost, int Remaining, DateTimeOffset ResetAt);
    private sealed record NodesData(GraphQlRateLimit? RateLimit, GraphQlNode?[]? Nodes) : IHasRateLimit;
    private sealed record NodeData(GraphQlRateLimit? RateLimit, GraphQlNode? Node) : IHasRateLimit;
    private sealed record GraphQlRepository(long? DatabaseId);
    private sealed record GraphQlNode(
        [property: JsonPropertyName("__typename")] string? TypeName,
        string? Id, JsonElement? FullDatabaseId, GraphQlRepository? Repository,
        ReactionConnection? Reactions,
        bool? Outdated = null, bool? IsMinimized = null, string? MinimizedReason = null, GraphQlNodeRef? PullRequest = null,
        string? Body = null, string? Url = null, ThreadConnection? ReviewThreads = null, string? HeadRefOid = null);
    private sealed record GraphQlNodeRef(string? Id);
    private sealed record ThreadConnection(PageInfo? PageInfo, GraphQlThread?[]? Nodes);
    private sealed record GraphQlThread(string? Id, bool? IsResolved, bool? IsOutdated, GraphQlAuthor? ResolvedBy, ThreadComments? Comments);
    private sealed record ThreadComments(int TotalCount, GraphQlThreadComment?[]? Nodes);
    private sealed record GraphQlThreadComment(JsonElement? FullDatabaseId, GraphQlAuthor? Author);
    private sealed record GraphQlAuthor(string? Login, [property: JsonPropertyName("__typename")] string? TypeName);
    private sealed record ReactionConnection(PageInfo? PageInfo, GraphQlReaction?[]? Nodes);
    private sealed record PageInfo(bool HasNextPage, string? EndCursor);
    private sealed record GraphQlReaction(string? Content, DateTimeOffset CreatedAt, GraphQlUser? User);
    private sealed record GraphQlUser(long? DatabaseId, string? Login);
}
