namespace FeedbackDashboard.Core.GitHub;

/// <summary>
/// Every GraphQL document the product sends, in one place: a test validates each against GitHub's published schema
/// (@octokit/graphql-schema) and checks the fake GitHub charges what GitHub's cost formula gives for it.
/// </summary>
public static class GraphQlDocuments
{
    private const string RateLimit = "rateLimit{limit cost remaining resetAt}";

    private const string ReactionPage = "fragment R on ReactionConnection{pageInfo{hasNextPage endCursor} nodes{createdAt user{databaseId login}}}";

    /// <summary>
    /// 👍 and 👎 of up to 100 comments. fullDatabaseId and repository{databaseId} let the poller check that each node
    /// is the comment it was registered as, in the run's repository (a node id comes from a client and is not trusted).
    /// </summary>
    public const string Nodes =
        "query($ids:[ID!]!){" + RateLimit + " nodes(ids:$ids){__typename id " +
        "...on PullRequestReviewComment{fullDatabaseId repository{databaseId} ...T} " +
        "...on IssueComment{fullDatabaseId repository{databaseId} ...T}}} " +
        "fragment T on Reactable{up:reactions(content:THUMBS_UP,first:100){...R} down:reactions(content:THUMBS_DOWN,first:100){...R}} " +
        ReactionPage;

    /// <summary>The next page of one kind of reaction, for a comment with more than 100 of it.</summary>
    public const string ReactionsPage =
        "query($id:ID!,$content:ReactionContent!,$after:String){" + RateLimit + " node(id:$id){" +
        "...on Reactable{reactions(content:$content,first:100,after:$after){...R}}}} " + ReactionPage;
}
