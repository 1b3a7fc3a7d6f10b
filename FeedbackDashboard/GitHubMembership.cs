using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Json;
using FeedbackDashboard.Core;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace FeedbackDashboard;

public enum Membership { Member, NotMember, TokenRevoked, Unknown }

/// <summary>
/// Asks GitHub, with the person's own OAuth token, whether they still belong to one of DASHBOARD_ALLOWED_ORGS.
/// Used at sign-in, when a cookie is presented, and by open circuits, so the three agree.
/// </summary>
public sealed class GitHubMembership(FeedbackSettings settings, ILogger<GitHubMembership> log)
{
    /// <summary>The person's OAuth token, kept in the (data-protected) cookie so membership can be re-checked.</summary>
    public const string TokenClaim = "fd:github_token";
    // Someone in more than 100 × 20 organisations is not worth another request; they are refused, not admitted.
    private const int MaxPages = 20;

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task<Membership> CheckAsync(string? token, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(token)) return Membership.TokenRevoked;
        var next = new Uri(settings.GitHubApiUrl, "user/orgs?per_page=100");
        try
        {
            for (var page = 0; page < MaxPages && next is not null; page++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, next);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
                request.Headers.UserAgent.Add(new ProductInfoHeaderValue("FeedbackDashboard", "1.0"));
                using var response = await _http.SendAsync(request, ct);
                if (response.StatusCode == HttpStatusCode.Unauthorized) return Membership.TokenRevoked;
                if (!response.IsSuccessStatusCode)
                {
                    log.LogWarning("GitHub answered {Status} to the organisation membership check", (int)response.StatusCode);
                    return Membership.Unknown;
                }
                using var orgs = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
                if (orgs.RootElement.EnumerateArray().Any(o =>
                        o.TryGetProperty("login", out var login) && settings.AllowedOrgs.Contains(login.GetString()?.ToLowerInvariant() ?? "")))
                    return Membership.Member;
                next = NextPage(response);
            }
            return Membership.NotMember;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or InvalidOperationException
                                       || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            log.LogWarning(e, "Could not read organisation membership from GitHub");
            return Membership.Unknown;
        }
    }

    /// <summary>The Link header's rel="next", followed only on GitHub's own API host (the token goes with it).</summary>
    private Uri? NextPage(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links)) return null;
        foreach (var part in string.Join(",", links).Split(','))
        {
            var pieces = part.Split(';', StringSplitOptions.TrimEntries);
            if (pieces.Length < 2 || !pieces.Skip(1).Contains("rel=\"next\"")) continue;
            if (Uri.TryCreate(pieces[0].Trim('<', '>'), UriKind.Absolute, out var uri)
                && uri.Scheme == settings.GitHubApiUrl.Scheme && uri.Authority == settings.GitHubApiUrl.Authority)
                return uri;
        }
        return null;
    }
}

/// <summary>
/// The framework's revalidating provider for open circuits: every DASHBOARD_RECHECK_SECS it asks GitHub again, and a
/// person no longer in an allowed organisation (or whose token was revoked) becomes anonymous on the open page.
/// A GitHub outage does not drop open pages; the next page load re-checks through the cookie.
/// </summary>
public sealed class MembershipRevalidator(ILoggerFactory logs, FeedbackSettings settings, GitHubMembership membership)
    : RevalidatingServerAuthenticationStateProvider(logs)
{
    protected override TimeSpan RevalidationInterval => settings.MembershipRecheck;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct)
    {
        if (state.User.Identity?.IsAuthenticated != true) return true;
        return await membership.CheckAsync(state.User.FindFirstValue(GitHubMembership.TokenClaim), ct) is Membership.Member or Membership.Unknown;
    }
}
