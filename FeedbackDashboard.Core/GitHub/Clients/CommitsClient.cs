using Octokit;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>A commit as a pull request lists it: Parents above 1 is a merge.</summary>
public sealed record PullCommit(string Sha, DateTimeOffset CommittedAt, string Message, int Parents);

/// <summary>A commit with its files; Patch is null where GitHub gives none (a binary file, a diff too large).</summary>
public sealed record CommitDetail(string Sha, DateTimeOffset CommittedAt, string Message, IReadOnlyList<CommitFile> Files);

public sealed record CommitFile(string Path, string? Patch);

/// <summary>Commits, for applied suggestions: a pull request's list and one commit with its patches, on Octokit's connection.</summary>
public sealed class CommitsClient(GitHubConnection connection)
{
    /// <summary>Every commit of a pull request (GitHub lists up to 250), oldest first, every page.</summary>
    public async Task<IReadOnlyList<PullCommit>> GetForPullRequestAsync(GitHubUsage usage, long installationId, string repoFullName,
        int prNumber, CancellationToken ct)
    {
        var what = $"GET repos/{repoFullName}/pulls/{prNumber}/commits";
        var items = await connection.CallAsync(usage, installationId, what, gh => new ApiConnection(gh.Connection).GetAll<RestCommit>(
            new Uri($"repos/{Rest.RepoPath(repoFullName)}/pulls/{prNumber}/commits", UriKind.Relative), Rest.AllPages), ct);
        return Rest.Complete(items, what, c => IsSha(c.Sha) && c.Commit?.Committer?.Date is not null)
            .Select(c => new PullCommit(c.Sha!, c.Commit!.Committer!.Date!.Value, c.Commit.Message ?? "", c.Parents?.Count ?? 0)).ToList();
    }

    /// <summary>One commit with its files' patches (GET repos/{o}/{r}/commits/{sha}).</summary>
    public async Task<CommitDetail> GetAsync(GitHubUsage usage, long installationId, string repoFullName, string sha,
        CancellationToken ct)
    {
        var what = $"GET repos/{repoFullName}/commits/{sha}";
        var c = await connection.CallAsync(usage, installationId, what, gh => new ApiConnection(gh.Connection).Get<RestCommit>(
            new Uri($"repos/{Rest.RepoPath(repoFullName)}/commits/{sha}", UriKind.Relative)), ct);
        if (c is not { Sha: { } got, Commit.Committer.Date: { } date, Files: { } files } || !IsSha(got) || files.Any(f => f?.Filename is null))
            throw new GitHubRequestException(200, $"{what}: an unreadable commit");
        return new CommitDetail(got, date, c.Commit.Message ?? "", [.. files.Select(f => new CommitFile(f!.Filename!, f.Patch))]);
    }

    private static bool IsSha(string? sha) => sha is { Length: 40 } && sha.All(char.IsAsciiHexDigitLower);

    // Read by Octokit's serializer, which maps PascalCase to snake_case and sets properties.

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
}
