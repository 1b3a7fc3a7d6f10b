using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;

namespace FeedbackDashboard.Api;

/// <summary>
/// Idempotency-Key on POST /api/tasks (IETF draft-ietf-httpapi-idempotency-key-header): the first request with a key
/// reserves the run's id under (API key, key); a repeat within 24 h gets the first answer again and creates nothing,
/// and the same key with a different body is a 409.
/// </summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";
    public const int MaxLength = 255;
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    public sealed record Reservation(Guid TaskId, bool SameRequest, int? FirstStatus);

    public static byte[] Hash<T>(T input) => SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(input, JsonBody.Options));

    /// <summary>The run this key stands for: <paramref name="taskId"/> when the key is new (or expired), else the first request's.</summary>
    public static async Task<Reservation> ReserveAsync(NpgsqlDataSource db, string owner, string key, byte[] hash, Guid taskId,
        DateTimeOffset now, CancellationToken ct)
    {
        // One statement: two requests racing with one key both land on the row the first one wrote.
        await using var cmd = db.CreateCommand("""
            insert into idempotency_keys (api_key_name, key, request_hash, task_id, created_at)
            values ($1, $2, $3, $4, $5)
            on conflict (api_key_name, key) do update
                set request_hash = excluded.request_hash, task_id = excluded.task_id, response_status = null, created_at = excluded.created_at
                where idempotency_keys.created_at < $6
            returning task_id, true as fresh, response_status
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = key });
        cmd.Parameters.Add(new NpgsqlParameter { Value = hash });
        cmd.Parameters.Add(new NpgsqlParameter { Value = taskId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = now });
        cmd.Parameters.Add(new NpgsqlParameter { Value = now - Lifetime });
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct)) return new Reservation(reader.GetGuid(0), true, null);
        }
        await using var existing = db.CreateCommand("select task_id, request_hash, response_status from idempotency_keys where api_key_name = $1 and key = $2");
        existing.Parameters.Add(new NpgsqlParameter { Value = owner });
        existing.Parameters.Add(new NpgsqlParameter { Value = key });
        await using var row = await existing.ExecuteReaderAsync(ct);
        await row.ReadAsync(ct);
        return new Reservation(row.GetGuid(0), ((byte[])row[1]).AsSpan().SequenceEqual(hash), row.IsDBNull(2) ? null : row.GetInt16(2));
    }

    public static async Task RecordAsync(NpgsqlDataSource db, string owner, string key, int status, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("update idempotency_keys set response_status = $3 where api_key_name = $1 and key = $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
        cmd.Parameters.Add(new NpgsqlParameter { Value = key });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (short)status });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
