using System.Text.Json.Nodes;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>
/// Webhook payloads made from GitHub's own examples (npm @octokit/webhooks-examples, installed outside git like the
/// other published descriptions): an example of the event and action, with the ids and names a test needs put in. An
/// action without an example starts from a sibling's (same event, its action changed). Every builder's result is
/// checked against @octokit/webhooks-schemas by WebhookPayloadSchemaTests.
/// </summary>
public static class WebhookPayloads
{
    private static readonly Lazy<JsonArray> Index = new(() =>
    {
        var path = Path.Combine(GitHubSchemaNode.ToolsDir, "node_modules", "@octokit", "webhooks-examples", "api.github.com", "index.json");
        if (!File.Exists(path))
            throw new InvalidOperationException($"npm package @octokit/webhooks-examples is not installed ({path}): run " +
                                                "FeedbackDashboard.Tests/GitHubSchema/install.sh once (test.sh does).");
        return JsonNode.Parse(File.ReadAllText(path))!.AsArray();
    });

    /// <summary>The last example of the event with this action (the examples GitHub added last match its current schema).</summary>
    public static JsonObject Example(string eventName, string action, string? takenFrom = null)
    {
        var examples = Index.Value.Single(e => (string?)e!["name"] == eventName)!["examples"]!.AsArray();
        var example = examples.Last(x => (string?)x!["action"] == (takenFrom ?? action))!.DeepClone().AsObject();
        example["action"] = action;
        example["installation"] ??= new JsonObject { ["id"] = 77, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNzc=" };
        return example;
    }

    private static JsonObject WithInstallation(JsonObject payload, long installation)
    {
        payload["installation"]!["id"] = installation;
        return payload;
    }

    private static void SetRepository(JsonObject payload, long id, string fullName)
    {
        var repo = payload["repository"]!;
        repo["id"] = id;
        repo["full_name"] = fullName;
        repo["name"] = fullName.Split('/')[1];
        repo["owner"]!["login"] = fullName.Split('/')[0];
    }

    public static JsonObject InstallationRepositories(string action, long installation, params (long Id, string FullName)[] repos)
    {
        var payload = WithInstallation(Example("installation_repositories", action), installation);
        var list = new JsonArray(repos.Select(r => (JsonNode)new JsonObject
        {
            ["id"] = r.Id, ["node_id"] = $"R_{r.Id}", ["name"] = r.FullName.Split('/')[1], ["full_name"] = r.FullName, ["private"] = true,
        }).ToArray());
        payload[action == "added" ? "repositories_added" : "repositories_removed"] = list;
        payload[action == "added" ? "repositories_removed" : "repositories_added"] = new JsonArray();
        return payload;
    }

    public static JsonObject Installation(string action, long installation)
    {
        var payload = Example("installation", action);
        payload["installation"]!["id"] = installation;
        return payload;
    }

    public static JsonObject RepositoryRenamed(long id, string oldFullName, string newFullName, long installation = 77)
    {
        var payload = WithInstallation(Example("repository", "renamed"), installation);
        SetRepository(payload, id, newFullName);
        payload["changes"]!["repository"]!["name"]!["from"] = oldFullName.Split('/')[1];
        return payload;
    }

    public static JsonObject RepositoryTransferred(long id, string oldFullName, string newFullName, long installation = 77)
    {
        var payload = WithInstallation(Example("repository", "transferred"), installation);
        SetRepository(payload, id, newFullName);
        payload["changes"]!["owner"]!["from"]!["user"]!["login"] = oldFullName.Split('/')[0];
        return payload;
    }

    public static JsonObject RepositoryDeleted(long id, string fullName, long installation = 77)
    {
        var payload = WithInstallation(Example("repository", "deleted", takenFrom: "privatized"), installation);
        SetRepository(payload, id, fullName);
        return payload;
    }

    /// <summary>pull_request_review_comment (an inline comment) or issue_comment (a reply), deleted or edited.</summary>
    public static JsonObject Comment(string eventName, string action, long commentId, string? body = null, long installation = 77)
    {
        var payload = WithInstallation(Example(eventName, action), installation);
        payload["comment"]!["id"] = commentId;
        if (body is not null)
        {
            payload["changes"] = new JsonObject { ["body"] = new JsonObject { ["from"] = (string?)payload["comment"]!["body"] } };
            payload["comment"]!["body"] = body;
        }
        return payload;
    }

    /// <summary>Where an observed comment or review is: the repository, its pull request, and that pull request's author.</summary>
    public sealed record PullRequestRef(long RepoId = 900001, string Repository = "acme/observed", int Number = 7, long AuthorId = 601,
        string AuthorLogin = "alice", string Association = "MEMBER", long Installation = 77);

    private static void SetUser(JsonNode user, string login, string type, long id)
    {
        user["login"] = login;
        user["type"] = type;
        user["id"] = id;
    }

    private static void SetPullRequest(JsonObject payload, JsonNode pullRequest, PullRequestRef pr)
    {
        SetRepository(payload, pr.RepoId, pr.Repository);
        pullRequest["number"] = pr.Number;
        SetUser(pullRequest["user"]!, pr.AuthorLogin, "User", pr.AuthorId);
        pullRequest["author_association"] = pr.Association;
    }

    /// <summary>pull_request_review_comment created: an inline comment by <paramref name="login"/> in review <paramref name="reviewId"/>.</summary>
    public static JsonObject InlineCreated(long commentId, string login, string body, long reviewId, PullRequestRef? pr = null,
        string userType = "Bot", string path = "src/app.cs", int? line = 12, int originalLine = 11, DateTimeOffset? createdAt = null)
    {
        pr ??= new PullRequestRef();
        var payload = WithInstallation(Example("pull_request_review_comment", "created"), pr.Installation);
        SetPullRequest(payload, payload["pull_request"]!, pr);
        var c = payload["comment"]!;
        c["id"] = commentId;
        c["node_id"] = $"PRRC_{commentId}";
        c["body"] = body;
        c["path"] = path;
        c["line"] = line;
        c["original_line"] = originalLine;
        c["pull_request_review_id"] = reviewId;
        c["html_url"] = $"https://github.com/{pr.Repository}/pull/{pr.Number}#discussion_r{commentId}";
        c["created_at"] = (createdAt ?? DateTimeOffset.UtcNow.AddMinutes(-5)).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
        SetUser(c["user"]!, login, userType, 41898282);
        return payload;
    }

    /// <summary>issue_comment created: a conversation comment on pull request <c>pr</c> (or, with onPullRequest false, on a plain issue).</summary>
    public static JsonObject ConversationCreated(long commentId, string login, string body, PullRequestRef? pr = null, string userType = "Bot",
        bool onPullRequest = true, DateTimeOffset? createdAt = null)
    {
        pr ??= new PullRequestRef();
        var payload = WithInstallation(Example("issue_comment", "created"), pr.Installation);
        SetPullRequest(payload, payload["issue"]!, pr);
        if (onPullRequest)
        {
            var url = $"https://api.github.com/repos/{pr.Repository}/pulls/{pr.Number}";
            payload["issue"]!["pull_request"] = new JsonObject
            {
                ["url"] = url,
                ["html_url"] = $"https://github.com/{pr.Repository}/pull/{pr.Number}",
                ["diff_url"] = $"https://github.com/{pr.Repository}/pull/{pr.Number}.diff",
                ["patch_url"] = $"https://github.com/{pr.Repository}/pull/{pr.Number}.patch",
                ["merged_at"] = null,
            };
        }
        else payload["issue"]!.AsObject().Remove("pull_request");
        var c = payload["comment"]!;
        c["id"] = commentId;
        c["node_id"] = $"IC_{commentId}";
        c["body"] = body;
        c["html_url"] = $"https://github.com/{pr.Repository}/{(onPullRequest ? "pull" : "issues")}/{pr.Number}#issuecomment-{commentId}";
        c["created_at"] = (createdAt ?? DateTimeOffset.UtcNow.AddMinutes(-5)).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
        SetUser(c["user"]!, login, userType, 41898282);
        return payload;
    }

    /// <summary>pull_request_review submitted by <paramref name="login"/>.</summary>
    public static JsonObject ReviewSubmitted(long reviewId, string login, DateTimeOffset submittedAt, PullRequestRef? pr = null,
        string? body = null, string userType = "Bot")
    {
        pr ??= new PullRequestRef();
        var payload = WithInstallation(Example("pull_request_review", "submitted"), pr.Installation);
        SetPullRequest(payload, payload["pull_request"]!, pr);
        var review = payload["review"]!;
        review["id"] = reviewId;
        review["body"] = body;
        review["submitted_at"] = submittedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
        SetUser(review["user"]!, login, userType, 41898282);
        return payload;
    }

    public static JsonObject Thread(string action, long[] commentIds, string sender = "octocat", string senderType = "User",
        string threadNodeId = "PRRT_kwDOFd42Pc4rQOUv", long installation = 77)
    {
        var payload = WithInstallation(Example("pull_request_review_thread", action), installation);
        var template = payload["thread"]!["comments"]![0]!;
        payload["thread"]!["node_id"] = threadNodeId;
        payload["thread"]!["comments"] = new JsonArray(commentIds.Select(id =>
        {
            var c = template.DeepClone();
            c["id"] = id;
            return c;
        }).ToArray());
        payload["sender"]!["login"] = sender;
        payload["sender"]!["type"] = senderType;
        return payload;
    }

    /// <summary>pull_request synchronize: a push moved the pull request's head from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static JsonObject Synchronize(string before, string after, PullRequestRef? pr = null)
    {
        pr ??= new PullRequestRef();
        var payload = WithInstallation(Example("pull_request", "synchronize"), pr.Installation);
        SetPullRequest(payload, payload["pull_request"]!, pr);
        payload["number"] = pr.Number;
        payload["before"] = before;
        payload["after"] = after;
        payload["pull_request"]!["head"]!["sha"] = after;
        return payload;
    }

    public static JsonObject Member(string action, long repoId, string repoFullName, long userId, string login, long installation = 77)
    {
        var payload = WithInstallation(Example("member", action, takenFrom: action == "removed" ? "added" : null), installation);
        SetRepository(payload, repoId, repoFullName);
        payload["member"]!["id"] = userId;
        payload["member"]!["login"] = login;
        if (action == "removed") payload.Remove("changes");
        return payload;
    }

    public static JsonObject OrgMember(string action, string org, long userId, string login, long installation = 77)
    {
        var payload = WithInstallation(Example("organization", action, takenFrom: "member_added"), installation);
        payload["organization"]!["login"] = org;
        payload["membership"]!["user"]!["id"] = userId;
        payload["membership"]!["user"]!["login"] = login;
        payload["membership"]!["state"] = "active";
        return payload;
    }

    /// <summary>One payload of every event and action the receiver handles, as the tests build them.</summary>
    public static IEnumerable<(string Event, JsonObject Payload)> OneOfEach() =>
    [
        ("installation_repositories", InstallationRepositories("removed", 77, (700001, "acme/a"))),
        ("installation_repositories", InstallationRepositories("added", 77, (700001, "acme/a"))),
        ("installation", Installation("deleted", 77)),
        ("installation", Installation("suspend", 77)),
        ("installation", Installation("unsuspend", 77)),
        ("repository", RepositoryRenamed(700001, "acme/a", "acme/b")),
        ("repository", RepositoryTransferred(700001, "acme/a", "other/a")),
        ("repository", RepositoryDeleted(700001, "acme/a")),
        ("pull_request_review_comment", InlineCreated(21, "every-bot[bot]", "inline", 31)),
        ("issue_comment", ConversationCreated(22, "every-bot[bot]", "reply")),
        ("pull_request_review", ReviewSubmitted(31, "every-bot[bot]", DateTimeOffset.UtcNow.AddMinutes(-1))),
        ("pull_request_review_comment", Comment("pull_request_review_comment", "deleted", 11)),
        ("pull_request_review_comment", Comment("pull_request_review_comment", "edited", 11, "new text")),
        ("issue_comment", Comment("issue_comment", "deleted", 12)),
        ("issue_comment", Comment("issue_comment", "edited", 12, "new text")),
        ("pull_request_review_thread", Thread("resolved", [11, 13], "alice")),
        ("pull_request_review_thread", Thread("unresolved", [11, 13], "alice")),
        ("pull_request", Synchronize(new string('a', 40), new string('b', 40))),
        ("member", Member("added", 700001, "acme/a", 501, "carol")),
        ("member", Member("edited", 700001, "acme/a", 501, "carol")),
        ("member", Member("removed", 700001, "acme/a", 501, "carol")),
        ("organization", OrgMember("member_added", "acme", 502, "dave")),
        ("organization", OrgMember("member_removed", "acme", 502, "dave")),
    ];

    /// <summary>Payloads the tests deliver besides <see cref="OneOfEach"/>, checked against GitHub's schema too.</summary>
    public static IEnumerable<(string Event, JsonObject Payload)> Others() =>
    [
        ("issue_comment", ConversationCreated(23, "every-bot[bot]", "on an issue", onPullRequest: false)),
        ("pull_request_review_comment", InlineCreated(24, "Copilot", "no line", 32, line: null)),
        ("pull_request_review_thread", Thread("resolved", [11], "review-bot[bot]", "Bot")),
    ];
}
