using Npgsql;

namespace FeedbackDashboard.Core.ApiKeys;

/// <summary>Which installation a run or a repository belongs to, for keys limited to some installations.</summary>
public sealed class InstallationLookup(NpgsqlDataSource db)
{
    public Task<long?> OfTaskAsync(Guid taskId, CancellationToken ct) =>
        ScalarAsync("select installation_id from tasks where id = @v", taskId, ct);

    /// <summary>null when the repository is not registered.</summary>
    public Task<long?> OfRepositoryAsync(string fullName, CancellationToken ct) =>
        ScalarAsync("select installation_id from repositories where full_name = @v", fullName.ToLowerInvariant(), ct);

    private async Task<long?> ScalarAsync(string sql, object value, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.AddWithValue("v", value);
        return await cmd.ExecuteScalarAsync(ct) is long id ? id : null;
    }
}
