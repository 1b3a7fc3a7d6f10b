using System.Net;
using System.Security.Claims;
using System.Text.RegularExpressions;
using System.Web;
using FeedbackDashboard.Core;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackDashboard.Tests.Api;

public sealed class DashboardAuthTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{

    [Fact]
    public async Task GitHub_sign_in_admits_members_of_an_allowed_org_and_refuses_others()
    {
        await using var fake = await FakeGitHub.StartAsync();
        fake.OAuthCodes["good"] = (1, "mona", ["Acme", "other"]);
        fake.OAuthCodes["outsider"] = (2, "eve", ["elsewhere"]);
        await using var app = new AppFactory(db.ConnectionString, new Dictionary<string, string?>
        {
            ["GITHUB_OAUTH_CLIENT_ID"] = "oauth-client",
            ["GITHUB_OAUTH_CLIENT_SECRET"] = "oauth-secret",
            ["DASHBOARD_ALLOWED_ORGS"] = "acme",
            ["GITHUB_API_URL"] = fake.ApiUrl.ToString(),
        });

        var (member, memberLanding) = await SignInAsync(app, fake, "good");
        Assert.Equal("/", memberLanding);
        var home = await member.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("Overview", await home.Content.ReadAsStringAsync(Ct));

        var (_, outsiderLanding) = await SignInAsync(app, fake, "outsider");
        Assert.StartsWith("/signin-denied", outsiderLanding);
        Assert.Contains("not a member", HttpUtility.UrlDecode(outsiderLanding));

        // The API stays on API keys, and health stays open.
        using var anonymous = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/tasks", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz", Ct)).StatusCode);
    }

    private static AppFactory GitHubApp(PostgresDatabase db, FakeGitHub fake, TimeProvider? time = null) =>
        new(db.ConnectionString, new Dictionary<string, string?>
        {
            ["GITHUB_OAUTH_CLIENT_ID"] = "oauth-client",
            ["GITHUB_OAUTH_CLIENT_SECRET"] = "oauth-secret",
            ["DASHBOARD_ALLOWED_ORGS"] = "acme",
            ["GITHUB_API_URL"] = fake.ApiUrl.ToString(),
        }, s =>
        {
            if (time is not null) s.AddSingleton(time);
        });

    [Fact]
    public async Task GitHub_sign_in_refuses_to_start_without_allowed_orgs()
    {
        var line = await RefusedStartAsync(new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["GITHUB_OAUTH_CLIENT_ID"] = "id",
            ["GITHUB_OAUTH_CLIENT_SECRET"] = "secret",
            ["DASHBOARD_ALLOWED_ORGS"] = " , ",
        });
        Assert.Contains("DASHBOARD_ALLOWED_ORGS", line);
    }

    /// <summary>Starts the app with these variables, expects it to refuse, and returns its one stderr line.</summary>
    private async Task<string> RefusedStartAsync(Dictionary<string, string> environment)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "FeedbackDashboard.dll")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment = { ["DATABASE_URL"] = db.ConnectionString },
        };
        psi.Environment.Remove("ASPNETCORE_URLS");
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stderr = await p.StandardError.ReadToEndAsync(Ct);
        await p.WaitForExitAsync(Ct);
        Assert.NotEqual(0, p.ExitCode);
        return Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Every_page_of_the_users_organisations_is_read()
    {
        await using var fake = await FakeGitHub.StartAsync();
        fake.MaxPageSize = 2;
        fake.OAuthCodes["deep"] = (3, "deep", ["a", "b", "c", "d", "Acme"]);
        fake.OAuthCodes["none"] = (4, "none", ["a", "b", "c", "d", "e"]);
        await using var app = GitHubApp(db, fake);

        var (client, landing) = await SignInAsync(app, fake, "deep");
        Assert.Equal("/", landing);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/", Ct)).StatusCode);
        Assert.Contains(fake.Requests, r => r.Route == "user-orgs" && r.Path.Contains("page=3"));
        Assert.StartsWith("/signin-denied", (await SignInAsync(app, fake, "none")).Landing);
    }

    [Fact]
    public async Task Membership_is_rechecked_for_cookies_and_a_removed_member_is_signed_out()
    {
        await using var fake = await FakeGitHub.StartAsync();
        fake.OAuthCodes["leaver"] = (1, "leaver", ["acme"]);
        fake.OAuthCodes["stayer"] = (2, "stayer", ["acme"]);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = GitHubApp(db, fake, time);
        var (leaver, _) = await SignInAsync(app, fake, "leaver");
        var (stayer, _) = await SignInAsync(app, fake, "stayer");
        Assert.Equal(HttpStatusCode.OK, (await leaver.GetAsync("/", Ct)).StatusCode);

        fake.SetOrgs("leaver", "elsewhere");
        time.Advance(TimeSpan.FromMinutes(5)); // within DASHBOARD_RECHECK_SECS (600): not asked yet
        Assert.Equal(HttpStatusCode.OK, (await leaver.GetAsync("/", Ct)).StatusCode);

        time.Advance(TimeSpan.FromMinutes(6));
        var refused = await leaver.GetAsync("/runs", Ct);
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.StartsWith(new Uri(fake.BaseUrl, "login/oauth/authorize").ToString(), refused.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Redirect, (await leaver.GetAsync("/", Ct)).StatusCode); // the cookie is gone for good
        Assert.Equal(HttpStatusCode.OK, (await stayer.GetAsync("/", Ct)).StatusCode);
    }

    [Fact]
    public async Task Open_circuits_are_revalidated_and_a_removed_member_becomes_anonymous()
    {
        await using var fake = await FakeGitHub.StartAsync();
        fake.OAuthCodes["circuit"] = (5, "circuit", ["acme"]);
        fake.OAuthCodes["kept"] = (6, "kept", ["acme"]);
        var settings = new FeedbackSettings { AllowedOrgs = ["acme"], GitHubApiUrl = fake.ApiUrl, MembershipRecheck = TimeSpan.FromMilliseconds(300) };
        var membership = new GitHubMembership(settings, NullLogger<GitHubMembership>.Instance);

        async Task<(MembershipRevalidator Provider, TaskCompletionSource<bool> Anonymous)> CircuitAsync(string code)
        {
            using var http = new HttpClient();
            var token = await http.PostAsync(new Uri(fake.BaseUrl, "login/oauth/access_token"), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["client_secret"] = "oauth-secret",
                ["code"] = code,
            }), Ct);
            var accessToken = (await token.JsonAsync()).GetProperty("access_token").GetString()!;
            var provider = new MembershipRevalidator(NullLoggerFactory.Instance, settings, membership);
            var anonymous = new TaskCompletionSource<bool>();
            provider.AuthenticationStateChanged += async state =>
            {
                if ((await state).User.Identity?.IsAuthenticated != true) anonymous.TrySetResult(true);
            };
            var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, code), new Claim(GitHubMembership.TokenClaim, accessToken)], "test"));
            provider.SetAuthenticationState(Task.FromResult(new AuthenticationState(user)));
            return (provider, anonymous);
        }

        var (removed, removedAnonymous) = await CircuitAsync("circuit");
        var (kept, keptAnonymous) = await CircuitAsync("kept");
        using (removed)
        using (kept)
        {
            fake.SetOrgs("circuit", "elsewhere");
            await removedAnonymous.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
            await Task.Delay(1000, Ct); // several more intervals
            Assert.False(keptAnonymous.Task.IsCompleted);
            Assert.True((await kept.GetAuthenticationStateAsync()).User.Identity?.IsAuthenticated);
        }
    }

    [Theory]
    [InlineData("/%5Cevil.example", "/")]
    [InlineData("//evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("/%09/evil.example", "/")]
    [InlineData("/runs?page=2", "/runs?page=2")]
    public async Task Return_urls_are_followed_only_when_local(string returnUrl, string expected)
    {
        await using var fake = await FakeGitHub.StartAsync();
        fake.OAuthCodes["mona"] = (1, "mona", ["acme"]);
        await using var app = GitHubApp(db, fake);
        var (_, landing) = await SignInAsync(app, fake, "mona", "/signin?returnUrl=" + returnUrl);
        Assert.Equal(expected, landing);
    }

    [Fact]
    public async Task Pages_show_who_is_signed_in_and_sign_out_needs_the_antiforgery_token()
    {
        await using var fake = await FakeGitHub.StartAsync();
        fake.OAuthCodes["mona"] = (1, "mona", ["acme"]);
        await using var app = GitHubApp(db, fake);
        var (client, _) = await SignInAsync(app, fake, "mona");

        foreach (var page in new[] { "/", "/runs", "/maintainers", "/health" })
        {
            var html = await client.GetStringAsync(page, Ct);
            Assert.Matches("data-testid=\"signed-in-user\"[^>]*>mona<", html);
            Assert.Contains("action=\"/signout\"", html);
        }

        // Without the token (what another site's form would send): refused, still signed in.
        var forged = await client.PostAsync("/signout", new FormUrlEncodedContent(new Dictionary<string, string>()), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/", Ct)).StatusCode);

        var home = await client.GetStringAsync("/", Ct);
        var token = Regex.Match(home, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        var signOut = await client.PostAsync("/signout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = HttpUtility.HtmlDecode(token),
        }), Ct);
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.StartsWith("/signin-denied", signOut.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/", Ct)).StatusCode);
    }

    /// <summary>Walks the OAuth dance as a browser would: dashboard → GitHub authorize → callback with a code.</summary>
    private static async Task<(HttpClient Client, string Landing)> SignInAsync(AppFactory app, FakeGitHub fake, string code, string start = "/")
    {
        // https: the OAuth correlation cookie is Secure, as it is behind the ingress in production.
        var client = app.CreateClient(new WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri("https://localhost"),
        });
        var challenge = await client.GetAsync(start, Ct);
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var authorize = challenge.Headers.Location!;
        Assert.StartsWith(new Uri(fake.BaseUrl, "login/oauth/authorize").ToString(), authorize.ToString());
        var query = HttpUtility.ParseQueryString(authorize.Query);
        Assert.Equal("oauth-client", query["client_id"]);
        Assert.Contains("read:org", query["scope"]);

        var callback = await client.GetAsync($"/signin-github?code={code}&state={Uri.EscapeDataString(query["state"]!)}", Ct);
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        return (client, callback.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Without_sign_in_the_dashboard_refuses_a_public_address_unless_told_explicitly()
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "FeedbackDashboard.dll")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment = { ["DATABASE_URL"] = db.ConnectionString, ["ASPNETCORE_URLS"] = "http://0.0.0.0:0" },
        };
        using (var p = System.Diagnostics.Process.Start(psi)!)
        {
            var stderr = await p.StandardError.ReadToEndAsync(Ct);
            await p.WaitForExitAsync(Ct);
            Assert.NotEqual(0, p.ExitCode);
            Assert.Contains("DASHBOARD_AUTH=none", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        }

        await using var open = new AppFactory(db.ConnectionString, new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = "http://0.0.0.0:8080",
            ["DASHBOARD_AUTH"] = "none",
        });
        Assert.Equal(HttpStatusCode.OK, (await open.CreateClient().GetAsync("/", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://127.0.0.1:5000;http://10.0.0.5:5000", false)]
    public void Loopback_detection(string urls, bool loopback)
    {
        var config = new Microsoft.Extensions.Configuration.ConfigurationManager();
        config.AddInMemoryCollection(new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = urls });
        Assert.Equal(loopback, DashboardAuth.ListensOnLoopbackOnly(config));
    }

    [Theory]
    [InlineData("urls", "http://0.0.0.0:5000", false)]
    [InlineData("http_ports", "8080", false)]
    [InlineData("ASPNETCORE_HTTPS_PORTS", "8443", false)]
    [InlineData("Kestrel:Endpoints:Web:Url", "http://0.0.0.0:8080", false)]
    [InlineData("Kestrel:Endpoints:Web:Url", "http://127.0.0.1:8080", true)]
    [InlineData("unrelated", "x", true)]
    public void Loopback_detection_covers_every_way_to_name_an_address(string key, string value, bool loopback)
    {
        var config = new Microsoft.Extensions.Configuration.ConfigurationManager();
        config.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        Assert.Equal(loopback, DashboardAuth.ListensOnLoopbackOnly(config));
    }

    [Theory]
    [InlineData("Kestrel__Endpoints__Web__Url", "http://0.0.0.0:0")]
    [InlineData("ASPNETCORE_HTTP_PORTS", "0")]
    public async Task Without_sign_in_a_kestrel_endpoint_or_port_beyond_loopback_is_refused(string variable, string value)
    {
        Assert.Contains("DASHBOARD_AUTH=none", await RefusedStartAsync(new Dictionary<string, string> { [variable] = value }));
    }
}
