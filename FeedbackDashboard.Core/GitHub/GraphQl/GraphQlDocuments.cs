namespace FeedbackDashboard.Core.GitHub;

/// <summary>
/// Every GraphQL document the product sends, in one place: a test validates each against GitHub's published schema
/// (@octokit/graphql-schema) and checks the fake GitHub charges what GitHub's cost formula gives for it.
/// </summary>
public static class GraphQlDocuments
{
    /// <summary>GitHub's cap on ids in one nodes(ids:) query.</summary>
    public const int NodesBatch = 100;

    private const string RateLimit = "rateLimit{limit cost remaining resetAt}";

    private const string ReactionPage = "fragment R on ReactionConnection{pageInfo{hasNextPage endCursor} nodes{content createdAt user{databaseId login}}}";

    // The per-poll signals of a comment node: scalars and a plain object (pullRequest), which GitHub's formula does not
    // charge. IssueComment has no outdated (a conversation comment is not on a line).
    private const string InlineSignals = "outdated isMinimized minimizedReason pullRequest{id}";
    private const string ReplySignals = "isMinimized minimizedReason";

    /// <summary>
    /// 👍 and 👎 of up to 100 comments, with their signals. fullDatabaseId and repository{databaseId} let the poller
    /// check that each node is the comment it was registered as, in the run's repository (a node id comes from a
    /// client and is not trusted).
    /// </summary>
    public const string Nodes =
        "query($ids:[ID!]!){" + RateLimit + " nodes(ids:$ids){__typename id " +
        "...on PullRequestReviewComment{fullDatabaseId repository{databaseId} " + InlineSignals + " ...T} " +
        "...on IssueComment{fullDatabaseId repository{databaseId} " + ReplySignals + " ...T}}} " + Reactions;

    // One connection of every content, not one per 👍 and one per 👎: GitHub's formula charges a connection per parent
    // (100 comments → 100 requests → 1 point), so this halves the points of a poll. Other reactions (❤️, 🚀…) are
    // read and dropped; past 100 reactions the connection is followed page by page (ReactionsPage).
    private const string Reactions = "fragment T on Reactable{reactions(first:100){...R}} " + ReactionPage;

    // A comment's text and link: scalars, free by the formula, but kilobytes each, so asked only in a batch with a
    // comment captured without them (once per comment), never on every poll. The markdown body, not bodyText: a
    // suggested change is a fenced block, which the rendered text loses.
    private const string Text = "body url";

    /// <summary><see cref="Nodes"/> with each comment's text and link: the same points, sent when a comment lacks them.</summary>
    public const string NodesWithText =
        "query($ids:[ID!]!){" + RateLimit + " nodes(ids:$ids){__typename id " +
        "...on PullRequestReviewComment{fullDatabaseId repository{databaseId} " + InlineSignals + " " + Text + " ...T} " +
        "...on IssueComment{fullDatabaseId repository{databaseId} " + ReplySignals + " " + Text + " ...T}}} " + Reactions;

    /// <summary>
    /// The signals alone, for the REST strategy (REST's comment has no outdated): one point per 100 comments.
    /// </summary>
    public const string Signals =
        "query($ids:[ID!]!){" + RateLimit + " nodes(ids:$ids){__typename id " +
        "...on PullRequestReviewComment{fullDatabaseId repository{databaseId} " + InlineSignals + "} " +
        "...on IssueComment{fullDatabaseId repository{databaseId} " + ReplySignals + "}}}";

    /// <summary><see cref="Signals"/> with each comment's text and link.</summary>
    public const string SignalsWithText =
        "query($ids:[ID!]!){" + RateLimit + " nodes(ids:$ids){__typename id " +
        "...on PullRequestReviewComment{fullDatabaseId repository{databaseId} " + InlineSignals + " " + Text + "} " +
        "...on IssueComment{fullDatabaseId repository{databaseId} " + ReplySignals + " " + Text + "}}}";

    /// <summary>Review threads read a page at a time; replies beyond the first ThreadComments are not counted.</summary>
    public const int ThreadsPerPage = 50;
    public const int ThreadComments = 20;
    /// <summary>Pull requests a Threads request asks about: 10 × (1 + 50) requests by the formula = 5 points.</summary>
    public const int ThreadsBatch = 10;

    private const string ThreadPage =
        "fragment P on PullRequestReviewThreadConnection{pageInfo{hasNextPage endCursor} nodes{id isResolved isOutdated resolvedBy{login __typename} " +
        "comments(first:20){totalCount nodes{fullDatabaseId author{login __typename}}}}}";

    /// <summary>
    /// The review threads of several pull requests (by node id): resolved, by whom (resolvedBy is a User, so null when a
    /// bot resolved it), outdated, and who wrote each comment (a bot's author is a Bot); and the head commit (a scalar,
    /// free), which tells the poller a push happened.
    /// </summary>
    public const string Threads =
        "query($prs:[ID!]!){" + RateLimit + " nodes(ids:$prs){__typename id ...on PullRequest{headRefOid reviewThreads(first:50){...P}}}} " + ThreadPage;

    /// <summary>The next page of one pull request's review threads.</summary>
    public const string ThreadsPage =
        "query($pr:ID!,$after:String){" + RateLimit + " node(id:$pr){__typename ...on PullRequest{reviewThreads(first:50,after:$after){...P}}}} " +
        ThreadPage;

    /// <summary>The next page of a comment's reactions, for a comment with more than 100.</summary>
    public const string ReactionsPage =
        "query($id:ID!,$after:String){" + RateLimit + " node(id:$id){...on Reactable{reactions(first:100,after:$after){...R}}}} " +
        ReactionPage;
}
