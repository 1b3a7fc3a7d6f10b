using System.Diagnostics;
using System.Net;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

public sealed class HealthApiTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Healthz_and_readyz_answer_ok_on_a_migrated_database()
    {
        await using var app = new AppFactory(db.ConnectionString);
        using var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz", TestContext.Current.CancellationToken)).StatusCode);
        var ready = await client.GetAsync("/readyz", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Readyz_is_503_while_the_database_refuses_and_recovers_by_itself()
    {
        await using var app = new AppFactory(db.ConnectionString);
        using var client = app.CreateClient();
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz", ct)).StatusCode);

        await using var admin = Npgsql.NpgsqlDataSource.Create(PostgresDatabase.ServerConnectionString);
        await admin.CreateCommand($"alter database \"{db.Name}\" allow_connections false").ExecuteNonQueryAsync(ct);
        await admin.CreateCommand($"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{db.Name}'").ExecuteNonQueryAsync(ct);
        try
        {
            var down = await client.GetAsync("/readyz", ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
        }
        finally
        {
            await admin.CreateCommand($"alter database \"{db.Name}\" allow_connections true").ExecuteNonQueryAsync(ct);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz", ct)).StatusCode);
    }

    [Theory]
    [InlineData("postgres://nobody@/", "DATABASE_URL")]
    [InlineData("postgres://postgres@127.0.0.1:1/feedback", "cannot reach the database")]
    public async Task Bad_database_url_exits_non_zero_with_one_clear_line(string url, string expected)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "FeedbackDashboard.dll");
        var psi = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment = { ["DATABASE_URL"] = url, ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" },
        };
        using var process = Process.Start(psi)!;
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.NotEqual(0, process.ExitCode);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(expected, lines[0]);
    }
}
