using FeedbackDashboard.Core.Model;
using Octokit;

namespace FeedbackDashboard.Core.GitHub;

public sealed record RepoOwner(long Id, string Login, OwnerType Type);

public sealed record GitHubUser(long Id, string Login, string? RoleName = null);

/// <summary>Repositories and their collaborators, for the maintainers refresh, on Octokit's clients.</summary>
public sealed class RepositoriesClient(GitHubConnection connection)
{
    public async Task<RepoOwner> GetOwnerAsync(GitHubUsage usage, long installationId, string repoFullName, CancellationToken ct)
    {
        var (owner, name) = Rest.Split(repoFullName);
        var what = $"GET repos/{repoFullName}";
        var repo = await connection.CallAsync(usage, installationId, what, gh => gh.Repository.Get(owner, name), ct);
        var o = repo?.Owner is { } found && Rest.Valid(found) ? found : throw new GitHubRequestException(200, $"{what}: no owner");
        return new RepoOwner(o.Id, o.Login, o.Type switch { AccountType.Organization => OwnerType.Organization, AccountType.Bot => OwnerType.Bot, _ => OwnerType.User });
    }

    /// <summary>Direct collaborators with their role_name (Octokit's Collaborator carries it), every page.</summary>
    public async Task<IReadOnlyList<GitHubUser>> GetDirectCollaboratorsAsync(GitHubUsage usage, long installationId,
        string repoFullName, CancellationToken ct)
    {
        var (owner, name) = Rest.Split(repoFullName);
        var what = $"GET repos/{repoFullName}/collaborators";
        var direct = new RepositoryCollaboratorListRequest { Affiliation = CollaboratorAffiliation.Direct };
        var users = await connection.CallAsync(usage, installationId, what, gh => gh.Repository.Collaborator.GetAll(owner, name, direct, Rest.AllPages), ct);
        return Rest.Complete(users, what, u => u.Id > 0 && !string.IsNullOrEmpty(u.Login)).Select(u => new GitHubUser(u.Id, u.Login, u.RoleName)).ToList();
    }
}
