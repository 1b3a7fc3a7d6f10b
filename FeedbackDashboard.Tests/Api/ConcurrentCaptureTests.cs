using System.Net;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

public sealed class ConcurrentCaptureTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Twenty_concurrent_posts_of_the_same_comments_in_different_orders_all_succeed_and_store_each_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new AppFactory(db.ConnectionString);
        var client = await app.WithKeyAsync(db, Scopes.ReviewWrite);
        var created = await (await client.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "acme/race"))).JsonAsync();
        var id = created.GetProperty("id").GetString();

        var comments = Enumerable.Range(1, 200)
            .Select(i => new { kind = i % 3 == 0 ? "reply" : "inline", github_comment_id = (long)i, file = "src/a.cs", line = i })
            .ToList();
        var posts = Enumerable.Range(0, 20).Select(async n =>
        {
            // Every request holds the same 200 comments, each in its own order.
            var random = new Random(n);
            var shuffled = comments.OrderBy(_ => random.Next()).ToList();
            var response = await client.PostJsonAsync($"/api/tasks/{id}/comments", shuffled);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(ct));
        });
        var results = await Task.WhenAll(posts);

        Assert.All(results, r => Assert.True(r.StatusCode == HttpStatusCode.OK, $"{(int)r.StatusCode}: {r.Body}"));
        Assert.Equal(200L, await db.ScalarAsync<long>($"select count(*) from review_comments where task_id = '{id}'"));
        Assert.Equal(200L, await db.ScalarAsync<long>($"select count(distinct (kind, github_comment_id)) from review_comments where task_id = '{id}'"));
        // Together the 20 answers inserted each comment exactly once.
        var inserted = results.Sum(r => System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("inserted").GetInt32());
        Assert.Equal(200, inserted);
    }
}
