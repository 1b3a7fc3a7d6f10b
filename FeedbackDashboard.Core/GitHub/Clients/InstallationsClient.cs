namespace FeedbackDashboard.Core.GitHub;

/// <summary>A repository the installation can reach, from GET /installation/repositories.</summary>
public sealed record InstalledRepository(long Id, string FullName);

/// <summary>The GitHub App's installations, as an installation itself sees them (Octokit's GitHubApps.Installation).</summary>
public sealed class InstallationsClient(GitHubConnection connection)
{
    /// <summary>
    /// Every repository the installation can reach (every page; any failure throws, so a half list never reads as
    /// lost access). Tells a repository removed from the installation from a deleted comment, and gives each
    /// repository's numeric id and current name (renames and transfers).
    /// </summary>
    public async Task<IReadOnlyList<InstalledRepository>> GetRepositoriesAsync(GitHubUsage usage, long installationId,
        CancellationToken ct)
    {
        const string what = "GET installation/repositories";
        var answer = await connection.CallAsync(usage, installationId, what,
            gh => gh.GitHubApps.Installation.GetAllRepositoriesForCurrent(Rest.AllPages), ct);
        return Rest.Complete(answer?.Repositories, what, r => r.Id > 0 && !string.IsNullOrEmpty(r.FullName)).Select(r => new InstalledRepository(r.Id, r.FullName)).ToList();
    }
}
