namespace FeedbackDashboard.Core.GitHub;

/// <summary>Organizations' members, for the maintainers refresh, on Octokit's clients.</summary>
public sealed class OrganizationsClient(GitHubConnection connection)
{
    public async Task<IReadOnlyList<GitHubUser>> GetMembersAsync(GitHubUsage usage, long installationId, string org,
        CancellationToken ct)
    {
        var what = $"GET orgs/{org}/members";
        var users = await connection.CallAsync(usage, installationId, what, gh => gh.Organization.Member.GetAll(org, Rest.AllPages), ct);
        return Rest.Complete(users, what, Rest.Valid).Select(u => new GitHubUser(u.Id, u.Login)).ToList();
    }
}
