using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Jobs;

/// <summary>
/// A downtime loses no event: on start the poller lists the App's deliveries on the fake GitHub (App JWT, cursor pages)
/// and asks for each failed one we never applied again; GitHub redelivers it to the serve instance, which applies it.
/// </summary>
public sealed class WebhookRedeliveryTests
{
    private const string Secret = "redeliver-me";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task On_start_the_poller_has_GitHub_redeliver_the_failed_deliveries_not_yet_applied()
    {
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        await using var fake = await FakeGitHub.StartAsync();
        fake.Installations.Add(77);
        fake.MaxPageSize = 2; // five deliveries: three pages, followed by cursor
        var task = await db.TaskAsync("down/repo", DateTimeOffset.UtcNow.AddHours(-1));
        foreach (var id in new long[] { 9301, 9302, 9303, 9304 }) await db.CommentAsync(task, "reply", id, DateTimeOffset.UtcNow.AddHours(-1));

        // While the serve instances were down: four deliveries failed.
        var now = DateTimeOffset.UtcNow;
        fake.Now = () => now.AddHours(-30); // older than the look-back: GitHub's, not ours to chase
        fake.RecordFailedDelivery("issue_comment", WebhookPayloads.Comment("issue_comment", "deleted", 9304));
        fake.Now = () => DateTimeOffset.UtcNow;
        fake.RecordFailedDelivery("issue_comment", WebhookPayloads.Comment("issue_comment", "deleted", 9301));
        var laterOk = Guid.NewGuid().ToString();
        fake.RecordFailedDelivery("issue_comment", WebhookPayloads.Comment("issue_comment", "deleted", 9302), laterOk);
        var appliedButTimedOut = Guid.NewGuid().ToString();
        fake.RecordFailedDelivery("issue_comment", WebhookPayloads.Comment("issue_comment", "edited", 9303, "applied already"), appliedButTimedOut, 504);

        await using var serve = new AppFactory(db.ConnectionString, new Dictionary<string, string?> { ["GITHUB_WEBHOOK_SECRET"] = Secret });
        fake.WebhookSecret = Secret;
        fake.WebhookTarget = serve.CreateClient();
        // A later attempt of one of them got through; another was applied though GitHub gave up waiting.
        Assert.Equal(200, await fake.DeliverAsync("issue_comment", WebhookPayloads.Comment("issue_comment", "deleted", 9302), laterOk, redelivery: true));
        await db.ExecuteAsync($"insert into webhook_deliveries (guid, event, action, received_at, outcome) values ('{appliedButTimedOut}', 'issue_comment', 'edited', now(), 'applied')");
        await db.ExecuteAsync("update review_comments set gone_at = null where github_comment_id = 9302"); // a poll saw it back: not ours to redo

        await using var poller = new AppFactory(db.ConnectionString, new Dictionary<string, string?>
        {
            ["ROLE"] = "poller",
            ["POLLER_INTERVAL_SECS"] = "3600",
            ["MAINTAINERS_REFRESH_SECS"] = "3600",
            ["GITHUB_APP_ID"] = FakeGitHub.AppId.ToString(),
            ["GITHUB_APP_PRIVATE_KEY"] = fake.AppKeyPem,
            ["GITHUB_API_URL"] = fake.ApiUrl.ToString(),
            ["GITHUB_GRAPHQL_URL"] = fake.GraphQlUrl.ToString(),
            ["GITHUB_WEBHOOK_SECRET"] = Secret,
        });
        poller.CreateClient().Dispose(); // starts the host

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (fake.Count("hook-redeliver") == 0 && DateTime.UtcNow < deadline) await Task.Delay(50, Ct);
        await Task.Delay(300, Ct); // the start-up pass asks for every due one in a row
        await fake.RedeliveriesDoneAsync();

        var requests = string.Join(", ", fake.Requests.Select(r => $"{r.Route} {r.Status}"));
        Assert.Equal(1, fake.Count("hook-redeliver"));
        Assert.True(fake.Count("hook-deliveries") >= 3, requests);
        Assert.True(await db.ScalarAsync<bool>("select gone_at is not null from review_comments where github_comment_id = 9301"));
        Assert.True(await db.ScalarAsync<bool>("select gone_at is null from review_comments where github_comment_id in (9302) "));
        Assert.True(await db.ScalarAsync<bool>("select gone_at is null and body is null from review_comments where github_comment_id in (9303)"));
        Assert.True(await db.ScalarAsync<bool>("select gone_at is null from review_comments where github_comment_id = 9304"));
        var redelivered = Assert.Single(fake.Deliveries, d => d.Redelivery && d.StatusCode == 200 && d.Payload.Contains("9301"));
        Assert.Equal("issue_comment", redelivered.Event);
    }
}
