using System.Text.Json;
using System.Text.Json.Serialization;
using FeedbackDashboard.Core.Data;
using Npgsql;

namespace FeedbackDashboard.Core.Webhooks;

/// <summary>What /api/poller/health and the health page show of webhooks: deliveries in the last hour by event, signatures refused in the last hour, the last delivery.</summary>
public sealed record WebhookHealth(
    [property: JsonPropertyName("deliveries_last_hour")] IReadOnlyDictionary<string, int> DeliveriesLastHour,
    [property: JsonPropertyName("rejected_signatures")] int RejectedSignatures,
    [property: JsonPropertyName("last_delivery_at")] DateTimeOffset? LastDeliveryAt);

public sealed class WebhookStats(NpgsqlDataSource db, TimeProvider time)
{
    /// <summary>A refused delivery counts in its minute's row; the rows older than a week go on the way.</summary>
    public async Task RecordRejectedAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var cmd = db.CreateCommand("""
            insert into webhook_rejections (minute, rejected) values (date_trunc('minute', @now), 1)
            on conflict (minute) do update set rejected = webhook_rejections.rejected + 1;
            delete from webhook_rejections where minute < @now - interval '7 days';
            """);
        cmd.Parameters.AddWithValue("now", now);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<WebhookHealth> GetAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select (select coalesce(json_object_agg(event, n), '{}')::text
                    from (select event, count(*)::int as n from webhook_deliveries where received_at > @since group by event) e) as by_event,
                   (select coalesce(sum(rejected), 0)::int from webhook_rejections where minute > @since - interval '1 minute') as rejected,
                   (select max(received_at) from webhook_deliveries) as last_at
            """);
        cmd.Parameters.AddWithValue("since", time.GetUtcNow() - TimeSpan.FromHours(1));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new WebhookHealth(JsonSerializer.Deserialize<Dictionary<string, int>>(r.Get<string>("by_event")) ?? [],
            r.Get<int>("rejected"), r.Get<DateTimeOffset?>("last_at"));
    }
}
