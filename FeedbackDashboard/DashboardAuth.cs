using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Json;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Data;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FeedbackDashboard;

/// <summary>
/// Who may open the dashboard: GitHub sign-in (an OAuth app) limited to DASHBOARD_ALLOWED_ORGS and re-checked every
/// DASHBOARD_RECHECK_SECS, or nobody checks (DASHBOARD_AUTH=none), which is refused on a non-loopback address unless
/// set explicitly.
/// </summary>
public static class DashboardAuth
{
    public const string GitHubScheme = "GitHub";
    public const string Policy = "dashboard";
    private const string DeniedClaim = "fd:denied";
    private const string CheckedAtItem = "fd.checked_at";

    public static string Mode(FeedbackSettings settings) =>
        settings.DashboardAuth ?? (settings.OAuthClientId is not null ? "github" : "none");

    public static void AddDashboardAuth(this WebApplicationBuilder builder, FeedbackSettings settings)
    {
        // Keys shared by every replica: a cookie issued by one pod is read by the next.
        builder.Services.AddDataProtection().SetApplicationName("FeedbackDashboard");
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new PostgresXmlRepository(sp.GetRequiredService<NpgsqlDataSource>())));

        var mode = Mode(settings);
        builder.Services.AddSingleton(new DashboardExposure(mode, ListensOnLoopbackOnly(builder.Configuration)));
        builder.Services.AddHostedService<ExposureCheck>();
        builder.Services.AddCascadingAuthenticationState();
        switch (mode)
        {
            case "none":
                if (settings.DashboardAuth is null && !ListensOnLoopbackOnly(builder.Configuration)) throw OpenBeyondLoopback();
                builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.RequireAssertion(_ => true));
                break;
            case "github":
                if (settings.OAuthClientId is null || settings.OAuthClientSecret is null)
                    throw new InvalidSettingException("DASHBOARD_AUTH=github needs GITHUB_OAUTH_CLIENT_ID and GITHUB_OAUTH_CLIENT_SECRET.");
                // An empty list used to admit every GitHub account; now it is a setup error.
                if (settings.AllowedOrgs.Count == 0)
                    throw new InvalidSettingException(
                        "GitHub sign-in needs DASHBOARD_ALLOWED_ORGS: set it to the comma list of GitHub organisations whose members may open the dashboard.");
                builder.Services.AddSingleton<GitHubMembership>();
                // The framework's revalidating provider re-checks open circuits; it must replace the default one.
                builder.Services.AddScoped<AuthenticationStateProvider, MembershipRevalidator>();
                AddGitHubSignIn(builder, settings);
                break;
            default:
                throw new InvalidSettingException($"DASHBOARD_AUTH must be 'github' or 'none', not '{mode}'.");
        }
    }

    internal static InvalidSettingException OpenBeyondLoopback() => new(
        "the dashboard has no sign-in (no GITHUB_OAUTH_CLIENT_ID) and listens beyond loopback; " +
        "set GITHUB_OAUTH_CLIENT_ID/SECRET, or DASHBOARD_AUTH=none to open it to everyone who can reach it.");

    private static void AddGitHubSignIn(WebApplicationBuilder builder, FeedbackSettings settings)
    {
        builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = GitHubScheme;
            })
            .AddCookie(o =>
            {
                o.Cookie.Name = "fd_session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                o.AccessDeniedPath = "/signin-denied";
                o.LoginPath = "/signin";
                o.Events.OnValidatePrincipal = ctx => RecheckMembershipAsync(ctx, settings);
            })
            .AddOAuth(GitHubScheme, o =>
            {
                o.ClientId = settings.OAuthClientId!;
                o.ClientSecret = settings.OAuthClientSecret!;
                o.CallbackPath = "/signin-github";
                o.AuthorizationEndpoint = $"{settings.GitHubWebUrl}/login/oauth/authorize";
                o.TokenEndpoint = $"{settings.GitHubWebUrl}/login/oauth/access_token";
                o.UserInformationEndpoint = new Uri(settings.GitHubApiUrl, "user").ToString();
                o.Scope.Add("read:user");
                o.Scope.Add("read:org");
                o.ClaimActions.MapJsonKey(ClaimTypes.NameIdentifier, "id");
                o.ClaimActions.MapJsonKey(ClaimTypes.Name, "login");
                o.Events.OnCreatingTicket = ctx => OnCreatingTicketAsync(ctx, settings);
                o.Events.OnTicketReceived = ctx =>
                {
                    // Not signed in: answered here, before the cookie is written.
                    if (ctx.Principal?.FindFirst(DeniedClaim) is { } denied)
                    {
                        ctx.Response.Redirect("/signin-denied?reason=" + Uri.EscapeDataString(denied.Value));
                        ctx.HandleResponse();
                    }
                    else if (ctx.Properties is { } props)
                    {
                        props.Items[CheckedAtItem] = ctx.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToString("O");
                    }
                    return Task.CompletedTask;
                };
                o.Events.OnRemoteFailure = ctx =>
                {
                    // The failure text can carry internals (GitHub's answers, hosts): it goes to the log, not the page.
                    ctx.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DashboardAuth))
                        .LogWarning(ctx.Failure, "GitHub sign-in failed");
                    ctx.Response.Redirect("/signin-denied?reason=" + Uri.EscapeDataString("Sign-in with GitHub failed; try again."));
                    ctx.HandleResponse();
                    return Task.CompletedTask;
                };
            });
        // No schemes named: the cookie authenticates (default scheme), GitHub challenges (default challenge).
        builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.RequireAuthenticatedUser());
    }

    private static async Task OnCreatingTicketAsync(Microsoft.AspNetCore.Authentication.OAuth.OAuthCreatingTicketContext ctx, FeedbackSettings settings)
    {
        using var user = await GetJsonAsync(ctx, ctx.Options.UserInformationEndpoint);
        ctx.RunClaimActions(user.RootElement);
        // Kept in the encrypted cookie so the cookie and open circuits can ask GitHub again later.
        ctx.Identity?.AddClaim(new Claim(GitHubMembership.TokenClaim, ctx.AccessToken ?? ""));

        var membership = await ctx.HttpContext.RequestServices.GetRequiredService<GitHubMembership>()
            .CheckAsync(ctx.AccessToken, ctx.HttpContext.RequestAborted);
        // CreatingTicket cannot refuse; mark the identity and let TicketReceived turn it away.
        var refusal = membership switch
        {
            Membership.Member => null,
            Membership.Unknown => "GitHub did not say which organisations you belong to; try again in a minute.",
            _ => $"{ctx.Identity?.Name} is not a member of {string.Join(", ", settings.AllowedOrgs)}",
        };
        if (refusal is not null) ctx.Identity?.AddClaim(new Claim(DeniedClaim, refusal));
    }

    /// <summary>
    /// Every DASHBOARD_RECHECK_SECS a presented cookie is checked against GitHub again: a removed member (or a revoked
    /// token) is signed out. If GitHub cannot answer, the session lives on for one more interval, then it is refused.
    /// </summary>
    private static async Task RecheckMembershipAsync(CookieValidatePrincipalContext ctx, FeedbackSettings settings)
    {
        var now = ctx.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var checkedAt = ctx.Properties.Items.TryGetValue(CheckedAtItem, out var raw) && DateTimeOffset.TryParse(raw, out var at)
            ? at : DateTimeOffset.MinValue;
        if (now - checkedAt < settings.MembershipRecheck) return;

        var membership = await ctx.HttpContext.RequestServices.GetRequiredService<GitHubMembership>()
            .CheckAsync(ctx.Principal?.FindFirstValue(GitHubMembership.TokenClaim), ctx.HttpContext.RequestAborted);
        if (membership == Membership.Member)
        {
            ctx.Properties.Items[CheckedAtItem] = now.ToString("O");
            ctx.ShouldRenew = true;
            return;
        }
        if (membership == Membership.Unknown && now - checkedAt < 2 * settings.MembershipRecheck) return;
        ctx.RejectPrincipal();
        await ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    private static async Task<JsonDocument> GetJsonAsync(Microsoft.AspNetCore.Authentication.OAuth.OAuthCreatingTicketContext ctx, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ctx.AccessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("FeedbackDashboard", "1.0"));
        using var response = await ctx.Backchannel.SendAsync(request, ctx.HttpContext.RequestAborted);
        response.EnsureSuccessStatusCode();
        return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ctx.HttpContext.RequestAborted));
    }

    /// <summary>The sign-in endpoints (GitHub mode) and the page that explains a refusal.</summary>
    public static void MapDashboardAuth(this WebApplication app, FeedbackSettings settings)
    {
        app.MapGet("/signin-denied", (string? reason) => Results.Content(
            $"<!doctype html><meta charset=utf-8><title>Sign-in refused</title><body style='font-family:sans-serif;padding:2em'>" +
            $"<h1>Sign-in refused</h1><p>{WebUtility.HtmlEncode(reason ?? "You may not open this dashboard.")}</p><p><a href='/signin'>Try again</a></p>",
            "text/html")).AllowAnonymous().ExcludeFromDescription();
        if (Mode(settings) != "github") return;
        // The framework's local-URL rule (it refuses "//host" and "/\\host", which browsers read as another site).
        app.MapGet("/signin", (string? returnUrl) => Results.Challenge(
                new AuthenticationProperties { RedirectUri = RedirectHttpResult.IsLocalUrl(returnUrl) ? returnUrl : "/" },
                [GitHubScheme]))
            .AllowAnonymous().ExcludeFromDescription();
        // A form post from the layout carrying the antiforgery token: another site cannot sign people out.
        app.MapPost("/signout", async (HttpContext http, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http))
                return Results.Problem(detail: "the sign-out form's antiforgery token is missing or wrong", statusCode: 400, title: "Bad request");
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/signin-denied?reason=" + Uri.EscapeDataString("You signed out."));
        }).AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>
    /// True when every address the configuration tells Kestrel to listen on is loopback: ASPNETCORE_URLS / urls,
    /// ASPNETCORE_HTTP_PORTS / HTTPS_PORTS (which listen on every interface) and Kestrel:Endpoints. The addresses
    /// Kestrel actually bound are checked again after start (<see cref="ExposureCheck"/>).
    /// </summary>
    internal static bool ListensOnLoopbackOnly(IConfiguration config)
    {
        var endpoints = config.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>().ToList();
        if (endpoints.Count > 0) return endpoints.All(IsLoopbackUrl);
        var urls = NullIfBlank(config["urls"]) ?? NullIfBlank(config["ASPNETCORE_URLS"]);
        if (urls is not null) return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(IsLoopbackUrl);
        string[] portKeys = ["http_ports", "https_ports", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_HTTP_PORTS", "DOTNET_HTTPS_PORTS"];
        if (portKeys.Any(k => !string.IsNullOrWhiteSpace(config[k]))) return false;
        return true; // Hosting.DefaultUrl
    }

    private static string? NullIfBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    /// <summary>Whether the configuration names an address at all (else Hosting listens on Hosting.DefaultUrl).</summary>
    internal static bool NamesAnAddress(IConfiguration config) =>
        new[] { "urls", "ASPNETCORE_URLS", "http_ports", "https_ports", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_HTTP_PORTS", "DOTNET_HTTPS_PORTS" }
            .Any(k => !string.IsNullOrWhiteSpace(config[k]))
        || config.GetSection("Kestrel:Endpoints").GetChildren().Any();

    internal static bool IsLoopbackUrl(string url)
    {
        var host = url.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0");
        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri)) return false;
        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }
}

/// <summary>How the dashboard is exposed: whether it has no sign-in and listens on loopback only (./run.sh).</summary>
public sealed class DashboardExposure(string mode, bool loopbackOnly)
{
    public string Mode { get; } = mode;
    public bool LoopbackOnly { get; internal set; } = loopbackOnly;

    /// <summary>Demo data may be loaded from the pages only where nobody else can see the dashboard.</summary>
    public bool DemoAllowed => Mode == "none" && LoopbackOnly;
}

/// <summary>
/// After Kestrel has bound, checks the addresses it really listens on (whatever told it: URLS, ports, Kestrel
/// endpoints, code) and refuses to run without sign-in beyond loopback unless DASHBOARD_AUTH=none says so.
/// </summary>
internal sealed class ExposureCheck(IServiceProvider services, DashboardExposure exposure, FeedbackSettings settings) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken ct)
    {
        // In-memory test servers bind nothing; the configuration check made at build time stands for them.
        var addresses = services.GetService<Microsoft.AspNetCore.Hosting.Server.IServer>()?.Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses;
        if (addresses is null || addresses.Count == 0) return Task.CompletedTask;
        exposure.LoopbackOnly = addresses.All(DashboardAuth.IsLoopbackUrl);
        if (exposure.Mode == "none" && settings.DashboardAuth is null && !exposure.LoopbackOnly)
            throw DashboardAuth.OpenBeyondLoopback();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StartingAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;
}
