using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>
/// A pull request's commits as GitHub serves them: GET /repos/{o}/{r}/pulls/{n}/commits (oldest first, paged) and
/// GET /repos/{o}/{r}/commits/{sha} with each file's patch; a pull request's head (headRefOid) is its last commit.
/// "Commit suggestion" commits carry GitHub's Co-authored-by trailer naming the comment's author.
/// </summary>
public sealed partial class FakeGitHub
{
    public sealed record FakeCommit(string Sha, string Message, DateTimeOffset CommittedAt, string[] Parents, IReadOnlyList<FakeFile> Files);

    /// <summary>A file of a commit; a null patch is GitHub's answer for a binary file or a diff too large to show.</summary>
    public sealed record FakeFile(string Path, string? Patch, string Status = "modified");

    private readonly ConcurrentDictionary<(long RepoId, int Number), List<FakeCommit>> _pullCommits = new();
    private readonly ConcurrentDictionary<(long RepoId, string Sha), FakeCommit> _commits = new();

    /// <summary>Pushes a commit onto the pull request's branch (committed now, by the fake's clock); returns it.</summary>
    public FakeCommit Push(string repo, int prNumber, string message, params FakeFile[] files) =>
        PushCommit(repo, prNumber, message, files, merge: false);

    /// <summary>A merge of the base branch into the pull request's branch (two parents).</summary>
    public FakeCommit PushMerge(string repo, int prNumber, params FakeFile[] files) =>
        PushCommit(repo, prNumber, "Merge branch 'main' into feature", files, merge: true);

    /// <summary>The message GitHub writes for "Commit suggestion": a title, then a trailer naming the comment's author.</summary>
    public static string CommitSuggestionMessage(string author, long authorId = 41898282) =>
        $"Apply suggestions from code review\n\nCo-authored-by: {author} <{authorId}+{author}@users.noreply.github.com>";

    /// <summary>A unified-diff hunk that replaces <paramref name="removed"/> with <paramref name="added"/> (GitHub's files[].patch).</summary>
    public static string Patch(string[] removed, string[] added, int at = 10) =>
        $"@@ -{at},{removed.Length + 1} +{at},{added.Length + 1} @@ class A\n context\n" +
        string.Concat(removed.Select(l => "-" + l + "\n")) + string.Concat(added.Select(l => "+" + l + "\n")).TrimEnd('\n');

    private FakeCommit PushCommit(string repo, int prNumber, string message, FakeFile[] files, bool merge)
    {
        var r = RepoOf(repo);
        var list = _pullCommits.GetOrAdd((r.Id, prNumber), _ => []);
        FakeCommit commit;
        lock (list)
        {
            var parent = list.Count > 0 ? list[^1].Sha : BaseSha(r.Id, prNumber);
            var sha = Sha($"{r.Id}/{prNumber}/{list.Count}/{message}/{parent}");
            commit = new FakeCommit(sha, message, Now(), merge ? [parent, Sha($"main/{sha}")] : [parent], files);
            list.Add(commit);
        }
        _commits[(r.Id, commit.Sha)] = commit;
        return commit;
    }

    /// <summary>The pull request's head commit: its last pushed commit, or the commit it was opened on.</summary>
    public string HeadOf(long repoId, int prNumber)
    {
        if (_pullCommits.TryGetValue((repoId, prNumber), out var list))
            lock (list) if (list.Count > 0) return list[^1].Sha;
        return BaseSha(repoId, prNumber);
    }

    /// <summary>Every commit pushed to the pull request, oldest first.</summary>
    public IReadOnlyList<string> CommitsOf(long repoId, int prNumber)
    {
        if (!_pullCommits.TryGetValue((repoId, prNumber), out var list)) return [];
        lock (list) return [.. list.Select(c => c.Sha)];
    }

    private static string BaseSha(long repoId, int prNumber) => Sha($"base/{repoId}/{prNumber}");

    private static string Sha(string seed) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(seed)));

    private async Task PullCommitsAsync(HttpContext ctx, string route, long? installation, FakeRepo repo, int number)
    {
        List<FakeCommit> commits = [];
        if (_pullCommits.TryGetValue((repo.Id, number), out var list)) lock (list) commits = [.. list];
        await PagedAsync(ctx, route, installation, [.. commits.Select(c => (JsonNode)CommitJson(repo, c, withFiles: false))]);
    }

    private async Task CommitAsync(HttpContext ctx, string route, long? installation, FakeRepo repo, string sha)
    {
        if (!_commits.TryGetValue((repo.Id, sha), out var commit))
        {
            await Answer(ctx, route, installation, 422, """{"message":"No commit found for SHA: """ + sha + "\"}");
            return;
        }
        await Answer(ctx, route, installation, 200, CommitJson(repo, commit, withFiles: true).ToJsonString());
    }

    /// <summary>GitHub's commit shape (every field @octokit/openapi marks required); the detail adds stats and files.</summary>
    private JsonObject CommitJson(FakeRepo repo, FakeCommit c, bool withFiles)
    {
        var api = $"{BaseUrl}api/v3/repos/{repo.FullName}";
        var date = c.CommittedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
        JsonObject Person(string name, string email) => new() { ["name"] = name, ["email"] = email, ["date"] = date };
        var json = new JsonObject
        {
            ["url"] = $"{api}/commits/{c.Sha}",
            ["sha"] = c.Sha,
            ["node_id"] = $"C_{c.Sha[..12]}",
            ["html_url"] = $"{BaseUrl}{repo.FullName}/commit/{c.Sha}",
            ["comments_url"] = $"{api}/commits/{c.Sha}/comments",
            ["commit"] = new JsonObject
            {
                ["url"] = $"{api}/git/commits/{c.Sha}",
                ["author"] = Person("Alice", "alice@example.com"),
                // "Commit suggestion" commits are committed by GitHub itself (web-flow).
                ["committer"] = Person("GitHub", "noreply@github.com"),
                ["message"] = c.Message,
                ["comment_count"] = 0,
                ["tree"] = new JsonObject { ["sha"] = Sha("tree/" + c.Sha), ["url"] = $"{api}/git/trees/{Sha("tree/" + c.Sha)}" },
            },
            ["author"] = UserJson(601, "alice", "User"),
            ["committer"] = UserJson(19864447, "web-flow", "User"),
            ["parents"] = new JsonArray([.. c.Parents.Select(p => (JsonNode)new JsonObject
            {
                ["sha"] = p, ["url"] = $"{api}/commits/{p}", ["html_url"] = $"{BaseUrl}{repo.FullName}/commit/{p}",
            })]),
        };
        if (!withFiles) return json;
        var files = c.Files.Select(f =>
        {
            var lines = (f.Patch ?? "").Split('\n');
            int additions = lines.Count(l => l.StartsWith('+')), deletions = lines.Count(l => l.StartsWith('-'));
            var entry = new JsonObject
            {
                ["sha"] = Sha($"blob/{c.Sha}/{f.Path}"),
                ["filename"] = f.Path,
                ["status"] = f.Status,
                ["additions"] = additions,
                ["deletions"] = deletions,
                ["changes"] = additions + deletions,
                ["blob_url"] = $"{BaseUrl}{repo.FullName}/blob/{c.Sha}/{f.Path}",
                ["raw_url"] = $"{BaseUrl}{repo.FullName}/raw/{c.Sha}/{f.Path}",
                ["contents_url"] = $"{api}/contents/{f.Path}?ref={c.Sha}",
            };
            if (f.Patch is not null) entry["patch"] = f.Patch;
            return (additions, deletions, entry);
        }).ToList();
        json["stats"] = new JsonObject
        {
            ["additions"] = files.Sum(f => f.additions),
            ["deletions"] = files.Sum(f => f.deletions),
            ["total"] = files.Sum(f => f.additions + f.deletions),
        };
        json["files"] = new JsonArray([.. files.Select(f => (JsonNode)f.entry)]);
        return json;
    }
}
