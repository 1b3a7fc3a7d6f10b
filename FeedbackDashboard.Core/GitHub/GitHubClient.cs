namespace FeedbackDashboard.Core.GitHub;

/// <summary>
/// GitHub as the poller and the maintainers refresh use it, one client per area as Octokit cuts them, all over one
/// <see cref="GitHubConnection"/> (its rules, auth and metering) and, for GraphQL, one <see cref="GraphQlConnection"/>.
/// </summary>
public sealed class GitHubClient
{
    public GitHubClient(GitHubConnection connection, Uri graphQlUrl)
    {
        var graphQl = new GraphQlConnection(connection, graphQlUrl);
        Reactions = new ReactionsClient(connection, graphQl);
        Comments = new CommentsClient(connection, graphQl);
        PullRequests = new PullRequestsClient(connection, graphQl);
        Commits = new CommitsClient(connection);
        Repositories = new RepositoriesClient(connection);
        Organizations = new OrganizationsClient(connection);
        Installations = new InstallationsClient(connection);
        RateLimit = new RateLimitClient(connection);
    }

    public ReactionsClient Reactions { get; }
    public CommentsClient Comments { get; }
    public PullRequestsClient PullRequests { get; }
    public CommitsClient Commits { get; }
    public RepositoriesClient Repositories { get; }
    public OrganizationsClient Organizations { get; }
    public InstallationsClient Installations { get; }
    public RateLimitClient RateLimit { get; }
}
