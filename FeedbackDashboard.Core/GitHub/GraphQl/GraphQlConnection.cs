using System.Text.Json;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>
/// How the documents of <see cref="GraphQlDocuments"/> are sent: one POST to GITHUB_GRAPHQL_URL through
/// <see cref="GitHubConnection"/> (its rules read GraphQL's RATE_LIMITED too), each answer's rateLimit.cost charged to
/// the run, and nodes(ids:) answers read by one strict rule for every client that asks them.
/// </summary>
public sealed class GraphQlConnection(GitHubConnection connection, Uri graphQlUrl)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Nodes one nodes(ids:) batch may isolate behind errors without a path before the rest of it is given up.</summary>
    public const int MaxIsolatedPerBatch = 2;

    internal async Task<GraphQlResponse<T>> PostAsync<T>(GitHubUsage usage, long installationId, string query,
        object variables, CancellationToken ct) where T : IGraphQlRateLimited
    {
        var body = JsonSerializer.Serialize(new { query, variables });
        var response = await connection.SendAsync(usage, installationId, HttpMethod.Post, graphQlUrl.ToString(), body, ct: ct);
        if (!response.IsSuccess) throw new GitHubRequestException(response.Status, $"GraphQL answered {response.Status}");
        var answer = JsonSerializer.Deserialize<GraphQlResponse<T>>(response.Body, Json)
                     ?? throw new GitHubRequestException(response.Status, "GraphQL answered an empty body");
        if (answer.Data?.RateLimit is { } rl)
            usage.RecordGraphQlCost(installationId, rl.Cost, new RateLimitState(rl.Limit, rl.Remaining, rl.ResetAt));
        return answer;
    }

    /// <summary>
    /// Posts a nodes(ids:) document and hands each id its node, or null with the error (or gone: GitHub's own
    /// NOT_FOUND). A node is handed over only when its part of the answer carried no error: an error anywhere under a
    /// node, a pathless error, data: null or a missing node make it unknown.
    /// </summary>
    internal Task ForEachNodeAsync(GitHubUsage usage, long installationId, string document, string[] ids,
        Func<string, GraphQlNode?, string?, bool, Task> each, CancellationToken ct, string variable = "ids") =>
        AskSplittingAsync(usage, installationId, document, ids, variable,
            async (part, error) => { foreach (var id in part) await each(id, null, error, false); },
            async (part, answer, note) =>
            {
                var (notFound, nodeErrors, answerError) = Classify(answer.Errors);
                var nodes = answer.Data?.Nodes;
                for (var i = 0; i < part.Length; i++)
                {
                    if (answerError is not null || nodes is null) await each(part[i], null, (answerError ?? "GraphQL answered no data") + note, false);
                    else if (nodeErrors.TryGetValue(i, out var nodeError)) await each(part[i], null, nodeError, false);
                    else if ((i < nodes.Length ? nodes[i] : null) is { } node) await each(part[i], node, null, false);
                    else await each(part[i], null, notFound.Contains(i) ? "not found" : $"node {part[i]} answered null without NOT_FOUND", notFound.Contains(i));
                }
            }, ct);

    /// <summary>The same, for a reader that asks nothing more of GitHub.</summary>
    internal Task ForEachNodeAsync(GitHubUsage usage, long installationId, string document, string[] ids,
        Action<string, GraphQlNode?, string?, bool> each, CancellationToken ct, string variable = "ids") =>
        ForEachNodeAsync(usage, installationId, document, ids, (id, node, error, gone) =>
        {
            each(id, node, error, gone);
            return Task.CompletedTask;
        }, ct, variable);

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

    /// <summary>
    /// Posts a nodes(ids:) document. An answer with an error no node can be blamed for (no path, or data: null) says
    /// nothing about the other ids in it, so the ids are split in halves and asked again until the bad node is alone:
    /// the rest are answered this cycle. Each batch spends at most 2·⌈log2 n⌉ extra requests per isolated node
    /// (<see cref="MaxIsolatedPerBatch"/> of them); past that the parts still failing fail whole. The failures say what
    /// the splitting cost, and <see cref="GitHubUsage.GraphQlSplitRequests"/> counts it.
    /// </summary>
    private async Task AskSplittingAsync(GitHubUsage usage, long installationId, string document, string[] ids, string variable,
        Func<string[], string, Task> fail, Func<string[], GraphQlResponse<GraphQlNodesData>, string, Task> read, CancellationToken ct)
    {
        var allowance = 2 * (int)Math.Ceiling(Math.Log2(Math.Max(2, ids.Length))) * MaxIsolatedPerBatch;
        var spent = 0;

        async Task AskAsync(string[] part)
        {
            GraphQlResponse<GraphQlNodesData> answer;
            try
            {
                answer = await PostAsync<GraphQlNodesData>(usage, installationId, document,
                    new Dictionary<string, object> { [variable] = part }, ct);
            }
            catch (Exception e) when (e is GitHubRequestException or JsonException)
            {
                await fail(part, e.Message + Note());
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
}
