using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeedbackDashboard.Core.GitHub;
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
public sealed class FakeGitHub : IAsyncDisposable
{
    public const long AppId = 4242;

    private readonly WebApplication _app;
    private readonly RSA _appKey = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, (long Installation, DateTimeOffset ExpiresAt)> _tokens = new();
    private readonly ConcurrentDictionary<(CommentKind, long), FakeComment> _comments = new();
    private readonly ConcurrentDictionary<string, (CommentKind, long)> _byNode = new();
    private readonly ConcurrentDictionary<string, FakeRepo> _repos = new();
    private readonly ConcurrentDictionary<string, List<GitHubUser>> _orgMembers = new();
    private readonly ConcurrentDictionary<long, int> _rateRemaining = new();
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
    public int RateLimit { get; set; } = 5000;
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
        var comment = new FakeComment(repo.ToLowerInvariant(), kind, id, nodeId ?? NodeIdFor(kind, id), path, line, reviewId, prNumber, Now());
        _comments[(kind, id)] = comment;
        _byNode[comment.NodeId] = (kind, id);
        return comment;
    }

    public static string NodeIdFor(CommentKind kind, long id) => (kind == CommentKind.Inline ? "PRRC_" : "IC_") + id;

    public void React(CommentKind kind, long id, long userId, string content, string? login = null)
    {
        var c = _comments[(kind, id)];
        lock (c.Reactions)
        {
            if (!c.Reactions.Any(r => r.UserId == userId && r.Content == content))
                c.Reactions.Add(new Reaction(userId, login ?? $"user{userId}", content, Now()));
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
        lock (c.Reactions) c.Reactions.Add(new Reaction(userId, $"user{userId}", content, Now()));
    }

    public void DeleteComment(CommentKind kind, long id) => _comments[(kind, id)].Deleted = true;

    public IReadOnlyList<Reaction> ReactionsOf(CommentKind kind, long id)
    {
        var c = _comments[(kind, id)];
        lock (c.Reactions) return c.Reactions.Where(r => r.Content is "+1" or "-1").ToList();
    }

    public FakeRepo AddRepo(string fullName, string ownerType = "Organization", long ownerId = 1, string? ownerLogin = null)
    {
        var repo = new FakeRepo(fullName, ownerType, ownerId, ownerLogin ?? fullName.Split('/')[0]);
        _repos[fullName.ToLowerInvariant()] = repo;
        return repo;
    }

    public void SetOrgMembers(string org, params GitHubUser[] members) => _orgMembers[org.ToLowerInvariant()] = [.. members];

    // ---- Request log and faults ----

    public IReadOnlyList<LoggedRequest> Requests => _log.ToList();
    public int Count(string route) => _log.Count(r => r.Route == route);
    public int CountStatus(int status) => _log.Count(r => r.Status == status);
    /// <summary>Rate-limit points spent: every answered request but 304s and token mints.</summary>
    public int Points => _log.Count(r => r.Status != 304 && r.Route != "token");
    public void ClearLog() => _log.Clear();

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
        if (route != "token")
        {
            var auth = ctx.Request.Headers.Authorization.ToString();
            if (!auth.StartsWith("Bearer ") || !_tokens.TryGetValue(auth[7..], out var t) || t.ExpiresAt <= Now())
            {
                await Answer(ctx, route, null, 401, """{"message":"Bad credentials"}""");
                return;
            }
            installation = t.Installation;
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

    private async Task Answer(HttpContext ctx, string route, long? installation, int status, string? json, string? etag = null)
    {
        ctx.Response.StatusCode = status;
        if (installation is { } inst)
        {
            var remaining = status == 304 ? _rateRemaining.GetOrAdd(inst, RateLimit)
                : _rateRemaining.AddOrUpdate(inst, RateLimit - 1, (_, r) => Math.Max(0, r - 1));
            ctx.Response.Headers["X-RateLimit-Remaining"] = remaining.ToString();
            ctx.Response.Headers["X-RateLimit-Reset"] = (Now() + TimeSpan.FromHours(1)).ToUnixTimeSeconds().ToString();
        }
        if (etag is not null) ctx.Response.Headers.ETag = etag;
        _log.Enqueue(new LoggedRequest(ctx.Request.Method, ctx.Request.Path + ctx.Request.QueryString, route, status, DateTimeOffset.UtcNow, installation));
        if (json is not null && status != 304)
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(json);
        }
    }

    private static string RouteName(string path, string method)
    {
        var p = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return p switch
        {
            ["api", "graphql"] => "graphql",
            ["login", "oauth", "access_token"] => "oauth-token",
            ["api", "v3", "user"] => "user",
            ["api", "v3", "user", "orgs"] => "user-orgs",
            ["api", "v3", "app", "installations", _, "access_tokens"] => "token",
            ["api", "v3", "repos", _, _, _, "comments", _, "reactions"] => "reactions",
            ["api", "v3", "repos", _, _, "pulls" or "issues", "comments", _] => "comment",
            ["api", "v3", "repos", _, _, "pulls", _, "reviews", _, "comments"] => "review-comments",
            ["api", "v3", "repos", _, _, "collaborators"] => "collaborators",
            ["api", "v3", "repos", _, _] => "repo",
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
                break;
            case "reactions":
                await ReactionsAsync(ctx, installation, Kind(p[5]), long.Parse(p[7]));
                break;
            case "comment":
                var c = Find(Kind(p[5]), long.Parse(p[7]));
                await Answer(ctx, route, installation, c is null ? 404 : 200, c is null ? NotFound : CommentJson(c).ToJsonString());
                break;
            case "review-comments":
                var reviewId = long.Parse(p[8]);
                var items = _comments.Values.Where(x => x.ReviewId == reviewId && !x.Deleted).OrderBy(x => x.Id)
                    .Select(x => (JsonNode)CommentJson(x)).ToList();
                await PagedAsync(ctx, route, installation, items);
                break;
            case "repo":
                if (!_repos.TryGetValue($"{p[3]}/{p[4]}".ToLowerInvariant(), out var repo)) { await Answer(ctx, route, installation, 404, NotFound); break; }
                await Answer(ctx, route, installation, 200, new JsonObject
                {
                    ["full_name"] = repo.FullName,
                    ["owner"] = new JsonObject { ["id"] = repo.OwnerId, ["login"] = repo.OwnerLogin, ["type"] = repo.OwnerType },
                }.ToJsonString());
                break;
            case "collaborators":
                if (!_repos.TryGetValue($"{p[3]}/{p[4]}".ToLowerInvariant(), out var r2)) { await Answer(ctx, route, installation, 404, NotFound); break; }
                await PagedAsync(ctx, route, installation, r2.Collaborators.Select(u => (JsonNode)new JsonObject
                {
                    ["id"] = u.Id, ["login"] = u.Login, ["role_name"] = u.RoleName ?? "write",
                    ["permissions"] = new JsonObject { ["admin"] = u.RoleName == "admin", ["push"] = true, ["pull"] = true },
                }).ToList());
                break;
            case "members":
                if (!_orgMembers.TryGetValue(p[3].ToLowerInvariant(), out var members)) { await Answer(ctx, route, installation, 404, NotFound); break; }
                await PagedAsync(ctx, route, installation, members.Select(u => (JsonNode)new JsonObject { ["id"] = u.Id, ["login"] = u.Login }).ToList());
                break;
            case "graphql":
                await GraphQlAsync(ctx, installation);
                break;
            default:
                await Answer(ctx, route, installation, 404, NotFound);
                break;
        }
    }

    private const string NotFound = """{"message":"Not Found"}""";

    private static CommentKind Kind(string segment) => segment == "pulls" ? CommentKind.Inline : CommentKind.Reply;

    private FakeComment? Find(CommentKind kind, long id) => _comments.TryGetValue((kind, id), out var c) && !c.Deleted ? c : null;

    private static JsonObject CommentJson(FakeComment c) => new()
    {
        ["id"] = c.Id, ["node_id"] = c.NodeId, ["path"] = c.Path, ["line"] = c.Line,
        ["created_at"] = c.CreatedAt.ToString("O"), ["pull_request_review_id"] = c.ReviewId,
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
        if (!_appKey.VerifyData(signed, FromBase64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)) return false;
        using var payload = JsonDocument.Parse(FromBase64Url(parts[1]));
        var iat = payload.RootElement.GetProperty("iat").GetInt64();
        var exp = payload.RootElement.GetProperty("exp").GetInt64();
        var now = Now().ToUnixTimeSeconds();
        return payload.RootElement.GetProperty("iss").GetString() == AppId.ToString()
               && exp - iat <= 600 && iat <= now && exp > now;
    }

    private static byte[] FromBase64Url(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }

    private async Task ReactionsAsync(HttpContext ctx, long? installation, CommentKind kind, long id)
    {
        var c = Find(kind, id);
        if (c is null) { await Answer(ctx, "reactions", installation, 404, NotFound); return; }
        List<Reaction> all;
        lock (c.Reactions) all = [.. c.Reactions];
        var items = all.Select((r, i) => (JsonNode)new JsonObject
        {
            ["id"] = i + 1,
            ["user"] = new JsonObject { ["id"] = r.UserId, ["login"] = r.Login },
            ["content"] = r.Content,
            ["created_at"] = r.CreatedAt.ToString("O"),
        }).ToList();
        await PagedAsync(ctx, "reactions", installation, items, withEtag: true);
    }

    private async Task PagedAsync(HttpContext ctx, string route, long? installation, List<JsonNode> items, bool withEtag = false)
    {
        var perPage = Math.Min(MaxPageSize, int.TryParse(ctx.Request.Query["per_page"], out var pp) ? pp : 30);
        var page = int.TryParse(ctx.Request.Query["page"], out var pg) ? pg : 1;
        var slice = new JsonArray(items.Skip((page - 1) * perPage).Take(perPage).Select(n => n.DeepClone()).ToArray());
        var json = slice.ToJsonString();
        if (page * perPage < items.Count)
        {
            var query = System.Web.HttpUtility.ParseQueryString(ctx.Request.QueryString.Value ?? "");
            query["page"] = (page + 1).ToString();
            ctx.Response.Headers.Link = $"<{BaseUrl.ToString().TrimEnd('/')}{ctx.Request.Path}?{query}>; rel=\"next\"";
        }
        string? etag = null;
        if (withEtag)
        {
            etag = $"W/\"{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json + ctx.Response.Headers.Link)))[..16]}\"";
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
        var vars = doc.RootElement.GetProperty("variables");
        var rateLimit = new JsonObject { ["cost"] = 1, ["remaining"] = RateLimit };
        if (vars.TryGetProperty("ids", out var ids))
        {
            var nodes = new JsonArray();
            var errors = new JsonArray();
            var i = 0;
            foreach (var id in ids.EnumerateArray().Select(e => e.GetString()!))
            {
                if (_byNode.TryGetValue(id, out var key) && Find(key.Item1, key.Item2) is { } c)
                {
                    nodes.Add(NodeJson(c));
                }
                else
                {
                    nodes.Add(null);
                    errors.Add(new JsonObject
                    {
                        ["type"] = "NOT_FOUND", ["path"] = new JsonArray("nodes", i),
                        ["message"] = $"Could not resolve to a node with the global id of '{id}'",
                    });
                }
                i++;
            }
            var answer = new JsonObject { ["data"] = new JsonObject { ["rateLimit"] = rateLimit, ["nodes"] = nodes } };
            if (errors.Count > 0) answer["errors"] = errors;
            await Answer(ctx, "graphql", installation, 200, answer.ToJsonString());
        }
        else
        {
            var id = vars.GetProperty("id").GetString()!;
            var contentEnum = vars.GetProperty("content").GetString()!;
            var after = vars.TryGetProperty("after", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            JsonNode? node = null;
            if (_byNode.TryGetValue(id, out var key) && Find(key.Item1, key.Item2) is { } c)
            {
                var content = contentEnum == "THUMBS_UP" ? "+1" : "-1";
                node = new JsonObject { ["reactions"] = Connection(c, content, after) };
            }
            await Answer(ctx, "graphql", installation, 200,
                new JsonObject { ["data"] = new JsonObject { ["rateLimit"] = rateLimit, ["node"] = node } }.ToJsonString());
        }
    }

    private JsonObject NodeJson(FakeComment c)
    {
        var node = new JsonObject
        {
            ["__typename"] = c.Kind == CommentKind.Inline ? "PullRequestReviewComment" : "IssueComment",
            ["id"] = c.NodeId,
        };
        node["up"] = Connection(c, "+1", null);
        node["down"] = Connection(c, "-1", null);
        return node;
    }

    /// <summary>A page of 100 at most; the cursor is the offset.</summary>
    private JsonObject Connection(FakeComment c, string content, string? after)
    {
        List<Reaction> all;
        lock (c.Reactions) all = c.Reactions.Where(r => r.Content == content).ToList();
        var offset = after is null ? 0 : int.Parse(after);
        var page = all.Skip(offset).Take(Math.Min(100, MaxPageSize)).ToList();
        var end = offset + page.Count;
        return new JsonObject
        {
            ["pageInfo"] = new JsonObject { ["hasNextPage"] = end < all.Count, ["endCursor"] = end.ToString() },
            ["nodes"] = new JsonArray(page.Select(r => (JsonNode)new JsonObject
            {
                ["createdAt"] = r.CreatedAt.ToString("O"),
                ["user"] = new JsonObject { ["databaseId"] = r.UserId, ["login"] = r.Login },
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

    public sealed record LoggedRequest(string Method, string Path, string Route, int Status, DateTimeOffset At, long? Installation);

    private sealed record Fault(string Route, Func<HttpRequest, bool>? When, int Status, int? RetryAfterSeconds, string? Body, TimeSpan Delay)
    {
        public int Remaining { get; set; }
    }
}

public sealed record FakeComment(string Repo, CommentKind Kind, long Id, string NodeId, string? Path, int? Line, long? ReviewId,
    int PrNumber, DateTimeOffset CreatedAt)
{
    public List<Reaction> Reactions { get; } = [];
    public bool Deleted { get; set; }
}

public sealed record FakeRepo(string FullName, string OwnerType, long OwnerId, string OwnerLogin)
{
    public List<GitHubUser> Collaborators { get; } = [];
}
