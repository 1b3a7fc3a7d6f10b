using Npgsql;

namespace FeedbackDashboard.Core.Data;

/// <summary>
/// A connection whose batches are planned for their parameters every time. The data source auto-prepares statements,
/// and after five runs PostgreSQL may switch a prepared statement to a generic plan; for an analytics read, whose
/// date range and optional filters decide how many rows it meets, the generic plan is a guess that can badly
/// misjudge a wide range (it then sorts on disk).
/// The setting is local to a read-only transaction, so the hot reads on the same pooled connection keep their plans.
/// </summary>
public sealed class CustomPlanned : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private CustomPlanned(NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        (_connection, _transaction) = (connection, transaction);

    public static async Task<CustomPlanned> OpenAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        var connection = await db.OpenConnectionAsync(ct);
        // Npgsql sends BEGIN with the first batch: no round trip of its own.
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        return new CustomPlanned(connection, transaction);
    }

    /// <summary>A batch that first sets the plan mode for the rest of the transaction (the reader skips its empty result).</summary>
    public NpgsqlBatch CreateBatch()
    {
        var batch = new NpgsqlBatch(_connection, _transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("set local plan_cache_mode = force_custom_plan"));
        return batch;
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
