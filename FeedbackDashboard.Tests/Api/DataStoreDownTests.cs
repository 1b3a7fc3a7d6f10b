using System.Net;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FeedbackDashboard.Tests.Api;

/// <summary>The app's database connection really cut (a relay in front of PostgreSQL closed) while it serves.</summary>
public sealed class DataStoreDownTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_the_database_cut_the_api_answers_503_with_retry_after_pages_do_not_name_it_and_nothing_is_written()
    {
        var target = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        await using var proxy = new TcpProxy(target.Port);
        var through = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Port = proxy.Port, Timeout = 3, CommandTimeout = 5 };
        await using var app = new AppFactory(through.ConnectionString);
        var writer = await app.WithKeyAsync(db, Scopes.ReviewWrite, Scopes.ReviewRead);
        var page = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await writer.GetAsync("/api/tasks", Ct)).StatusCode);

        proxy.Cut();
        var body = ApiClients.Task("acme/db-down", id: Guid.NewGuid());
        foreach (var request in new Func<Task<HttpResponseMessage>>[]
                 {
                     () => writer.PostJsonAsync("/api/tasks", body),
                     () => writer.GetAsync("/api/tasks", Ct),
                     () => writer.GetAsync($"/api/tasks/{Guid.NewGuid()}/feedback", Ct),
                 })
        {
            var response = await request();
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            Assert.Contains("data store is unreachable", text);
            Assert.DoesNotContain("127.0.0.1", text);
            Assert.DoesNotContain(proxy.Port.ToString(), text);
        }

        var html = await (await page.GetAsync("/", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Contains("the data store is unreachable", html);
        Assert.DoesNotContain("Failed to connect", html);
        Assert.DoesNotContain($"{proxy.Port}", html);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await page.GetAsync("/readyz", Ct)).StatusCode);

        proxy.Restore();
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from repositories where full_name = 'acme/db-down'"));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        HttpStatusCode status;
        do
        {
            status = (await writer.PostJsonAsync("/api/tasks", body)).StatusCode;
            if (status == HttpStatusCode.Created) break;
            await Task.Delay(250, Ct);
        } while (DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.Created, status);
    }
}
