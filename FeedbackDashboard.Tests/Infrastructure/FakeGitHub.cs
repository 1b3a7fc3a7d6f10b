using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>
/// A real HTTP server on loopback speaking the GitHub Enterprise Server layout (/api/v3, /api/graphql) for the
/// calls FeedbackDashboard makes. State is mutable (react, un-react, delete), every request is logged, and
/// faults (status, Retry-After, delay) can be injected per route.
/// </summary>
public sealed partial class FakeGitHub : IAsyncDisposable
{
    public const long AppId = 4242;

    private readonly WebApplication _app;
    private readonly RSA _appKey = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, (long Installation, DateTimeOffset ExpiresAt)> _tokens = new();
    private readonly ConcurrentDictionary<(CommentKind, long), FakeComment> _comments = new();
    private readonly ConcurrentDictionary<string, (CommentKind, long)> _byNode = new();
    private readonly ConcurrentDictionary<string, FakeRepo> _repos = new();
    private readonly ConcurrentDictionary<long, FakeRepo> _reposById = new();
    private readonly ConcurrentDictionary<string, FakeRepo> _formerNames = new();
    private long _nextRepoId = 700_000;
    private readonly ConcurrentDictionary<string, List<GitHubUser>> _orgMembers = new();
    private readonly ConcurrentDictionary<(long, RateBucket), (int Remaining, DateTimeOffset ResetAt)> _budgets = new();
    private readonly ConcurrentQueue<LoggedRequest> _log = new();
    private readonly List<Fault> _faults = [];

    public HashSet<long> Installations { get; } = [];

    /// <summary>OAuth sign-in: the codes GitHub would hand back, and who each one signs in.</summary>
    public Dictionary<string, (long Id, string Login, string[] Orgs)> OAuthCodes { get; } = [];
    private readonly ConcurrentDictionary<string, (long Id, string Login, string[] Orgs)> _oauthTokens = new();
    private readonly ConcurrentDictionary<string, string[]> _orgsNow = new();

    /// <summary>Changes a signed-in person's organisations from now on (a member removed, or added).</summary>
    public void SetOrgs(string login, params string[] orgs) => _orgsNow[login] = orgs;
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);
    public Func<DateTimeOffset> Now { get; set; } = () => DateTimeOffset.UtcNow;
    /// <summary>Added to every request, for benchmarks of wall time.</summary>
    public TimeSpan Latency { get; set; }
    /// <summary>Added to every request of one installation (after the token), as a GitHub slow for some accounts only.</summary>
    public ConcurrentDictionary<long, TimeSpan> InstallationLatency { get; } = new();
    /// <summary>The hourly budgets of an installation: REST's core bucket and GraphQL's points, kept apart as GitHub does.</summary>
    public int RateLimit { get; set; } = 5000;
    public int GraphQlRateLimit { get; set; } = 5000;
    /// <summary>
    /// Node ids that make any nodes(ids:) query holding them fail as GitHub does when it cannot resolve one (an error
    /// without a path, HTTP 200); true keeps the other nodes' data beside it, false answers data: null.
    /// </summary>
    public ConcurrentDictionary<string, bool> UnattributableFaults { get; } = new();
    /// <summary>Lets a test change GitHub's GraphQL answer before it is sent (errors at any depth, nulls, data: null).</summary>
    public Action<JsonObject, IReadOnlyList<string>>? MutateGraphQl { get; set; }
    /// <summary>Clamps per_page, to exercise pagination with few items.</summary>
    public int MaxPageSize { get; set; } = 100;

    public string AppKeyPem => _appKey.ExportRSAPrivateKeyPem();
    public Uri BaseUrl { get; }
    public Uri ApiUrl => new(BaseUrl, "api/v3/");
    public Uri GraphQlUrl => new(BaseUrl, "api/graphql");

    private FakeGitHub(WebApplication app)
    {
        _app = app;
        BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public static async Task<FakeGitHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeGitHub? fake = null;
        app.Use(async (ctx, next) => await fake!.HandleAsync(ctx, next));
        app.MapFallback(ctx => fake!.RouteAsync(ctx));
        await app.StartAsync();
        fake = new FakeGitHub(app);
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _appKey.Dispose();
    }

    // ---- State ----

    public FakeComment AddComment(string repo, CommentKind kind, long id, string? path = null, int? line = null,
        long? reviewId = null, int prNumber = 1, string? nodeId = null)
    {
        var r = RepoOf(repo);
        var comment = new FakeComment(r.Id, kind, id, nodeId ?? NodeIdFor(kind, id), path, line, reviewId, prNumber, Now())
        {
            Body = $"Comment {id} of the review bot.",
            HtmlUrl = $"{BaseUrl}{r.FullName}/pull/{prNumber}" + (kind == CommentKind.Inline ? $"#discussion_r{id}" : $"#issuecomment-{id}"),
        };
        _comments[(kind, id)] = comment;
        // Every top-level review comment starts a review thread (GitHub's model), whose first comment is the bot's.
        if (kind == CommentKind.Inline) _pulls.TryAdd(PullRequestNodeId(r.Id, prNumber), (r.Id, prNumber));
        _byNode[comment.NodeId] = (kind, id);
        return comment;
    }

    public static string NodeIdFor(CommentKind kind, long id) => (kind == CommentKind.Inline ? "PRRC_" : "IC_") + id;

    public static string PullRequestNodeId(long repoId, int prNumber) => $"PR_{repoId}_{prNumber}";

    private readonly ConcurrentDictionary<string, (long RepoId, int Number)> _pulls = new();

    // ---- What happens to a comment besides reactions ----

    /// <summary>The code at the comment's line changed after it (PullRequestReviewComment.outdated, and its thread's isOutdated).</summary>
    public void SetOutdated(long inlineId, bool outdated) => _comments[(CommentKind.Inline, inlineId)].Outdated = outdated;

    /// <summary>Someone hid the comment: isMinimized with GitHub's minimizedReason ("spam", "off-topic", "outdated", …).</summary>
    public void Hide(CommentKind kind, long id, string reason)
    {
        var c = _comments[(kind, id)];
        (c.Minimized, c.MinimizedReason) = (true, reason);
    }

    public void Unhide(CommentKind kind, long id)
    {
        var c = _comments[(kind, id)];
        (c.Minimized, c.MinimizedReason) = (false, null);
    }

    public void SetBody(CommentKind kind, long id, string body) => _comments[(kind, id)].Body = body;

    /// <summary>Resolves the comment's thread: by a person (resolvedBy is that User) or, with a null login, by a bot (resolvedBy null).</summary>
    public void ResolveThread(long inlineId, string? byLogin)
    {
        var c = _comments[(CommentKind.Inline, inlineId)];
        (c.Resolved, c.ResolvedBy) = (true, byLogin);
    }

    public void UnresolveThread(long inlineId)
    {
        var c = _comments[(CommentKind.Inline, inlineId)];
        (c.Resolved, c.ResolvedBy) = (false, null);
    }

    /// <summary>A reply in the comment's thread, by a person or (isBot) an app.</summary>
    public void ReplyInThread(long inlineId, long replyId, string login, bool isBot = false)
    {
        var c = _comments[(CommentKind.Inline, inlineId)];
        lock (c.Replies) c.Replies.Add(new FakeReply(replyId, login, isBot));
    }

    public void DeleteReply(long inlineId, long replyId)
    {
        var c = _comments[(CommentKind.Inline, inlineId)];
        lock (c.Replies) c.Replies.RemoveAll(r => r.Id == replyId);
    }

    public void React(CommentKind kind, long id, long userId, string content, string? login = null) =>
        Add(kind, id, new FakeReaction(userId, login ?? $"user{userId}", content, Now(), FakeUserType.User));

    /// <summary>A bot's reaction: REST shows its user with type Bot, GraphQL's Reaction.user (a User) is null.</summary>
    public void ReactAsBot(CommentKind kind, long id, long botId, string content) =>
        Add(kind, id, new FakeReaction(botId, $"bot{botId}[bot]", content, Now(), FakeUserType.Bot));

    /// <summary>A reaction whose account was deleted since: user is null in both REST and GraphQL.</summary>
    public void ReactAsGhost(CommentKind kind, long id, long formerUserId, string content) =>
        Add(kind, id, new FakeReaction(formerUserId, null, content, Now(), FakeUserType.Ghost));

    private void Add(CommentKind kind, long id, FakeReaction reaction)
    {
        var c = _comments[(kind, id)];
        lock (c.Reactions)
        {
            if (!c.Reactions.Any(r => r.UserId == reaction.UserId && r.Content == reaction.Content)) c.Reactions.Add(reaction);
        }
    }

    public void Unreact(CommentKind kind, long id, long userId, string content)
    {
        var c = _comments[(kind, id)];
        lock (c.Reactions) c.Reactions.RemoveAll(r => r.UserId == userId && r.Content == content);
    }

    /// <summary>A reaction other than 👍/👎, which must be ignored.</summary>
    public void ReactOther(CommentKind kind, long id, long userId, string content)
    {
        var c = _comments[(kind, id)];
        lock (c.Reactions) c.Reactions.Add(new FakeReaction(userId, $"user{userId}", content, Now(), FakeUserType.User));
    }

    public void DeleteComment(CommentKind kind, long id) => _comments[(kind, id)].Deleted = true;

    public void RestoreComment(CommentKind kind, long id) => _comments[(kind, id)].Deleted = false;

    /// <summary>Sets what is left of an installation's bucket until its reset (another tool spent the rest).</summary>
    public void SetRemaining(long installation, RateBucket bucket, int remaining) =>
        _budgets[(installation, bucket)] = (remaining, Budget(installation, bucket).ResetAt);

    /// <summary>The 👍/👎 that are feedback: by people whose account still exists.</summary>
    public IReadOnlyList<Reaction> ReactionsOf(CommentKind kind, long id)
    {
        var c = _comments[(kind, id)];
        lock (c.Reactions)
            return c.Reactions.Where(r => r.Content is "+1" or "-1" && r.Type == FakeUserType.User)
                .Select(r => new Reaction(r.UserId, r.Login!, ReactionContents.Parse(r.Content)!.Value, r.CreatedAt)).ToList();
    }

    /// <summary>Registers (or updates) a repository; its numeric id never changes, whatever it is renamed to.</summary>
    public FakeRepo AddRepo(string fullName, string ownerType = "Organization", long ownerId = 1, string? ownerLogin = null)
    {
        var repo = RepoOf(fullName);
        repo.OwnerType = ownerType;
        repo.OwnerId = ownerId;
        repo.OwnerLogin = ownerLogin ?? fullName.Split('/')[0];
        return repo;
    }

    private FakeRepo RepoOf(string fullName) => _repos.GetOrAdd(fullName.ToLowerInvariant(), _ =>
    {
        var repo = new FakeRepo(Interlocked.Increment(ref _nextRepoId), fullName) { OwnerLogin = fullName.Split('/')[0] };
        _reposById[repo.Id] = repo;
        return repo;
    });

    public FakeRepo Repo(string fullName) => _repos[fullName.ToLowerInvariant()];

    /// <summary>GitHub's rename or transfer: the old name answers 301 to /repositories/{id}/…, the id stays.</summary>
    public void RenameRepo(string oldName, string newName)
    {
        var repo = _repos[oldName.ToLowerInvariant()];
        _repos.TryRemove(oldName.ToLowerInvariant(), out _);
        _formerNames[oldName.ToLowerInvariant()] = repo;
        repo.FullName = newName;
        _repos[newName.ToLowerInvariant()] = repo;
    }

    /// <summary>
    /// Limits a repository to these installations (by default every installation reaches every repository): for any
    /// other, its routes answer 404, its nodes NOT_FOUND, and GET /installation/repositories leaves it out.
    /// </summary>
    public void SetRepoInstallations(string fullName, params long[] installations) => Repo(fullName).Installations = [.. installations];

    private bool Reaches(long? installation, FakeRepo repo) =>
        repo.Installations is null || (installation is { } i && repo.Installations.Contains(i));

    public void SetOrgMembers(string org, params GitHubUser[] members) => _orgMembers[org.ToLowerInvariant()] = [.. members];

    // ---- Request log and faults ----

    public IReadOnlyList<LoggedRequest> Requests => _log.ToList();
    public int Count(string route) => _log.Count(r => r.Route == route);
    public int CountStatus(int status) => _log.Count(r => r.Status == status);
    /// <summary>REST points spent (the core bucket) since start: every answered request but 304s and token mints.</summary>
    public int CorePoints => _corePoints;
    private int _corePoints;
    private int _graphQlPoints;
    /// <summary>GraphQL points spent, by GitHub's cost formula.</summary>
    public int GraphQlPoints => _graphQlPoints;
    public int Points => CorePoints + GraphQlPoints;
    public void ClearLog()
    {
        _log.Clear();
        _graphQlDocuments.Clear();
    }

    private readonly ConcurrentQueue<string> _graphQlDocuments = new();
    /// <summary>The GraphQL documents asked, in order (the request log names only the route).</summary>
    public IReadOnlyList<string> GraphQlAsked => _graphQlDocuments.ToList();

    /// <summary>The next <paramref name="times"/> requests matching <paramref name="route"/> (and the filter) get this answer.</summary>
    public void Fail(string route, int status, int times = 1, int? retryAfterSeconds = null, string? body = null,
        Func<HttpRequest, bool>? when = null, TimeSpan delay = default)
    {
        lock (_faults) _faults.Add(new Fault(route, when, status, retryAfterSeconds, body, delay) { Remaining = times });
    }

    // ---- HTTP ----

    private int _inFlight;
    /// <summary>The most requests that were in flight at once.</summary>
    public int MaxInFlight { get; private set; }

    private async Task HandleAsync(HttpContext ctx, RequestDelegate next)
    {
        var now = Interlocked.Increment(ref _inFlight);
        lock (_log) MaxInFlight = Math.Max(MaxInFlight, now);
        try
        {
            await HandleCoreAsync(ctx, next);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task HandleCoreAsync(HttpContext ctx, RequestDelegate next)
    {
        if (Latency > TimeSpan.Zero) await Task.Delay(Latency);
        var route = RouteName(ctx.Request.Path.Value ?? "", ctx.Request.Method);
        if (route is "oauth-token" or "user" or "user-orgs")
        {
            await OAuthAsync(ctx, route);
            return;
        }
        long? installation = null;
        // The token mint and the App's webhook deliveries are signed with the App JWT, checked by their routes.
        if (route is not ("token" or "hook-deliveries" or "hook-redeliver"))
        {
            var auth = ctx.Request.Headers.Authorization.ToString();
            if (!auth.StartsWith("Bearer ") || !_tokens.TryGetValue(auth[7..], out var t) || t.ExpiresAt <= Now())
            {
                await Answer(ctx, route, null, 401, """{"message":"Bad credentials"}""");
                return;
            }
            installation = t.Installation;
            if (InstallationLatency.TryGetValue(t.Installation, out var slow)) await Task.Delay(slow, ctx.RequestAborted);
        }

        if (installation is { } inst && route is not ("token" or "graphql") && Budget(inst, RateBucket.Core).Remaining <= 0)
        {
            await Answer(ctx, route, installation, 403, $$"""{"message":"API rate limit exceeded for installation ID {{inst}}.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}""");
            return;
        }

        Fault? fault;
        lock (_faults)
        {
            fault = _faults.FirstOrDefault(f => f.Remaining > 0 && f.Route == route && (f.When?.Invoke(ctx.Request) ?? true));
            if (fault is not null) fault.Remaining--;
        }
        if (fault is not null)
        {
            if (fault.Delay > TimeSpan.Zero) await Task.Delay(fault.Delay);
            if (fault.RetryAfterSeconds is { } ra) ctx.Response.Headers.RetryAfter = ra.ToString();
            await Answer(ctx, route, installation, fault.Status, fault.Body ?? """{"message":"injected fault"}""");
            return;
        }

        ctx.Items["route"] = route;
        ctx.Items["installation"] = installation;
        await next(ctx);
    }

    private (int Remaining, DateTimeOffset ResetAt) Budget(long installation, RateBucket bucket)
    {
        var now = Now();
        return _budgets.AddOrUpdate((installation, bucket), _ => (LimitOf(bucket), now + TimeSpan.FromHours(1)),
            (_, b) => b.ResetAt <= now ? (LimitOf(bucket), now + TimeSpan.FromHours(1)) : b);
    }

    private int LimitOf(RateBucket bucket) => bucket == RateBucket.GraphQl ? GraphQlRateLimit : RateLimit;

    /// <summary>Charges the bucket and returns what is left; GitHub's window resets an hour after its first use.</summary>
    private (int Remaining, DateTimeOffset ResetAt) Spend(long installation, RateBucket bucket, int cost)
    {
        var (remaining, reset) = Budget(installation, bucket);
        var after = (Math.Max(0, remaining - cost), reset);
        _budgets[(installation, bucket)] = after;
        return after;
    }

    /// <summary>Answers with GitHub's rate-limit headers for the bucket charged (x-ratelimit-resource: core or graphql).</summary>
    private async Task Answer(HttpContext ctx, string route, long? installation, int status, string? json, string? etag = null,
        int? cost = null, string? operation = null)
    {
        ctx.Response.StatusCode = status;
        var charged = 0;
        if (installation is { } inst && route != "token")
        {
            var bucket = route == "graphql" ? RateBucket.GraphQl : RateBucket.Core;
            // A 304 and GET /rate_limit are free; GraphQL passes its formula's cost.
            charged = cost ?? (status == 304 ? 0 : 1);
            var (remaining, reset) = Spend(inst, bucket, charged);
            Interlocked.Add(ref bucket == RateBucket.GraphQl ? ref _graphQlPoints : ref _corePoints, charged);
            ctx.Response.Headers["x-ratelimit-limit"] = LimitOf(bucket).ToString();
            ctx.Response.Headers["x-ratelimit-remaining"] = remaining.ToString();
            ctx.Response.Headers["x-ratelimit-used"] = (LimitOf(bucket) - remaining).ToString();
            ctx.Response.Headers["x-ratelimit-reset"] = reset.ToUnixTimeSeconds().ToString();
            ctx.Response.Headers["x-ratelimit-resource"] = bucket == RateBucket.GraphQl ? "graphql" : "core";
        }
        if (etag is not null) ctx.Response.Headers.ETag = etag;
        _log.Enqueue(new LoggedRequest(ctx.Request.Method, ctx.Request.Path + ctx.Request.QueryString, route, status, DateTimeOffset.UtcNow,
            installation, charged, operation));
        if (json is not null && status != 304)
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(json);
        }
    }

    /// <summary>The repository a REST path names (/repos/{owner}/{name}/… or /repositories/{id}/…) and the rest of the path.</summary>
    private (FakeRepo? Repo, string[] Tail, bool Moved) Resolve(string[] p)
    {
        if (p is ["api", "v3", "repos", var owner, var name, ..])
        {
            var key = $"{owner}/{name}".ToLowerInvariant();
            if (_repos.TryGetValue(key, out var repo)) return (repo, p[5..], false);
            return _formerNames.TryGetValue(key, out var moved) ? (moved, p[5..], true) : (null, p[5..], false);
        }
        if (p is ["api", "v3", "repositories", var id, ..] && long.TryParse(id, out var rid))
            return (_reposById.GetValueOrDefault(rid), p[4..], false);
        return (null, [], false);
    }

    private static string RouteName(string path, string method)
    {
        var p = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var rest = p is ["api", "v3", "repos", _, _, ..] ? p[5..] : p is ["api", "v3", "repositories", _, ..] ? p[4..] : null;
        if (rest is not null)
        {
            return rest switch
            {
                [] => "repo",
                [_, "comments", _, "reactions"] => "reactions",
                ["pulls", "comments"] => "pulls-comments",
                ["issues", "comments"] => "issues-comments",
                ["pulls", _] => "pull",
                ["pulls" or "issues", "comments", _] => "comment",
                ["pulls", _, "reviews", _, "comments"] => "review-comments",
                ["pulls", _, "commits"] => "pull-commits",
                ["commits", _] => "commit",
                ["collaborators"] => "collaborators",
                _ => "unknown",
            };
        }
        return p switch
        {
            ["api", "graphql"] => "graphql",
            ["login", "oauth", "access_token"] => "oauth-token",
            ["api", "v3", "user"] => "user",
            ["api", "v3", "user", "orgs"] => "user-orgs",
            ["api", "v3", "app", "installations", _, "access_tokens"] => "token",
            ["api", "v3", "installation", "repositories"] => "installation-repos",
            ["api", "v3", "rate_limit"] => "rate-limit",
            ["api", "v3", "app", "hook", "deliveries"] when method == "GET" => "hook-deliveries",
            ["api", "v3", "app", "hook", "deliveries", _, "attempts"] when method == "POST" => "hook-redeliver",
            ["api", "v3", "orgs", _, "members"] => "members",
            _ => "unknown",
        };
    }

    private async Task RouteAsync(HttpContext ctx)
    {
        var route = (string?)ctx.Items["route"] ?? RouteName(ctx.Request.Path.Value ?? "", ctx.Request.Method);
        var installation = (long?)ctx.Items["installation"];
        var p = (ctx.Request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (route)
        {
            case "token":
                await MintAsync(ctx, long.Parse(p[4]));
                return;
            case "hook-deliveries" or "hook-redeliver":
                await HookDeliveriesAsync(ctx, route, p);
                return;
            case "graphql":
                await GraphQlAsync(ctx, installation);
                return;
            case "rate-limit":
                JsonObject Resource(RateBucket b)
                {
                    var (remaining, reset) = Budget(installation!.Value, b);
                    return new JsonObject
                    {
                        ["limit"] = LimitOf(b), ["remaining"] = remaining, ["used"] = LimitOf(b) - remaining,
                        ["reset"] = reset.ToUnixTimeSeconds(), ["resource"] = b == RateBucket.GraphQl ? "graphql" : "core",
                    };
                }
                await Answer(ctx, route, installation, 200, new JsonObject
                {
                    ["resources"] = new JsonObject { ["core"] = Resource(RateBucket.Core), ["graphql"] = Resource(RateBucket.GraphQl) },
                    ["rate"] = Resource(RateBucket.Core),
                }.ToJsonString(), cost: 0);
                return;
            case "installation-repos":
                await PagedAsync(ctx, route, installation, _reposById.Values.Where(r => Reaches(installation, r)).OrderBy(r => r.Id)
                    .Select(r => (JsonNode)RepoJson(r)).ToList(),
                    wrap: (page, total) => new JsonObject { ["total_count"] = total, ["repositories"] = page });
                return;
            case "members":
                if (!_orgMembers.TryGetValue(p[3].ToLowerInvariant(), out var members)) { await Answer(ctx, route, installation, 404, NotFound); return; }
                await PagedAsync(ctx, route, installation, members.Select(u => (JsonNode)new JsonObject { ["id"] = u.Id, ["login"] = u.Login, ["type"] = "User" }).ToList());
                return;
        }

        var (repo, rest, moved) = Resolve(p);
        if (repo is null || !Reaches(installation, repo)) { await Answer(ctx, route, installation, 404, NotFound); return; }
        if (moved)
        {
            // A renamed or transferred repository: GitHub points the old name at the id, for whoever may follow.
            ctx.Response.Headers.Location = $"{BaseUrl}api/v3/repositories/{repo.Id}/{string.Join('/', rest)}{ctx.Request.QueryString}".Replace($"{repo.Id}/?", $"{repo.Id}?");
            await Answer(ctx, route, installation, 301, """{"message":"Moved Permanently"}""");
            return;
        }
        switch (route)
        {
            case "reactions":
                await ReactionsAsync(ctx, installation, repo, Kind(rest[0]), long.Parse(rest[2]));
                break;
            case "comment":
                var c = Find(Kind(rest[0]), long.Parse(rest[2]), repo);
                await Answer(ctx, route, installation, c is null ? 404 : 200, c is null ? NotFound : CommentJson(c).ToJsonString());
                break;
            case "review-comments":
                var reviewId = long.Parse(rest[3]);
                var items = _comments.Values.Where(x => x.ReviewId == reviewId && x.RepoId == repo.Id && !x.Deleted).OrderBy(x => x.Id)
                    .Select(x => (JsonNode)CommentJson(x)).ToList();
                await PagedAsync(ctx, route, installation, items);
                break;
            case "repo":
                await Answer(ctx, route, installation, 200, RepoJson(repo).ToJsonString());
                break;
            case "pulls-comments" or "issues-comments" or "pull":
                await SweepRouteAsync(ctx, route, installation, repo, rest);
                break;
            case "pull-commits":
                await PullCommitsAsync(ctx, route, installation, repo, int.Parse(rest[1]));
                break;
            case "commit":
                await CommitAsync(ctx, route, installation, repo, rest[1]);
                break;
            case "collaborators":
                await PagedAsync(ctx, route, installation, repo.Collaborators.Select(u => (JsonNode)new JsonObject
                {
                    ["id"] = u.Id, ["login"] = u.Login, ["type"] = "User", ["role_name"] = u.RoleName ?? "write",
                    ["permissions"] = new JsonObject { ["admin"] = u.RoleName == "admin", ["push"] = true, ["pull"] = true },
                }).ToList());
                break;
            default:
                await Answer(ctx, route, installation, 404, NotFound);
                break;
        }
    }

    /// <summary>A repository in GitHub's full shape (every field @octokit/openapi marks required), as GitHub sends it.</summary>
    private JsonObject RepoJson(FakeRepo r)
    {
        var api = $"{BaseUrl}api/v3/repos/{r.FullName}";
        var json = new JsonObject
        {
            ["id"] = r.Id, ["node_id"] = $"R_{r.Id}", ["name"] = r.FullName.Split('/')[1], ["full_name"] = r.FullName,
            ["private"] = true, ["owner"] = UserJson(r.OwnerId, r.OwnerLogin, r.OwnerType),
            ["html_url"] = $"{BaseUrl}{r.FullName}", ["description"] = null, ["fork"] = false, ["url"] = api,
            ["clone_url"] = $"{BaseUrl}{r.FullName}.git", ["git_url"] = $"git://fake/{r.FullName}.git", ["ssh_url"] = $"git@fake:{r.FullName}.git",
            ["svn_url"] = $"{BaseUrl}{r.FullName}", ["mirror_url"] = null, ["homepage"] = null, ["language"] = "C#",
            ["default_branch"] = "main", ["forks"] = 0, ["forks_count"] = 0, ["stargazers_count"] = 0, ["watchers"] = 0,
            ["watchers_count"] = 0, ["open_issues"] = 0, ["open_issues_count"] = 0, ["size"] = 1, ["license"] = null,
            ["has_issues"] = true, ["has_projects"] = false, ["has_wiki"] = false, ["has_pages"] = false, ["has_downloads"] = true,
            ["has_discussions"] = false, ["archived"] = false, ["disabled"] = false, ["network_count"] = 0, ["subscribers_count"] = 0,
            ["pushed_at"] = "2026-01-01T00:00:00Z", ["created_at"] = "2025-01-01T00:00:00Z", ["updated_at"] = "2026-01-01T00:00:00Z",
        };
        foreach (var name in new[] { "forks", "keys", "collaborators", "teams", "hooks", "issue_events", "events", "assignees", "branches",
                     "tags", "blobs", "git_tags", "git_refs", "trees", "statuses", "languages", "stargazers", "contributors", "subscribers",
                     "subscription", "commits", "git_commits", "comments", "issue_comment", "contents", "compare", "merges", "archive",
                     "downloads", "issues", "pulls", "milestones", "notifications", "labels", "releases", "deployments" })
            json[$"{name}_url"] = $"{api}/{name}";
        return json;
    }

    /// <summary>GitHub's simple-user shape; type is User, Organization or Bot.</summary>
    private JsonObject UserJson(long id, string login, string type)
    {
        var api = $"{BaseUrl}api/v3/users/{Uri.EscapeDataString(login)}";
        var json = new JsonObject
        {
            ["login"] = login, ["id"] = id, ["node_id"] = $"U_{id}", ["type"] = type, ["site_admin"] = false,
            ["avatar_url"] = $"{BaseUrl}avatars/{id}", ["gravatar_id"] = "", ["url"] = api,
            ["html_url"] = $"{BaseUrl}{Uri.EscapeDataString(login)}",
        };
        foreach (var name in new[] { "followers", "following", "gists", "starred", "subscriptions", "organizations", "repos", "events", "received_events" })
            json[$"{name}_url"] = $"{api}/{name}";
        return json;
    }

    private const string NotFound = """{"message":"Not Found"}""";

    private static CommentKind Kind(string segment) => segment == "pulls" ? CommentKind.Inline : CommentKind.Reply;

    private FakeComment? Find(CommentKind kind, long id, FakeRepo? inRepo = null) =>
        _comments.TryGetValue((kind, id), out var c) && !c.Deleted && (inRepo is null || c.RepoId == inRepo.Id) ? c : null;

    private JsonObject CommentJson(FakeComment c) => new()
    {
        ["id"] = c.Id, ["node_id"] = c.NodeId, ["path"] = c.Path, ["line"] = c.Line,
        ["created_at"] = c.CreatedAt.ToString("O"), ["pull_request_review_id"] = c.ReviewId,
        ["body"] = c.Body, ["user"] = UserJson(41898282, "review-bot[bot]", "Bot"),
    };

    private async Task MintAsync(HttpContext ctx, long installationId)
    {
        var auth = ctx.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ") || !ValidJwt(auth[7..]))
        {
            await Answer(ctx, "token", installationId, 401, """{"message":"A JSON web token could not be decoded"}""");
            return;
        }
        if (!Installations.Contains(installationId))
        {
            await Answer(ctx, "token", installationId, 404, NotFound);
            return;
        }
        var token = "ghs_" + Guid.NewGuid().ToString("N");
        var expires = Now() + TokenLifetime;
        _tokens[token] = (installationId, expires);
        await Answer(ctx, "token", installationId, 201, new JsonObject { ["token"] = token, ["expires_at"] = expires.ToString("O") }.ToJsonString());
    }

    /// <summary>Checks the App JWT as GitHub does: RS256 signature by the App key, iss = App id, lifetime ≤ 10 min.</summary>
    private bool ValidJwt(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3) return false;
        var signed = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");
        if (!_appKey.VerifyData(signed, System.Buffers.Text.Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)) return false;
        using var payload = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]));
        var iat = payload.RootElement.GetProperty("iat").GetInt64();
        var exp = payload.RootElement.GetProperty("exp").GetInt64();
        var now = Now().ToUnixTimeSeconds();
        return payload.RootElement.GetProperty("iss").GetString() == AppId.ToString()
               && exp - iat <= 600 && iat <= now && exp > now;
    }


    private async Task ReactionsAsync(HttpContext ctx, long? installation, FakeRepo repo, CommentKind kind, long id)
    {
        var c = Find(kind, id, repo);
        if (c is null) { await Answer(ctx, "reactions", installation, 404, NotFound); return; }
        List<FakeReaction> all;
        lock (c.Reactions) all = [.. c.Reactions];
        var items = all.Select((r, i) => (JsonNode)new JsonObject
        {
            ["id"] = i + 1,
            ["node_id"] = $"REA_{c.Id}_{i + 1}",
            // REST shows a bot as a user of type Bot, and a deleted account as null.
            ["user"] = r.Type == FakeUserType.Ghost ? null : UserJson(r.UserId, r.Login!, r.Type == FakeUserType.Bot ? "Bot" : "User"),
            ["content"] = r.Content,
            ["created_at"] = r.CreatedAt.ToString("O"),
        }).ToList();
        await PagedAsync(ctx, "reactions", installation, items, withEtag: true);
    }

    private async Task PagedAsync(HttpContext ctx, string route, long? installation, List<JsonNode> items, bool withEtag = false,
        Func<JsonArray, int, JsonNode>? wrap = null)
    {
        var perPage = Math.Min(MaxPageSize, int.TryParse(ctx.Request.Query["per_page"], out var pp) ? pp : 30);
        var page = int.TryParse(ctx.Request.Query["page"], out var pg) ? pg : 1;
        var slice = new JsonArray(items.Skip((page - 1) * perPage).Take(perPage).Select(n => n.DeepClone()).ToArray());
        var json = (wrap?.Invoke(slice, items.Count) ?? slice).ToJsonString();
        if (page * perPage < items.Count)
        {
            var query = System.Web.HttpUtility.ParseQueryString(ctx.Request.QueryString.Value ?? "");
            query["page"] = (page + 1).ToString();
            ctx.Response.Headers.Link = $"<{BaseUrl.ToString().TrimEnd('/')}{ctx.Request.Path}?{query}>; rel=\"next\"";
        }
        string? etag = null;
        if (withEtag)
        {
            // GitHub's ETags belong to the token that asked: the same list read with another token has another one.
            var token = ctx.Request.Headers.Authorization.ToString();
            etag = $"W/\"{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json + ctx.Response.Headers.Link + token)))[..16]}\"";
            if (ctx.Request.Headers.IfNoneMatch.ToString() == etag)
            {
                await Answer(ctx, route, installation, 304, null, etag);
                return;
            }
        }
        await Answer(ctx, route, installation, 200, json, etag);
    }

    private async Task GraphQlAsync(HttpContext ctx, long? installation)
    {
        using var doc = await JsonDocument.ParseAsync(ctx.Request.Body);
        var query = doc.RootElement.GetProperty("query").GetString()!;
        _graphQlDocuments.Enqueue(query);
        var vars = doc.RootElement.GetProperty("variables");
        var cost = GraphQlCost.Of(query, vars);
        var (remaining, reset) = Budget(installation!.Value, RateBucket.GraphQl);
        if (remaining < cost)
        {
            // GitHub answers its GraphQL primary rate limit with HTTP 200 and an error of type RATE_LIMITED.
            await Answer(ctx, "graphql", installation, 200, new JsonObject
            {
                ["errors"] = new JsonArray(new JsonObject
                {
                    ["type"] = "RATE_LIMITED", ["code"] = "graphql_rate_limit",
                    ["message"] = $"API rate limit already exceeded for installation ID {installation}.",
                }),
            }.ToJsonString(), cost: 0);
            return;
        }
        var rateLimit = new JsonObject
        {
            ["limit"] = GraphQlRateLimit, ["cost"] = cost, ["remaining"] = remaining - cost, ["resetAt"] = reset.ToString("O"),
        };
        var errors = new JsonArray();
        JsonObject? data;
        List<string> ids;
        if (vars.TryGetProperty("prs", out var prList))
        {
            ids = [.. prList.EnumerateArray().Select(e => e.GetString()!)];
            var nodes = new JsonArray();
            for (var i = 0; i < ids.Count; i++)
            {
                if (ResolvePull(installation, ids[i]) is { } pr)
                {
                    var node = new JsonObject { ["__typename"] = "PullRequest", ["id"] = ids[i], ["reviewThreads"] = ThreadConnection(pr, null) };
                    if (query.Contains("headRefOid")) node["headRefOid"] = HeadOf(pr.RepoId, pr.Number);
                    nodes.Add(node);
                }
                else
                {
                    nodes.Add(null);
                    errors.Add(NotFoundError(ids[i], new JsonArray("nodes", i)));
                }
            }
            data = new JsonObject { ["rateLimit"] = rateLimit, ["nodes"] = nodes };
        }
        else if (vars.TryGetProperty("pr", out var prId))
        {
            ids = [prId.GetString()!];
            var after = vars.TryGetProperty("after", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            JsonNode? node = null;
            if (ResolvePull(installation, ids[0]) is { } pr)
                node = new JsonObject { ["__typename"] = "PullRequest", ["reviewThreads"] = ThreadConnection(pr, after) };
            else errors.Add(NotFoundError(ids[0], new JsonArray("node")));
            data = new JsonObject { ["rateLimit"] = rateLimit, ["node"] = node };
        }
        else if (vars.TryGetProperty("ids", out var idList))
        {
            ids = [.. idList.EnumerateArray().Select(e => e.GetString()!)];
            var nodes = new JsonArray();
            for (var i = 0; i < ids.Count; i++)
            {
                if (Resolve(installation, ids[i]) is { } c) nodes.Add(NodeJson(c, query));
                else
                {
                    nodes.Add(null);
                    errors.Add(NotFoundError(ids[i], new JsonArray("nodes", i)));
                }
            }
            data = new JsonObject { ["rateLimit"] = rateLimit, ["nodes"] = nodes };
        }
        else
        {
            var id = vars.GetProperty("id").GetString()!;
            ids = [id];
            var after = vars.TryGetProperty("after", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            JsonNode? node = null;
            if (Resolve(installation, id) is { } c)
                node = new JsonObject { ["reactions"] = Connection(c, null, after) };
            else errors.Add(NotFoundError(id, new JsonArray("node")));
            data = new JsonObject { ["rateLimit"] = rateLimit, ["node"] = node };
        }
        if (ids.Where(UnattributableFaults.ContainsKey).ToList() is { Count: > 0 } poisoned)
        {
            // GitHub's answer when resolving one node fails inside its service: HTTP 200, one error with no path, and
            // data: null, or the other nodes answered beside a null.
            errors.Add(new JsonObject
            {
                ["message"] = "Something went wrong while executing your query. Please include `8F1C:2A3B:1D4E5F:2B3C4D:6789ABCD` when reporting this issue.",
            });
            if (poisoned.Any(id => !UnattributableFaults[id])) data = null;
            else if (data["nodes"] is JsonArray nodes)
                for (var i = 0; i < ids.Count; i++)
                    if (UnattributableFaults.ContainsKey(ids[i])) nodes[i] = null;
        }
        var answer = new JsonObject { ["data"] = data };
        if (errors.Count > 0) answer["errors"] = errors;
        MutateGraphQl?.Invoke(answer, ids);
        await Answer(ctx, "graphql", installation, 200, answer.ToJsonString(), cost: cost, operation: OperationOf(query));
    }

    private static JsonObject NotFoundError(string id, JsonArray path) => new()
    {
        ["type"] = "NOT_FOUND", ["path"] = path, ["locations"] = new JsonArray(new JsonObject { ["line"] = 1, ["column"] = 1 }),
        ["message"] = $"Could not resolve to a node with the global id of '{id}'",
    };

    /// <summary>A node the installation may see: deleted comments and repositories it doesn't reach are NOT_FOUND.</summary>
    private FakeComment? Resolve(long? installation, string nodeId) =>
        _byNode.TryGetValue(nodeId, out var key) && Find(key.Item1, key.Item2) is { } c && Reaches(installation, _reposById[c.RepoId]) ? c : null;

    /// <summary>A comment node with what the document selects: reactions, signals, text (GitHub answers only what is asked).</summary>
    private JsonObject NodeJson(FakeComment c, string query)
    {
        var node = new JsonObject
        {
            ["__typename"] = c.Kind == CommentKind.Inline ? "PullRequestReviewComment" : "IssueComment",
            ["id"] = c.NodeId,
            // BigInt is serialised as a string.
            ["fullDatabaseId"] = c.Id.ToString(),
            ["repository"] = new JsonObject { ["databaseId"] = c.RepoId },
        };
        if (query.Contains("reactions("))
            node["reactions"] = Connection(c, null, null);
        if (query.Contains("isMinimized"))
        {
            // IssueComment has no outdated and no pull request in the schema.
            if (c.Kind == CommentKind.Inline)
            {
                node["outdated"] = c.Outdated;
                node["pullRequest"] = new JsonObject { ["id"] = PullRequestNodeId(c.RepoId, c.PrNumber) };
            }
            node["isMinimized"] = c.Minimized;
            node["minimizedReason"] = c.MinimizedReason;
        }
        if (query.Contains("body url"))
        {
            node["body"] = c.Body;
            node["url"] = c.HtmlUrl;
        }
        return node;
    }

    /// <summary>A pull request the installation may see (it has a review comment, in a repository it reaches).</summary>
    private (long RepoId, int Number)? ResolvePull(long? installation, string nodeId) =>
        _pulls.TryGetValue(nodeId, out var pr) && Reaches(installation, _reposById[pr.RepoId]) ? pr : null;

    /// <summary>
    /// A page of a pull request's review threads (50 at most, cursor = offset), one per live review comment, in id order.
    /// resolvedBy is a User: null when a bot resolved the thread. A thread's comments: the bot's root, then its replies.
    /// </summary>
    private JsonObject ThreadConnection((long RepoId, int Number) pr, string? after)
    {
        var all = _comments.Values.Where(c => c.Kind == CommentKind.Inline && c.RepoId == pr.RepoId && c.PrNumber == pr.Number && !c.Deleted)
            .OrderBy(c => c.Id).ToList();
        var offset = after is null ? 0 : int.Parse(after);
        var page = all.Skip(offset).Take(Math.Min(GraphQlDocuments.ThreadsPerPage, MaxPageSize)).ToList();
        var end = offset + page.Count;
        return new JsonObject
        {
            ["pageInfo"] = new JsonObject { ["hasNextPage"] = end < all.Count, ["endCursor"] = end.ToString() },
            ["nodes"] = new JsonArray(page.Select(c =>
            {
                List<FakeReply> replies;
                lock (c.Replies) replies = [.. c.Replies];
                var comments = new[] { new FakeReply(c.Id, "review-bot", true) }.Concat(replies).ToList();
                return (JsonNode)new JsonObject
                {
                    ["id"] = $"PRRT_{c.Id}",
                    ["isResolved"] = c.Resolved,
                    ["isOutdated"] = c.Outdated,
                    ["resolvedBy"] = c.Resolved && c.ResolvedBy is { } login ? new JsonObject { ["login"] = login, ["__typename"] = "User" } : null,
                    ["comments"] = new JsonObject
                    {
                        ["totalCount"] = comments.Count,
                        ["nodes"] = new JsonArray(comments.Take(GraphQlDocuments.ThreadComments).Select(r => (JsonNode)new JsonObject
                        {
                            ["fullDatabaseId"] = r.Id.ToString(),
                            ["author"] = new JsonObject { ["login"] = r.IsBot ? $"{r.Login}[bot]" : r.Login, ["__typename"] = r.IsBot ? "Bot" : "User" },
                        }).ToArray()),
                    },
                };
            }).ToArray()),
        };
    }

    /// <summary>A page of 100 at most; the cursor is the offset. Reaction.user is a User: null for bots and deleted accounts.</summary>
    /// <summary>GraphQL's ReactionContent for a REST reaction content ("+1" → THUMBS_UP, "heart" → HEART…).</summary>
    private static string ReactionContentEnum(string content) => content switch
    {
        "+1" => "THUMBS_UP", "-1" => "THUMBS_DOWN",
        "laugh" or "hooray" or "confused" or "heart" or "rocket" or "eyes" => content.ToUpperInvariant(),
        _ => throw new ArgumentException($"not a GitHub reaction content: {content}"),
    };

    /// <summary>A page of a comment's reactions of one REST content, or of every content (null), oldest first.</summary>
    private JsonObject Connection(FakeComment c, string? content, string? after)
    {
        List<FakeReaction> all;
        lock (c.Reactions) all = c.Reactions.Where(r => content is null || r.Content == content).ToList();
        var offset = after is null ? 0 : int.Parse(after);
        var page = all.Skip(offset).Take(Math.Min(100, MaxPageSize)).ToList();
        var end = offset + page.Count;
        return new JsonObject
        {
            ["pageInfo"] = new JsonObject { ["hasNextPage"] = end < all.Count, ["endCursor"] = end.ToString() },
            ["nodes"] = new JsonArray(page.Select(r => (JsonNode)new JsonObject
            {
                ["content"] = ReactionContentEnum(r.Content),
                ["createdAt"] = r.CreatedAt.ToString("O"),
                ["user"] = r.Type == FakeUserType.User ? new JsonObject { ["databaseId"] = r.UserId, ["login"] = r.Login } : null,
            }).ToArray()),
        };
    }

    private async Task OAuthAsync(HttpContext ctx, string route)
    {
        if (route == "oauth-token")
        {
            var form = await ctx.Request.ReadFormAsync();
            if (form["client_secret"] != "oauth-secret" || !OAuthCodes.TryGetValue(form["code"].ToString(), out var who))
            {
                await Answer(ctx, route, null, 200, """{"error":"bad_verification_code"}""");
                return;
            }
            var token = "gho_" + Guid.NewGuid().ToString("N");
            _oauthTokens[token] = who;
            await Answer(ctx, route, null, 200, new JsonObject { ["access_token"] = token, ["token_type"] = "bearer", ["scope"] = "read:user,read:org" }.ToJsonString());
            return;
        }
        var auth = ctx.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ") || !_oauthTokens.TryGetValue(auth[7..], out var user))
        {
            await Answer(ctx, route, null, 401, """{"message":"Bad credentials"}""");
            return;
        }
        if (route == "user")
        {
            await Answer(ctx, route, null, 200, new JsonObject { ["id"] = user.Id, ["login"] = user.Login }.ToJsonString());
            return;
        }
        // /user/orgs pages like GitHub's: per_page (clamped by MaxPageSize), page, and a Link rel="next".
        var orgs = _orgsNow.TryGetValue(user.Login, out var now) ? now : user.Orgs;
        var perPage = Math.Min(int.TryParse(ctx.Request.Query["per_page"], out var pp) ? pp : 30, MaxPageSize);
        var page = int.TryParse(ctx.Request.Query["page"], out var pg) ? pg : 1;
        if (page * perPage < orgs.Length)
            ctx.Response.Headers["Link"] = $"<{ApiUrl}user/orgs?per_page={perPage}&page={page + 1}>; rel=\"next\"";
        await Answer(ctx, route, null, 200, new JsonArray(orgs.Skip((page - 1) * perPage).Take(perPage)
            .Select(o => (JsonNode)new JsonObject { ["login"] = o }).ToArray()).ToJsonString());
    }

    /// <summary>A request as answered: the points it was charged and, for GraphQL, what it asked (<see cref="OperationOf"/>).</summary>
    public sealed record LoggedRequest(string Method, string Path, string Route, int Status, DateTimeOffset At, long? Installation,
        int Points = 0, string? Operation = null);

    /// <summary>A GraphQL document's purpose: "threads" (review threads of pull requests), "reactions_page", or "nodes".</summary>
    public static string OperationOf(string query) =>
        query.Contains("reviewThreads") ? "threads" : query.Contains("node(id:") ? "reactions_page" : "nodes";

    private sealed record Fault(string Route, Func<HttpRequest, bool>? When, int Status, int? RetryAfterSeconds, string? Body, TimeSpan Delay)
    {
        public int Remaining { get; set; }
    }
}

public sealed record FakeComment(long RepoId, CommentKind Kind, long Id, string NodeId, string? Path, int? Line, long? ReviewId,
    int PrNumber, DateTimeOffset CreatedAt)
{
    public List<FakeReaction> Reactions { get; } = [];
    public bool Deleted { get; set; }
    public string Body { get; set; } = "";
    public string HtmlUrl { get; set; } = "";
    public bool Outdated { get; set; }
    public bool Minimized { get; set; }
    public string? MinimizedReason { get; set; }
    /// <summary>Its review thread (inline comments): resolved, by whom (null login = a bot), and the replies after it.</summary>
    public bool Resolved { get; set; }
    public string? ResolvedBy { get; set; }
    public List<FakeReply> Replies { get; } = [];
}

public sealed record FakeReply(long Id, string Login, bool IsBot);

public enum FakeUserType { User, Bot, Ghost }

public sealed record FakeReaction(long UserId, string? Login, string Content, DateTimeOffset CreatedAt, FakeUserType Type);

public sealed class FakeRepo(long id, string fullName)
{
    public long Id { get; } = id;
    public string FullName { get; set; } = fullName;
    public string OwnerType { get; set; } = "Organization";
    public long OwnerId { get; set; } = 1;
    public string OwnerLogin { get; set; } = "";
    /// <summary>Null: every installation reaches it.</summary>
    public HashSet<long>? Installations { get; set; }
    public List<GitHubUser> Collaborators { get; } = [];
}
