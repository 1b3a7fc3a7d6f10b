using System.Text.Json;
using System.Text.Json.Serialization;

namespace FeedbackDashboard.Core.GitHub;

// The answers to GraphQlDocuments as GitHub sends them (camelCase): every field nullable, so a missing one reads as
// null and the reader can tell an unclear answer from a complete one.

internal sealed record GraphQlResponse<T>(T? Data, GraphQlError[]? Errors);

internal sealed record GraphQlError(string? Type, string? Message, JsonElement[]? Path);

/// <summary>Every document asks rateLimit, which is how its points are charged to the run.</summary>
internal interface IGraphQlRateLimited
{
    GraphQlRateLimit? RateLimit { get; }
}

internal sealed record GraphQlRateLimit(int Limit, int Cost, int Remaining, DateTimeOffset ResetAt);

/// <summary>The answer of a nodes(ids:) document.</summary>
internal sealed record GraphQlNodesData(GraphQlRateLimit? RateLimit, GraphQlNode?[]? Nodes) : IGraphQlRateLimited;

/// <summary>The answer of a node(id:) document: the next page of one node's connection.</summary>
internal sealed record GraphQlNodeData(GraphQlRateLimit? RateLimit, GraphQlNode? Node) : IGraphQlRateLimited;

/// <summary>A comment (PullRequestReviewComment, IssueComment) or a PullRequest, with the fields its document asked.</summary>
internal sealed record GraphQlNode(
    [property: JsonPropertyName("__typename")] string? TypeName,
    string? Id, JsonElement? FullDatabaseId, GraphQlRepository? Repository,
    GraphQlReactionConnection? Reactions,
    bool? Outdated = null, bool? IsMinimized = null, string? MinimizedReason = null, GraphQlNodeRef? PullRequest = null,
    string? Body = null, string? Url = null, GraphQlThreadConnection? ReviewThreads = null, string? HeadRefOid = null)
{
    /// <summary>fullDatabaseId is a BigInt, which GitHub sends as a string (a number is read too).</summary>
    public static long? ParseId(JsonElement? id) => id switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt64(out var v) => v,
        { ValueKind: JsonValueKind.String } s when long.TryParse(s.GetString(), out var v) => v,
        _ => null,
    };
}

internal sealed record GraphQlRepository(long? DatabaseId);

internal sealed record GraphQlNodeRef(string? Id);

internal sealed record GraphQlPageInfo(bool HasNextPage, string? EndCursor);

internal sealed record GraphQlReactionConnection(GraphQlPageInfo? PageInfo, GraphQlReaction?[]? Nodes);

internal sealed record GraphQlReaction(string? Content, DateTimeOffset CreatedAt, GraphQlUser? User);

internal sealed record GraphQlUser(long? DatabaseId, string? Login);

internal sealed record GraphQlThreadConnection(GraphQlPageInfo? PageInfo, GraphQlThread?[]? Nodes);

internal sealed record GraphQlThread(string? Id, bool? IsResolved, bool? IsOutdated, GraphQlAuthor? ResolvedBy, GraphQlThreadComments? Comments);

internal sealed record GraphQlThreadComments(int TotalCount, GraphQlThreadComment?[]? Nodes);

internal sealed record GraphQlThreadComment(JsonElement? FullDatabaseId, GraphQlAuthor? Author);

internal sealed record GraphQlAuthor(string? Login, [property: JsonPropertyName("__typename")] string? TypeName);
