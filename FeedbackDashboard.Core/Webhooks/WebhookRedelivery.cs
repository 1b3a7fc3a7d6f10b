using System.Net.Http.Headers;
using System.Text.Json;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.GitHub;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FeedbackDashboard.Core.Webhooks;

public sealed record RedeliveryReport(int Listed, int Failed, int Requested, int RequestFailures);

/// <summary>
/// On poller start: reads the App's recent deliveries (GET /app/hook/deliveries, App JWT, every cursor page back to
/// <see cref="LookBack"/>) and asks GitHub to redeliver each one that no attempt delivered and that we have not applied
/// (POST /app/hook/deliveries/{id}/attempts), so a downtime of the serve instances loses no event. GitHub redelivers to
/// the webhook URL; the receiver applies each delivery once, so asking twice is harmless.
/// </summary>
public sealed class WebhookRedelivery(GitHubTransport transport, GitHubAppAuth auth, NpgsqlDataSource db, TimeProvider time,
    ILogger<WebhookRedelivery> log)
{
    /// <summary>GitHub keeps deliveries for 3 days; a day back covers any downtime a restart follows.</summary>
    public static readonly TimeSpan LookBack = TimeSpan.FromHours(24);
    /// <summary>Rows of applied deliveries are kept long enough to recognise any redelivery GitHub still allows.</summary>
    public static readonly TimeSpan KeptFor = TimeSpan.FromDays(4);

    private sealed record Item(long Id, string Guid, DateTimeOffset DeliveredAt, int StatusCode);

    public async Task<RedeliveryReport> RunAsync(CancellationToken ct)
    {
        var since = time.GetUtcNow() - LookBack;
        var items = new List<Item>();
        // App-level requests are signed with the App's JWT: no installation's budget pays for them.
        using (GitHubMeteringHandler.Unmetered())
        {
            string? url = "app/hook/deliveries?per_page=100";
            while (url is not null)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", auth.CreateJwt());
                using var response = await transport.Http.SendAsync(request, ct);
                if (!response.IsSuccessStatusCode)
                    throw new GitHubRequestException((int)response.StatusCode, $"GET /app/hook/deliveries answered {(int)response.StatusCode}");
                using var page = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct));
                var older = false;
                foreach (var d in page.RootElement.EnumerateArray())
                {
                    var at = d.GetProperty("delivered_at").GetDateTimeOffset();
                    if (at < since) { older = true; continue; }
                    items.Add(new Item(d.GetProperty("id").GetInt64(), d.GetProperty("guid").GetString()!, at,
                        d.TryGetProperty("status_code", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : 0));
                }
                // Newest first: once a page reaches past the window, the next ones are all older. The cursor is in Link rel="next".
                url = older ? null : GitHubResponse.NextLinkOf(response);
            }
        }

        // A guid is every attempt at one event: one that answered 2xx delivered it.
        var failed = items.GroupBy(i => i.Guid)
            .Where(g => !g.Any(i => i.StatusCode is >= 200 and < 300))
            .Select(g => g.OrderByDescending(i => i.DeliveredAt).First()).ToList();
        var applied = await AppliedAsync(failed.Select(f => f.Guid).ToArray(), ct);
        var due = failed.Where(f => !applied.Contains(f.Guid)).ToList();

        int requested = 0, requestFailures = 0;
        using (GitHubMeteringHandler.Unmetered())
        {
            foreach (var f in due)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"app/hook/deliveries/{f.Id}/attempts");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", auth.CreateJwt());
                using var response = await transport.Http.SendAsync(request, ct);
                if (response.IsSuccessStatusCode) requested++;
                else
                {
                    requestFailures++;
                    log.LogWarning("Redelivery of webhook {Guid} (delivery {Id}) answered {Status}", f.Guid, f.Id, (int)response.StatusCode);
                }
            }
        }
        await PruneAsync(ct);
        log.LogInformation("Webhook deliveries of the last {Hours} h: {Listed} listed, {Failed} failed, {Requested} redeliveries requested",
            LookBack.TotalHours, items.Count, failed.Count, requested);
        return new RedeliveryReport(items.Count, failed.Count, requested, requestFailures);
    }

    private async Task<HashSet<string>> AppliedAsync(string[] guids, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select guid from webhook_deliveries where guid = any(@guids)");
        cmd.Parameters.AddWithValue("guids", guids);
        var set = new HashSet<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) set.Add(r.Get<string>("guid"));
        return set;
    }

    private async Task PruneAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("delete from webhook_deliveries where received_at < @before");
        cmd.Parameters.AddWithValue("before", time.GetUtcNow() - KeptFor);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
