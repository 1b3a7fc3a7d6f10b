using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>The real app on a TestServer, against a test class's PostgreSQL database.</summary>
public sealed class AppFactory(string connectionString, IDictionary<string, string?>? settings = null,
    Action<IServiceCollection>? services = null) : WebApplicationFactory<Program>
{
    /// <summary>
    /// A client of the app whose every API answer is checked against the app's OpenAPI document (a drift throws
    /// <see cref="ApiDocumentDriftException"/> in the test that received it); redirects and cookies as CreateClient's.
    /// </summary>
    public new HttpClient CreateClient() => CreateClient(new WebApplicationFactoryClientOptions());

    public new HttpClient CreateClient(WebApplicationFactoryClientOptions options)
    {
        var handlers = new List<DelegatingHandler> { new ApiDocumentCheck(Server.CreateHandler()) };
        if (options.AllowAutoRedirect) handlers.Add(new RedirectHandler(options.MaxAutomaticRedirections));
        if (options.HandleCookies) handlers.Add(new CookieContainerHandler());
        return CreateDefaultClient(options.BaseAddress, [.. handlers]);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("DATABASE_URL", connectionString);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Every test database makes its own data-protection key; their "unencrypted at rest" warning is noise here.
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore.DataProtection", "Error");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            builder.UseSetting(key, value);
        builder.ConfigureTestServices(s =>
        {
            services?.Invoke(s);
        });
    }
}
