using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using Microsoft.AspNetCore.Http;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>
/// The repository-wide comment lists the observed-bots sweep reads (<c>GET /repos/{o}/{r}/pulls/comments</c> and
/// <c>/issues/comments</c>: since, sort, direction, per_page, Link pagination, ETag/304) and <c>GET /repos/{o}/{r}/pulls/{n}</c>,
/// with who wrote each comment, when it was last updated, and plain issues beside pull requests.
/// </summary>
public sealed partial class FakeGitHub
{
    /// <summary>What the comment lists say of a comment besides its FakeComment: its author, last update and where it is.</summary>
    private sealed class Listed
    {
        public required string Login { get; init; }
        public required string UserType { get; init; }
        public long UserId { get; init; }
        public DateTimeOffset UpdatedAt { get; set; }
        /// <summary>False for a comment on a plain issue (only issue comments).</summary>
        public bool OnPullRequest { get; init; } = true;
    }

    private readonly ConcurrentDictionary<(CommentKind, long), Listed> _listed = new();
    private readonly ConcurrentDictionary<(long RepoId, int Number), (long Id, string Login, string Association)> _pullAuthors = new();

    /// <summary>A comment by <paramref name="login"/> (a bot by default) on pull request <paramref name="prNumber"/>, created now.</summary>
    public FakeComment AddBotComment(string repo, CommentKind kind, long id, string login, string userType = "Bot", int prNumber = 1,
        long? reviewId = null, string? path = "src/app.cs", int? line = 10, string? body = null)
    {
        var c = AddComment(repo, kind, id, kind == CommentKind.Inline ? path : null, kind == CommentKind.Inline ? line : null,
            kind == CommentKind.Inline ? reviewId : null, prNumber);
        if (body is not null) c.Body = body;
        _listed[(kind, id)] = new Listed { Login = login, UserType = userType, UserId = 41_000_000 + login.Aggregate(0, (h, ch) => (h * 31 + ch) % 100_000), UpdatedAt = c.CreatedAt };
        return c;
    }

    /// <summary>A conversation comment on a plain issue (not a pull request): listed by /issues/comments all the same.</summary>
    public FakeComment AddPlainIssueComment(string repo, long id, string login, int issueNumber, string userType = "Bot", string? body = null)
    {
        var c = AddComment(repo, CommentKind.Reply, id, prNumber: issueNumber);
        c.HtmlUrl = $"{BaseUrl}{Repo(repo).FullName}/issues/{issueNumber}#issuecomment-{id}";
        if (body is not null) c.Body = body;
        _listed[(CommentKind.Reply, id)] = new Listed { Login = login, UserType = userType, UserId = 42_000_000 + id % 1000, UpdatedAt = c.CreatedAt, OnPullRequest = false };
        return c;
    }

    /// <summary>Someone edited the comment: a new body and updated_at now, so the lists give it again.</summary>
    public void EditComment(CommentKind kind, long id, string body)
    {
        _comments[(kind, id)].Body = body;
        if (_listed.TryGetValue((kind, id), out var listed)) listed.UpdatedAt = Now();
    }

    /// <summary>The pull request's author (GET pulls/{n}); by default user 600+N, "author{N}", CONTRIBUTOR.</summary>
    public void SetPullAuthor(string repo, int number, long id, string login, string association = "CONTRIBUTOR") =>
        _pullAuthors[(Repo(repo).Id, number)] = (id, login, association);

    private Listed ListedOf(FakeComment c) =>
        _listed.TryGetValue((c.Kind, c.Id), out var l) ? l : new Listed { Login = "octocat", UserType = "User", UserId = 583231, UpdatedAt = c.CreatedAt };

    /// <summary>GitHub's timestamps have whole seconds.</summary>
    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static DateTimeOffset WholeSecond(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private async Task SweepRouteAsync(HttpContext ctx, string route, long? installation, FakeRepo repo, string[] rest)
    {
        if (route == "pull")
        {
            if (!int.TryParse(rest[1], NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                || !(_pullAuthors.ContainsKey((repo.Id, number))
                     || _comments.Values.Any(c => c.RepoId == repo.Id && c.PrNumber == number && ListedOf(c).OnPullRequest)))
            {
                await Answer(ctx, route, installation, 404, NotFound);
                return;
            }
            await Answer(ctx, route, installation, 200, PullJson(repo, number).ToJsonString());
            return;
        }

        var kind = route == "pulls-comments" ? CommentKind.Inline : CommentKind.Reply;
        var query = ctx.Request.Query;
        DateTimeOffset? since = null;
        if (query["since"].ToString() is { Length: > 0 } raw)
        {
            if (!DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var s))
            {
                await Answer(ctx, route, installation, 422, """{"message":"Validation Failed","documentation_url":"https://docs.github.com/rest"}""");
                return;
            }
            since = s;
        }
        var byUpdate = query["sort"] == "updated";
        var descending = query["direction"] == "desc";
        // since compares the last update, to the second, and includes it (GitHub's behaviour).
        var items = _comments.Values.Where(c => c.RepoId == repo.Id && c.Kind == kind && !c.Deleted)
            .Select(c => (Comment: c, Listed: ListedOf(c)))
            .Where(x => since is null || WholeSecond(x.Listed.UpdatedAt) >= since)
            .Select(x => (x.Comment, x.Listed, Key: WholeSecond(byUpdate ? x.Listed.UpdatedAt : x.Comment.CreatedAt)));
        var ordered = descending ? items.OrderByDescending(x => x.Key).ThenByDescending(x => x.Comment.Id) : items.OrderBy(x => x.Key).ThenBy(x => x.Comment.Id);
        await PagedAsync(ctx, route, installation,
            ordered.Select(x => (JsonNode)(kind == CommentKind.Inline ? ReviewCommentJson(repo, x.Comment, x.Listed) : IssueCommentJson(repo, x.Comment, x.Listed))).ToList(),
            withEtag: true);
    }

    /// <summary>A pull request review comment as the repository list gives it (@octokit/openapi's review-comment).</summary>
    private JsonObject ReviewCommentJson(FakeRepo repo, FakeComment c, Listed l)
    {
        var api = $"{BaseUrl}api/v3/repos/{repo.FullName}";
        var url = $"{api}/pulls/comments/{c.Id}";
        var pr = $"{api}/pulls/{c.PrNumber}";
        return new JsonObject
        {
            ["url"] = url,
            ["pull_request_review_id"] = c.ReviewId,
            ["id"] = c.Id,
            ["node_id"] = c.NodeId,
            ["diff_hunk"] = "@@ -1,3 +1,4 @@",
            ["path"] = c.Path ?? "README.md",
            ["position"] = c.Line,
            ["original_position"] = c.Line,
            ["commit_id"] = new string('a', 40),
            ["original_commit_id"] = new string('b', 40),
            ["user"] = UserJson(l.UserId, l.Login, l.UserType),
            ["body"] = c.Body,
            ["created_at"] = Stamp(c.CreatedAt),
            ["updated_at"] = Stamp(l.UpdatedAt),
            ["html_url"] = c.HtmlUrl,
            ["pull_request_url"] = pr,
            ["author_association"] = "NONE",
            ["_links"] = new JsonObject
            {
                ["self"] = new JsonObject { ["href"] = url },
                ["html"] = new JsonObject { ["href"] = c.HtmlUrl },
                ["pull_request"] = new JsonObject { ["href"] = pr },
            },
            ["line"] = c.Line,
            ["original_line"] = c.Line,
            ["side"] = "RIGHT",
            ["original_start_line"] = null,
            ["start_line"] = null,
            ["subject_type"] = "line",
        };
    }

    /// <summary>An issue comment as the repository list gives it (@octokit/openapi's issue-comment).</summary>
    private JsonObject IssueCommentJson(FakeRepo repo, FakeComment c, Listed l)
    {
        var api = $"{BaseUrl}api/v3/repos/{repo.FullName}";
        return new JsonObject
        {
            ["id"] = c.Id,
            ["node_id"] = c.NodeId,
            ["url"] = $"{api}/issues/comments/{c.Id}",
            ["body"] = c.Body,
            ["html_url"] = c.HtmlUrl,
            ["user"] = UserJson(l.UserId, l.Login, l.UserType),
            ["created_at"] = Stamp(c.CreatedAt),
            ["updated_at"] = Stamp(l.UpdatedAt),
            ["issue_url"] = $"{api}/issues/{c.PrNumber}",
            ["author_association"] = "NONE",
        };
    }

    /// <summary>A pull request (@octokit/openapi's pull-request), with its author.</summary>
    private JsonObject PullJson(FakeRepo repo, int number)
    {
        var (authorId, authorLogin, association) = _pullAuthors.TryGetValue((repo.Id, number), out var a) ? a : (600 + number, $"author{number}", "CONTRIBUTOR");
        var api = $"{BaseUrl}api/v3/repos/{repo.FullName}";
        var html = $"{BaseUrl}{repo.FullName}/pull/{number}";
        JsonObject Href(string href) => new() { ["href"] = href };
        JsonObject Branch(string name, string sha) => new()
        {
            ["label"] = $"{repo.OwnerLogin}:{name}",
            ["ref"] = name,
            ["sha"] = sha,
            ["user"] = UserJson(repo.OwnerId, repo.OwnerLogin, repo.OwnerType),
            ["repo"] = RepoJson(repo),
        };
        return new JsonObject
        {
            ["url"] = $"{api}/pulls/{number}",
            ["id"] = 5_000_000 + number,
            ["node_id"] = PullRequestNodeId(repo.Id, number),
            ["html_url"] = html,
            ["diff_url"] = $"{html}.diff",
            ["patch_url"] = $"{html}.patch",
            ["issue_url"] = $"{api}/issues/{number}",
            ["commits_url"] = $"{api}/pulls/{number}/commits",
            ["review_comments_url"] = $"{api}/pulls/{number}/comments",
            ["review_comment_url"] = $"{api}/pulls/comments{{/number}}",
            ["comments_url"] = $"{api}/issues/{number}/comments",
            ["statuses_url"] = $"{api}/statuses/{new string('c', 40)}",
            ["number"] = number,
            ["state"] = "open",
            ["locked"] = false,
            ["title"] = $"Pull request {number}",
            ["user"] = UserJson(authorId, authorLogin, "User"),
            ["body"] = null,
            ["labels"] = new JsonArray(),
            ["milestone"] = null,
            ["active_lock_reason"] = null,
            ["created_at"] = "2026-01-01T00:00:00Z",
            ["updated_at"] = "2026-01-02T00:00:00Z",
            ["closed_at"] = null,
            ["merged_at"] = null,
            ["merge_commit_sha"] = null,
            ["assignee"] = null,
            ["assignees"] = new JsonArray(),
            ["requested_reviewers"] = new JsonArray(),
            ["requested_teams"] = new JsonArray(),
            ["head"] = Branch($"topic-{number}", new string('c', 40)),
            ["base"] = Branch("main", new string('d', 40)),
            ["_links"] = new JsonObject
            {
                ["comments"] = Href($"{api}/issues/{number}/comments"),
                ["commits"] = Href($"{api}/pulls/{number}/commits"),
                ["statuses"] = Href($"{api}/statuses/{new string('c', 40)}"),
                ["html"] = Href(html),
                ["issue"] = Href($"{api}/issues/{number}"),
                ["review_comments"] = Href($"{api}/pulls/{number}/comments"),
                ["review_comment"] = Href($"{api}/pulls/comments{{/number}}"),
                ["self"] = Href($"{api}/pulls/{number}"),
            },
            ["author_association"] = association,
            ["auto_merge"] = null,
            ["draft"] = false,
            ["merged"] = false,
            ["mergeable"] = true,
            ["rebaseable"] = true,
            ["mergeable_state"] = "clean",
            ["merged_by"] = null,
            ["comments"] = 0,
            ["review_comments"] = 0,
            ["maintainer_can_modify"] = false,
            ["commits"] = 1,
            ["additions"] = 1,
            ["deletions"] = 0,
            ["changed_files"] = 1,
        };
    }
}
