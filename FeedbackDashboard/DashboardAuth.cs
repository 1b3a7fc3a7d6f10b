using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Json;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FeedbackDashboard;

/// <summary>
/// Who may open the dashboard: GitHub sign-in (an OAuth app) limited to DASHBOARD_ALLOWED_ORGS, or nobody checks
/// (DASHBOARD_AUTH=none), which is refused on a non-loopback address unless set explicitly.
/// </summary>
public static class DashboardAuth
{
    public const string GitHubScheme = "GitHub";
    public const string Policy = "dashboard";
    private const string DeniedClaim = "fd:denied";

    public static string Mode(FeedbackSettings settings) =>
        settings.DashboardAuth ?? (settings.OAuthClientId is not null ? "github" : "none");

    public static void AddDashboardAuth(this WebApplicationBuilder builder, FeedbackSettings settings)
    {
        // Keys shared by every replica: a cookie issued by one pod is read by the next.
        builder.Services.AddDataProtection().SetApplicationName("FeedbackDashboard");
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new PostgresXmlRepository(sp.GetRequiredService<NpgsqlDataSource>())));

        var mode = Mode(settings);
        switch (mode)
        {
            case "none":
                if (settings.DashboardAuth is null && !ListensOnLoopbackOnly(builder.Configuration))
                {
                    throw new InvalidSettingException(
                        "the dashboard has no sign-in (no GITHUB_OAUTH_CLIENT_ID) and listens beyond loopback; " +
                        "set GITHUB_OAUTH_CLIENT_ID/SECRET, or DASHBOARD_AUTH=none to open it to everyone who can reach it.");
                }
                builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.RequireAssertion(_ => true));
                break;
            case "github":
                if (settings.OAuthClientId is null || settings.OAuthClientSecret is null)
                    throw new InvalidSettingException("DASHBOARD_AUTH=github needs GITHUB_OAUTH_CLIENT_ID and GITHUB_OAUTH_CLIENT_SECRET.");
                AddGitHubSignIn(builder, settings);
                break;
            default:
                throw new InvalidSettingException($"DASHBOARD_AUTH must be 'github' or 'none', not '{mode}'.");
        }
    }

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
                if (settings.AllowedOrgs.Count > 0) o.Scope.Add("read:org");
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
                    return Task.CompletedTask;
                };
                o.Events.OnRemoteFailure = ctx =>
                {
                    ctx.Response.Redirect("/signin-denied?reason=" + Uri.EscapeDataString(ctx.Failure?.Message ?? "sign-in failed"));
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
        if (settings.AllowedOrgs.Count == 0) return;

        using var orgs = await GetJsonAsync(ctx, new Uri(settings.GitHubApiUrl, "user/orgs?per_page=100").ToString());
        var memberOf = orgs.RootElement.EnumerateArray()
            .Select(o => o.GetProperty("login").GetString()?.ToLowerInvariant()).ToHashSet();
        // CreatingTicket cannot refuse; mark the identity and let TicketReceived turn it away.
        if (!settings.AllowedOrgs.Any(memberOf.Contains))
            ctx.Identity?.AddClaim(new Claim(DeniedClaim, $"{ctx.Identity.Name} is not a member of {string.Join(", ", settings.AllowedOrgs)}"));
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
        app.MapGet("/signin", (string? returnUrl) => Results.Challenge(
                new AuthenticationProperties { RedirectUri = returnUrl is { Length: > 0 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//") ? returnUrl : "/" },
                [GitHubScheme]))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/signout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/signin-denied?reason=" + Uri.EscapeDataString("You signed out."));
        }).ExcludeFromDescription();
    }

    /// <summary>True when every ASPNETCORE_URLS address is loopback (the default 127.0.0.1:5000 is).</summary>
    internal static bool ListensOnLoopbackOnly(IConfiguration config)
    {
        var urls = config["ASPNETCORE_URLS"] ?? config["urls"] ?? "http://127.0.0.1:5000";
        return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(u =>
        {
            var host = u.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0");
            if (!Uri.TryCreate(host, UriKind.Absolute, out var uri)) return false;
            return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
        });
    }
}
