using System.Net.Http.Headers;
using System.Text.Json;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackDashboard.Tests.Core.GitHub;

/// <summary>
/// The deliveries the tests send and the fake's deliveries API, checked against GitHub's published descriptions:
/// every payload against @octokit/webhooks-schemas, the list of deliveries against @octokit/openapi.
/// </summary>
public sealed class WebhookPayloadSchemaTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_payload_the_tests_deliver_matches_GitHubs_webhook_schema()
    {
        var payloads = WebhookPayloads.OneOfEach().Concat(WebhookPayloads.Others()).ToList();
        var answer = await GitHubSchemaNode.RunAsync(new
        {
            webhooks = payloads.Select(p => new { @event = p.Event, action = (string?)p.Payload["action"], json = p.Payload.ToJsonString() }),
        }, Ct);
        var errors = answer.GetProperty("webhooks").EnumerateArray()
            .SelectMany(w => w.GetProperty("errors").EnumerateArray().Select(e => $"{w.GetProperty("event")}.{w.GetProperty("action")}: {e}"))
            .ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.Equal(payloads.Count, answer.GetProperty("webhooks").GetArrayLength());
        Assert.Equal(FeedbackDashboard.Core.Webhooks.WebhookProcessor.Events.Order(), payloads.Select(p => p.Event).Distinct().Order());
    }

    [Fact]
    public async Task A_payload_with_a_wrong_shape_is_refused_by_the_schema_check()
    {
        var payload = WebhookPayloads.Member("added", 1, "acme/a", 2, "carol");
        payload["member"]!["id"] = "two";
        var answer = await GitHubSchemaNode.RunAsync(new { webhooks = new[] { new { @event = "member", action = "added", json = payload.ToJsonString() } } }, Ct);
        Assert.NotEqual(0, answer.GetProperty("webhooks")[0].GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task The_fakes_list_of_deliveries_has_GitHubs_documented_shape()
    {
        await using var gh = await GitHubHarness.StartAsync(new FakeTimeProvider(DateTimeOffset.UtcNow));
        gh.Fake.RecordFailedDelivery("issue_comment", WebhookPayloads.Comment("issue_comment", "deleted", 1));
        await gh.Fake.DeliverAsync("installation", WebhookPayloads.Installation("suspend", 77)); // no target: status 0

        using var http = new HttpClient { BaseAddress = gh.Fake.ApiUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get, "app/hook/deliveries?per_page=100");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gh.Auth.CreateJwt());
        using var response = await http.SendAsync(request, Ct);
        var json = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(2, JsonDocument.Parse(json).RootElement.GetArrayLength());

        var answer = await GitHubSchemaNode.RunAsync(new
        {
            restShapes = new[] { new { method = "GET", path = "/app/hook/deliveries", status = 200, json } },
        }, Ct);
        var errors = answer.GetProperty("restShapes")[0].GetProperty("errors").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
