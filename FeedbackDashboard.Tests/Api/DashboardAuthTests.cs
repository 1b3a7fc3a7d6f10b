using System.Net;
using System.Web;
using Microsoft.Extensions.Configuration;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FeedbackDashboard.Tests.Api;

public sealed class DashboardAuthTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

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

    /// <summary>Walks the OAuth dance as a browser would: dashboard → GitHub authorize → callback with a code.</summary>
    private static async Task<(HttpClient Client, string Landing)> SignInAsync(AppFactory app, FakeGitHub fake, string code)
    {
        // https: the OAuth correlation cookie is Secure, as it is behind the ingress in production.
        var client = app.CreateClient(new WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri("https://localhost"),
        });
        var challenge = await client.GetAsync("/", Ct);
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
}
