using System.Net;
using FeedbackDashboard.Core;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FeedbackDashboard.Tests.Api;

/// <summary>What the app must never hand out: database details, exception text, the App key, other secrets.</summary>
public sealed class LeakTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{

    [Fact]
    public async Task Readyz_names_a_short_reason_and_keeps_the_database_detail_for_the_log()
    {
        var logs = new CapturingLoggerProvider();
        await using var app = new AppFactory(db.ConnectionString, services: s => s.AddSingleton<ILoggerProvider>(logs));
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz", Ct)).StatusCode);

        await using var admin = Npgsql.NpgsqlDataSource.Create(PostgresDatabase.ServerConnectionString);
        await admin.CreateCommand($"alter database \"{db.Name}\" allow_connections false").ExecuteNonQueryAsync(Ct);
        await admin.CreateCommand($"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{db.Name}'").ExecuteNonQueryAsync(Ct);
        string body;
        try
        {
            var down = await client.GetAsync("/readyz", Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            body = await down.Content.ReadAsStringAsync(Ct);
        }
        finally
        {
            await admin.CreateCommand($"alter database \"{db.Name}\" allow_connections true").ExecuteNonQueryAsync(Ct);
        }

        Assert.Contains("not ready", body);
        Assert.Matches("\"reason\":\"database_(unreachable|error)\"", body);
        Assert.DoesNotContain(db.Name, body);
        Assert.DoesNotContain("127.0.0.1", body);
        Assert.DoesNotContain("postgres", body, StringComparison.OrdinalIgnoreCase);
        // The detail reaches the log with the exception: the database's own words when it answered (refused by
        // name, or a pooled connection found terminated, 57P01), or the broken socket when the check met that first.
        var line = Assert.Single(logs.Lines, l => l.StartsWith("Warning FeedbackDashboard.Readiness: Not ready: database_"));
        Assert.Contains("Npgsql", line);
        Assert.True(line.Contains(db.Name) || line.Contains("does not allow connections") || line.Contains("57P01")
            || line.Contains("stream"), line);
    }

    [Fact]
    public async Task A_failure_is_a_problem_without_exception_text_even_in_development()
    {
        await using var app = new AppFactory(db.ConnectionString, new Dictionary<string, string?> { ["environment"] = "Development" },
            s => s.AddSingleton<IStartupFilter, ThrowingEndpoint>());
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Accept.ParseAdd("application/json");

        var response = await client.GetAsync("/boom", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("s3cret-internal", body);
        Assert.DoesNotContain("ThrowingEndpoint", body);
    }

    [Fact]
    public void The_serve_role_never_reads_the_app_key_and_settings_never_print_secrets()
    {
        // A throwaway key made here: no key is ever committed.
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var pem = rsa.ExportRSAPrivateKeyPem();
        var values = new Dictionary<string, string?>
        {
            ["GITHUB_APP_ID"] = "1",
            ["GITHUB_APP_PRIVATE_KEY"] = pem,
            ["GITHUB_APP_PRIVATE_KEY_PATH"] = "/nonexistent/key.pem",
            ["GITHUB_OAUTH_CLIENT_ID"] = "client",
            ["GITHUB_OAUTH_CLIENT_SECRET"] = "oauth-s3cret",
        };
        var serve = FeedbackSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        Assert.Null(serve.GitHubAppPrivateKey);
        Assert.Null(serve.GitHubAppPrivateKeyPath);

        values["ROLE"] = "poller";
        var poller = FeedbackSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        Assert.Equal(pem, poller.GitHubAppPrivateKey);
        var printed = poller.ToString();
        Assert.DoesNotContain(pem.Split('\n')[1], printed); // a line of the key itself
        Assert.DoesNotContain("oauth-s3cret", printed);
        Assert.Contains("GitHubAppPrivateKey = ***", printed);
        Assert.Contains("OAuthClientId = client", printed);
        Assert.Contains("Role = Poller", printed);
    }

    [Fact]
    public async Task Ef_core_commands_stay_out_of_the_log_unless_asked_for()
    {
        var quiet = new CapturingLoggerProvider();
        await using (var app = new AppFactory(db.ConnectionString, new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Information" },
                         s => s.AddSingleton<ILoggerProvider>(quiet)))
        {
            var client = await app.WithKeyAsync(db, FeedbackDashboard.Core.ApiKeys.Scopes.ReviewRead);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/tasks", Ct)).StatusCode);
        }
        Assert.DoesNotContain(quiet.Lines, l => l.Contains("Executed DbCommand"));

        var asked = new CapturingLoggerProvider();
        var askFor = new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Debug" };
        await using (var app = new AppFactory(db.ConnectionString, askFor, s => s.AddSingleton<ILoggerProvider>(asked)))
        {
            var client = await app.WithKeyAsync(db, FeedbackDashboard.Core.ApiKeys.Scopes.ReviewRead);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/tasks", Ct)).StatusCode);
        }
        Assert.Contains(asked.Lines, l => l.Contains("Executed DbCommand"));
    }

    private sealed class ThrowingEndpoint : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Use((HttpContext ctx, RequestDelegate nextMiddleware) =>
                ctx.Request.Path == "/boom" ? throw new InvalidOperationException("s3cret-internal detail") : nextMiddleware(ctx));
        };
    }
}

/// <summary>Every log line the app writes, for tests that check what reaches (or stays out of) the log.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();
    public IReadOnlyList<string> Lines => _lines.ToList();
    public ILogger CreateLogger(string category) => new Logger(category, _lines);
    public void Dispose() { }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel level) => true;
        public void Log<TState>(LogLevel level, EventId id, TState state, Exception? e, Func<TState, Exception?, string> format) =>
            lines.Enqueue($"{level} {category}: {format(state, e)} {e}"); // the exception whole, as a log sink writes it
    }
}
