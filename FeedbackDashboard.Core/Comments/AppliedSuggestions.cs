using System.Text.Json;
using System.Text.RegularExpressions;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.GitHub;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Comments;

/// <summary>
/// Finds the commit that applied each open suggestion, in the poller (the only role holding the App key). A pull request
/// is looked at when a push was seen (a <c>synchronize</c> delivery, or the head the thread read answered moved) and it has
/// suggestions not yet applied: its commits are listed (every page), and only candidate commits are fetched, each once
/// per repository. A candidate is a commit on the pull request that is not a merge, was not listed at an earlier look, and
/// was committed at or after the oldest open suggestion was posted: a hand-applied change carries no trailer, so the
/// trailer cannot narrow the fetches, and only the patch tells which paths a commit touched.
/// </summary>
public sealed partial class AppliedSuggestions(NpgsqlDataSource db, GitHubClient github, TimeProvider time, ILogger<AppliedSuggestions> log)
{
    /// <summary>Pull requests one installation looks at per cycle; the rest wait, still wanted.</summary>
    public const int PullRequestsPerCycle = 20;

    /// <summary>Commit fetches one installation spends per cycle at most.</summary>
    public const int CommitsPerCycle = 100;

    private sealed record Wanted(long RepositoryId, int Number, string Repository, DateTimeOffset WantedAt, string[] Checked);

    private sealed record OpenSuggestion(long CommentId, string Path, DateTimeOffset CreatedAt, string Lines, string? Author);

    private sealed record Change(DateTimeOffset CommittedAt, string[] CoAuthors, Dictionary<string, FileChange> Files);

    private sealed record FileChange(string[] Added, int Deleted);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Installations with a pull request waiting for a look: polled this cycle even when nothing else is due.</summary>
    public async Task<List<long>> InstallationsWantingAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select distinct r.installation_id from pull_request_looks l join repositories r on r.id = l.repository_id
            where l.look_wanted_at is not null and r.installed and r.access_lost_at is null
            """);
        var list = new List<long>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(r.Get<long>("installation_id"));
        return list;
    }

    /// <summary>
    /// The heads a thread read answered (pull request node id → headRefOid): a head other than the one last looked at asks
    /// for a look. A pull request seen for the first time is looked at too, so suggestions applied before are found.
    /// </summary>
    public async Task RecordHeadsAsync(IReadOnlyCollection<(string PullRequest, string Head)> heads, DateTimeOffset now, CancellationToken ct)
    {
        if (heads.Count == 0) return;
        await using var cmd = db.CreateCommand("""
            insert into pull_request_looks as l (repository_id, pr_number, head_sha, look_wanted_at)
            select distinct on (t.repository_id, t.pr_number) t.repository_id, t.pr_number, x.head, @now
            from unnest(@prs, @heads) as x(pr, head) join tasks t on t.pr_node_id = x.pr
            where x.head ~ '^[0-9a-f]{40}$'
            order by t.repository_id, t.pr_number
            on conflict (repository_id, pr_number) do update
                set head_sha = excluded.head_sha,
                    look_wanted_at = case when l.looked_head is distinct from excluded.head_sha
                                          then coalesce(l.look_wanted_at, excluded.look_wanted_at) else l.look_wanted_at end
                where l.head_sha is distinct from excluded.head_sha
            """);
        cmd.Parameters.AddWithValue("prs", heads.Select(h => h.PullRequest).ToArray());
        cmd.Parameters.AddWithValue("heads", heads.Select(h => h.Head.ToLowerInvariant()).ToArray());
        cmd.Parameters.AddWithValue("now", now);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// A push delivery (pull_request synchronize) on the caller's transaction: the delivering installation's pull request
    /// is marked for a look; nothing is asked of GitHub here (the serve role has no App key).
    /// </summary>
    public static async Task<bool> WantLookAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long installation, long repoGitHubId,
        string repoFullName, int prNumber, string? head, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            insert into pull_request_looks as l (repository_id, pr_number, head_sha, look_wanted_at)
            select r.id, @pr, @head, @now from repositories r
            where r.installation_id = @inst and (r.github_id = @gid or (r.github_id is null and r.full_name = @name))
            on conflict (repository_id, pr_number) do update
                set head_sha = coalesce(excluded.head_sha, l.head_sha), look_wanted_at = coalesce(l.look_wanted_at, excluded.look_wanted_at)
            """, conn, tx);
        cmd.Parameters.AddWithValue("pr", prNumber);
        cmd.Parameters.AddWithValue("head", NpgsqlDbType.Text, head is { Length: 40 } h && h.All(char.IsAsciiHexDigitLower) ? h : DBNull.Value);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("inst", installation);
        cmd.Parameters.AddWithValue("gid", repoGitHubId);
        cmd.Parameters.AddWithValue("name", repoFullName.ToLowerInvariant());
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>Looks at the installation's wanted pull requests; returns the pull requests whose comments changed.</summary>
    public async Task<int> RunAsync(GitHubUsage usage, long installationId, CancellationToken ct)
    {
        var wanted = await WantedAsync(installationId, ct);
        var fetchesLeft = CommitsPerCycle;
        var decided = new List<(long, int)>();
        foreach (var pr in wanted)
        {
            if (usage.IsUnavailable(installationId, out _)) break;
            try
            {
                var (done, fetched) = await LookAsync(usage, installationId, pr, fetchesLeft, ct);
                fetchesLeft -= fetched;
                if (done) decided.Add((pr.RepositoryId, pr.Number));
            }
            catch (Exception e) when (e is GitHubRequestException or JsonException)
            {
                // Still wanted: the next cycle tries again.
                log.LogWarning("Commits of {Repository}#{Number} not read this cycle: {Error}", pr.Repository, pr.Number, e.Message);
            }
            catch (InstallationUnavailableException e)
            {
                log.LogWarning("Installation {InstallationId}: commits not read this cycle: {Reason}", installationId, e.Message);
                break;
            }
        }
        if (decided.Count > 0) await Dispositions.DecideAsync(db, new DispositionScope.PullRequests(decided), ct);
        return decided.Count;
    }

    private async Task<List<Wanted>> WantedAsync(long installationId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            select l.repository_id, l.pr_number, r.full_name, l.look_wanted_at, l.checked_shas
            from pull_request_looks l join repositories r on r.id = l.repository_id
            where r.installation_id = @inst and r.installed and r.access_lost_at is null and l.look_wanted_at is not null
            order by l.look_wanted_at limit {PullRequestsPerCycle}
            """);
        cmd.Parameters.AddWithValue("inst", installationId);
        var list = new List<Wanted>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new Wanted(r.Get<long>("repository_id"), r.Get<int>("pr_number"), r.Get<string>("full_name"), r.Get<DateTimeOffset>("look_wanted_at"),
                r.Get<string[]>("checked_shas")));
        return list;
    }

    /// <summary>One pull request: done is false when it must wait (the cycle's fetches ran out).</summary>
    private async Task<(bool Done, int Fetched)> LookAsync(GitHubUsage usage, long installationId, Wanted pr, int fetchesLeft, CancellationToken ct)
    {
        var open = await OpenSuggestionsAsync(pr, ct);
        if (open.Count == 0)
        {
            // Nothing to find: no request is spent, and the next push asks again.
            await LookedAsync(pr, null, null, ct);
            return (true, 0);
        }
        var commits = await github.Commits.GetForPullRequestAsync(usage, installationId, pr.Repository, pr.Number, ct);
        var oldest = open.Min(s => s.CreatedAt);
        var listedBefore = pr.Checked.ToHashSet(StringComparer.Ordinal);
        var known = await ChangesAsync(pr.RepositoryId, commits.Select(c => c.Sha).ToArray(), ct);
        var candidates = commits.Where(c => c.Parents <= 1 && c.CommittedAt >= oldest && !listedBefore.Contains(c.Sha) && !known.ContainsKey(c.Sha))
            .ToList();
        if (candidates.Count > fetchesLeft) return (false, 0);
        foreach (var c in candidates)
        {
            var detail = await github.Commits.GetAsync(usage, installationId, pr.Repository, c.Sha, ct);
            var change = new Change(detail.CommittedAt, CoAuthors(detail.Message),
                detail.Files.Where(f => f.Patch is not null).GroupBy(f => f.Path).ToDictionary(g => g.Key, g => Parse(g.First().Patch!)));
            await StoreAsync(pr.RepositoryId, c.Sha, change, ct);
            known[c.Sha] = change;
        }

        var applied = new List<(long CommentId, string Sha, DateTimeOffset At)>();
        foreach (var s in open)
        {
            var lines = Suggestions.Compared(s.Lines);
            var matches = commits.Where(c => known.TryGetValue(c.Sha, out var k) && k.CommittedAt >= s.CreatedAt
                                             && k.Files.TryGetValue(s.Path, out var f) && Applies(f, lines))
                .Select(c => (c.Sha, Change: known[c.Sha])).ToList();
            if (matches.Count == 0) continue;
            // GitHub's "Commit suggestion" names the comment's author in a trailer: that commit is the one, else the first.
            var author = Normalize(s.Author);
            var (sha, change) = matches.FirstOrDefault(m => author is not null && m.Change.CoAuthors.Contains(author));
            if (sha is null) (sha, change) = matches[0];
            applied.Add((s.CommentId, sha, change!.CommittedAt));
        }
        await MarkAppliedAsync(applied, ct);
        await LookedAsync(pr, commits.Count > 0 ? commits[^1].Sha : null, [.. commits.Select(c => c.Sha)], ct);
        return (true, candidates.Count);
    }

    /// <summary>Every suggested line is among the lines the change adds at that path; an empty suggestion (deleting lines) needs a deletion.</summary>
    private static bool Applies(FileChange change, IReadOnlyList<string> suggested) =>
        suggested.Count == 0 ? change.Deleted > 0 : suggested.All(l => change.Added.Contains(l, StringComparer.Ordinal));

    /// <summary>The lines a file patch adds (line ends trimmed) and how many it deletes.</summary>
    public static (string[] Added, int Deleted) ParsePatch(string patch)
    {
        var change = Parse(patch);
        return (change.Added, change.Deleted);
    }

    private static FileChange Parse(string patch)
    {
        var added = new List<string>();
        var deleted = 0;
        foreach (var raw in patch.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith('+')) added.Add(line[1..].TrimEnd());
            else if (line.StartsWith('-')) deleted++;
        }
        return new FileChange([.. added], deleted);
    }

    [GeneratedRegex(@"^\s*co-authored-by:\s*(?<name>[^<\r\n]*?)\s*(<[^>\r\n]*>)?\s*$", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex CoAuthorTrailer();

    private static string[] CoAuthors(string message) =>
        [.. CoAuthorTrailer().Matches(message).Select(m => Normalize(m.Groups["name"].Value)).OfType<string>().Distinct()];

    /// <summary>A login as compared: lower-cased, an App's "[bot]" suffix dropped (GraphQL names a Bot without it).</summary>
    private static string? Normalize(string? login)
    {
        if (string.IsNullOrWhiteSpace(login)) return null;
        var l = login.Trim().ToLowerInvariant();
        return l.EndsWith("[bot]", StringComparison.Ordinal) ? l[..^5] : l;
    }

    private async Task<List<OpenSuggestion>> OpenSuggestionsAsync(Wanted pr, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select c.github_comment_id, c.file, c.created_at, c.suggested_lines, c.author_login
            from review_comments c join tasks t on t.id = c.task_id
            where t.repository_id = @repo and t.pr_number = @pr and c.kind = 'inline' and c.file is not null
              and c.suggested_lines is not null and c.applied_commit is null and c.gone_at is null
            """);
        cmd.Parameters.AddWithValue("repo", pr.RepositoryId);
        cmd.Parameters.AddWithValue("pr", pr.Number);
        var list = new List<OpenSuggestion>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new OpenSuggestion(r.Get<long>("github_comment_id"), r.Get<string>("file"), r.Get<DateTimeOffset>("created_at"), r.Get<string>("suggested_lines"),
                r.GetOrNull<string>("author_login")));
        return list;
    }

    private async Task<Dictionary<string, Change>> ChangesAsync(long repositoryId, string[] shas, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select sha, committed_at, co_authors, files::text from commit_changes where repository_id = @repo and sha = any(@shas)
            """);
        cmd.Parameters.AddWithValue("repo", repositoryId);
        cmd.Parameters.AddWithValue("shas", shas);
        var map = new Dictionary<string, Change>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var files = JsonSerializer.Deserialize<Dictionary<string, FileChange>>(r.Get<string>("files"), Json) ?? [];
            map[r.Get<string>("sha")] = new Change(r.Get<DateTimeOffset>("committed_at"), r.Get<string[]>("co_authors"), files);
        }
        return map;
    }

    private async Task StoreAsync(long repositoryId, string sha, Change change, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            insert into commit_changes (repository_id, sha, committed_at, co_authors, files, fetched_at)
            values (@repo, @sha, @at, @co, @files::jsonb, @now) on conflict (repository_id, sha) do nothing
            """);
        cmd.Parameters.AddWithValue("repo", repositoryId);
        cmd.Parameters.AddWithValue("sha", sha);
        cmd.Parameters.AddWithValue("at", change.CommittedAt);
        cmd.Parameters.AddWithValue("co", change.CoAuthors);
        cmd.Parameters.AddWithValue("files", JsonSerializer.Serialize(change.Files, Json));
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task MarkAppliedAsync(List<(long CommentId, string Sha, DateTimeOffset At)> applied, CancellationToken ct)
    {
        if (applied.Count == 0) return;
        await using var cmd = db.CreateCommand("""
            update review_comments c set applied_commit = x.sha, applied_at = x.at
            from unnest(@ids, @shas, @ats) as x(id, sha, at)
            where c.kind = 'inline' and c.github_comment_id = x.id and c.applied_commit is null
            """);
        cmd.Parameters.AddWithValue("ids", applied.Select(a => a.CommentId).ToArray());
        cmd.Parameters.AddWithValue("shas", applied.Select(a => a.Sha).ToArray());
        cmd.Parameters.AddWithValue("ats", applied.Select(a => a.At).ToArray());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The look is done; a push that arrived meanwhile (a later want) stays wanted.</summary>
    private async Task LookedAsync(Wanted pr, string? head, string[]? listed, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            update pull_request_looks
            set looked_head = coalesce(@head, looked_head), checked_shas = coalesce(@listed, checked_shas), looked_at = @now,
                look_wanted_at = case when look_wanted_at = @wanted then null else look_wanted_at end
            where repository_id = @repo and pr_number = @pr
            """);
        cmd.Parameters.AddWithValue("head", NpgsqlDbType.Text, (object?)head ?? DBNull.Value);
        cmd.Parameters.AddWithValue("listed", NpgsqlDbType.Array | NpgsqlDbType.Text, (object?)listed ?? DBNull.Value);
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        cmd.Parameters.AddWithValue("wanted", pr.WantedAt);
        cmd.Parameters.AddWithValue("repo", pr.RepositoryId);
        cmd.Parameters.AddWithValue("pr", pr.Number);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
