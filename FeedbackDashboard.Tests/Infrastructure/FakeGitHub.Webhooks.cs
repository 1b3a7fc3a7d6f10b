using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using FeedbackDashboard.Core.Webhooks;
using Microsoft.AspNetCore.Http;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>
/// The App's webhook as GitHub runs it: deliveries signed with the App's secret and POSTed to its webhook URL, every
/// attempt recorded (GET /app/hook/deliveries, App JWT, newest first, cursor pages) and redelivered on request
/// (POST /app/hook/deliveries/{id}/attempts → 202, then a new attempt with the same guid, marked redelivery).
/// </summary>
public sealed partial class FakeGitHub
{
    public sealed record FakeDelivery(long Id, string Guid, DateTimeOffset DeliveredAt, bool Redelivery, double Duration, string Status,
        int StatusCode, string Event, string? Action, long? InstallationId, long? RepositoryId, string Payload);

    private readonly List<FakeDelivery> _deliveries = [];
    private readonly List<Task> _redeliveries = [];
    private long _nextDeliveryId = 90_000_000;

    /// <summary>The App's webhook secret; null sends deliveries unsigned (as GitHub does for an App without one).</summary>
    public string? WebhookSecret { get; set; }
    /// <summary>Where the webhook URL leads (the app under test); null is an app that is down: attempts fail.</summary>
    public HttpClient? WebhookTarget { get; set; }

    public IReadOnlyList<FakeDelivery> Deliveries { get { lock (_deliveries) return [.. _deliveries]; } }

    /// <summary>Sends one delivery to the webhook URL, as GitHub does, and records the attempt. Returns the answer's status (0: no answer).</summary>
    public async Task<int> DeliverAsync(string eventName, JsonNode payload, string? guid = null, bool redelivery = false,
        string? signature = null)
    {
        guid ??= Guid.NewGuid().ToString();
        var json = payload.ToJsonString();
        var started = Stopwatch.StartNew();
        var status = 0;
        if (WebhookTarget is { } target)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/github/webhooks")
            {
                Content = new StringContent(json, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-GitHub-Event", eventName);
            request.Headers.Add("X-GitHub-Delivery", guid);
            request.Headers.Add("X-GitHub-Hook-ID", "4242001");
            request.Headers.Add("X-GitHub-Hook-Installation-Target-Type", "integration");
            request.Headers.Add("X-GitHub-Hook-Installation-Target-ID", AppId.ToString());
            request.Headers.TryAddWithoutValidation("User-Agent", "GitHub-Hookshot/fake");
            var signed = signature ?? (WebhookSecret is { } secret ? WebhookSignature.Sign(secret, Encoding.UTF8.GetBytes(json)) : null);
            if (signed is not null) request.Headers.Add(WebhookSignature.Header, signed);
            try
            {
                using var response = await target.SendAsync(request);
                status = (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
            }
        }
        Record(eventName, payload, guid, redelivery, status, started.Elapsed.TotalSeconds);
        return status;
    }

    /// <summary>An attempt that reached nobody (the app was down): recorded as failed, to be redelivered.</summary>
    public void RecordFailedDelivery(string eventName, JsonNode payload, string? guid = null, int statusCode = 502) =>
        Record(eventName, payload, guid ?? Guid.NewGuid().ToString(), false, statusCode, 10);

    /// <summary>Completes once every redelivery asked for so far has been attempted.</summary>
    public Task RedeliveriesDoneAsync()
    {
        lock (_redeliveries) return Task.WhenAll(_redeliveries);
    }

    private void Record(string eventName, JsonNode payload, string guid, bool redelivery, int status, double duration)
    {
        var delivery = new FakeDelivery(Interlocked.Increment(ref _nextDeliveryId), guid, Now(), redelivery, duration,
            status is >= 200 and < 300 ? "OK" : status == 0 ? "failed to connect to host" : $"Invalid HTTP Response: {status}",
            status, eventName, (string?)(payload as JsonObject)?["action"], Id((payload as JsonObject)?["installation"]?["id"]),
            Id((payload as JsonObject)?["repository"]?["id"]), payload.ToJsonString());
        lock (_deliveries) _deliveries.Add(delivery);
    }

    /// <summary>A payload's id as a number, whichever .NET type the node was built with.</summary>
    private static long? Id(JsonNode? node) => node is null ? null : long.Parse(node.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    private async Task HookDeliveriesAsync(HttpContext ctx, string route, string[] p)
    {
        var auth = ctx.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ") || !ValidJwt(auth[7..]))
        {
            await Answer(ctx, route, null, 401, """{"message":"A JSON web token could not be decoded"}""");
            return;
        }
        if (route == "hook-redeliver")
        {
            FakeDelivery? original;
            lock (_deliveries) original = _deliveries.FirstOrDefault(d => d.Id.ToString() == p[5]);
            if (original is null) { await Answer(ctx, route, null, 404, NotFound); return; }
            // GitHub accepts the request and attempts the delivery again shortly after, with the same guid.
            var attempt = Task.Run(() => DeliverAsync(original.Event, JsonNode.Parse(original.Payload)!, original.Guid, redelivery: true));
            lock (_redeliveries) _redeliveries.Add(attempt);
            await Answer(ctx, route, null, 202, "{}");
            return;
        }

        var perPage = Math.Clamp(int.TryParse(ctx.Request.Query["per_page"], out var pp) ? pp : 30, 1, Math.Min(MaxPageSize, 100));
        var cursor = long.TryParse(ctx.Request.Query["cursor"], out var c) ? c : long.MaxValue;
        List<FakeDelivery> newestFirst;
        lock (_deliveries) newestFirst = [.. _deliveries.OrderByDescending(d => d.Id)];
        var page = newestFirst.Where(d => d.Id < cursor).Take(perPage + 1).ToList();
        if (page.Count > perPage)
        {
            page.RemoveAt(perPage);
            // GitHub's cursor is opaque; here it is the id the next page starts below.
            ctx.Response.Headers.Link = $"<{BaseUrl}api/v3/app/hook/deliveries?per_page={perPage}&cursor={page[^1].Id}>; rel=\"next\"";
        }
        var items = new JsonArray(page.Select(d => (JsonNode)new JsonObject
        {
            ["id"] = d.Id, ["guid"] = d.Guid, ["delivered_at"] = d.DeliveredAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            ["redelivery"] = d.Redelivery, ["duration"] = Math.Round(d.Duration, 2), ["status"] = d.Status, ["status_code"] = d.StatusCode,
            ["event"] = d.Event, ["action"] = d.Action, ["installation_id"] = d.InstallationId, ["repository_id"] = d.RepositoryId,
            ["throttled_at"] = null,
        }).ToArray());
        await Answer(ctx, route, null, 200, items.ToJsonString());
    }
}
