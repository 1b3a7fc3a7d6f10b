using System.Reflection;
using DbUp;
using DbUp.Engine;
using Npgsql;

namespace FeedbackDashboard.Core.Data;

/// <summary>Applies db/migrations (embedded in this assembly) with DbUp, journaled in schemaversions.</summary>
public static class Migrator
{
    // Any constant works; it only has to be the same for every replica.
    private const long AdvisoryLockKey = 0x46_44_4D_49_47_52; // "FDMIGR"

    public static IReadOnlyList<string> ScriptNames { get; } = typeof(Migrator).Assembly
        .GetManifestResourceNames()
        .Where(n => n.EndsWith(".sql", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>Applies pending scripts under a session advisory lock, so replicas starting together never race.</summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(string connectionString, CancellationToken ct = default)
    {
        // Runs once per process: a pooled connection would only outlive a database restart as a broken one.
        connectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using var lockConnection = new NpgsqlConnection(connectionString);
        await lockConnection.OpenAsync(ct);
        await using (var take = new NpgsqlCommand("select pg_advisory_lock(@k)", lockConnection))
        {
            take.Parameters.AddWithValue("k", AdvisoryLockKey);
            await take.ExecuteNonQueryAsync(ct);
        }

        try
        {
            var result = Engine(connectionString).PerformUpgrade();
            if (!result.Successful)
                throw new InvalidOperationException($"migration {result.ErrorScript?.Name} failed: {result.Error.Message}", result.Error);
            return result.Scripts.Select(s => s.Name).ToList();
        }
        finally
        {
            await using var release = new NpgsqlCommand("select pg_advisory_unlock(@k)", lockConnection);
            release.Parameters.AddWithValue("k", AdvisoryLockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>True when every embedded script is in the journal.</summary>
    public static async Task<bool> IsUpToDateAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(
            "select count(*) from schemaversions where scriptname = any(@names)");
        cmd.Parameters.AddWithValue("names", ScriptNames.ToArray());
        try
        {
            var applied = (long)(await cmd.ExecuteScalarAsync(ct))!;
            return applied == ScriptNames.Count;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return false;
        }
    }

    private static UpgradeEngine Engine(string connectionString) =>
        DeployChanges.To.PostgresqlDatabase(connectionString)
            .WithScriptsEmbeddedInAssembly(Assembly.GetExecutingAssembly(), n => n.EndsWith(".sql", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .JournalToPostgresqlTable("public", "schemaversions")
            .LogToNowhere()
            .Build();
}
