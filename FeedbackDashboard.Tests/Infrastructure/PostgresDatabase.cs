using FeedbackDashboard.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>
/// A fresh, migrated PostgreSQL database per test class, cloned from a template migrated once per run.
/// The server comes from FD_TEST_DATABASE_URL (set by ./test.sh). No server means a failed test, never a skip.
/// </summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    private static readonly SemaphoreSlim CreateLock = new(1, 1);
    private static string? _template;

    public string ConnectionString { get; private set; } = "";
    public string Name { get; } = "fd_" + Guid.NewGuid().ToString("N")[..16];
    public NpgsqlDataSource DataSource { get; private set; } = null!;

    /// <summary>Core's services over this database, wired as the host wires them.</summary>
    public ServiceProvider Services { get; private set; } = null!;

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("FD_TEST_DATABASE_URL") is { Length: > 0 } url
            ? DatabaseUrl.ToConnectionString(url)
            : "Host=127.0.0.1;Port=5433;Username=postgres;Database=postgres";

    public async ValueTask InitializeAsync()
    {
        await CreateLock.WaitAsync();
        try
        {
            _template ??= await CreateTemplateAsync();
            // CREATE DATABASE … TEMPLATE copies files: far faster than running migrations per class.
            await ExecuteOnServerAsync($"create database \"{Name}\" template \"{_template}\"");
        }
        finally
        {
            CreateLock.Release();
        }
        ConnectionString = With(Name);
        DataSource = NpgsqlDataSource.Create(ConnectionString);
        Services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddFeedbackCore(DataSource).BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await ExecuteOnServerAsync($"drop database if exists \"{Name}\" with (force)");
    }

    public IDbContextFactory<FeedbackDb> DbFactory => Services.GetRequiredService<IDbContextFactory<FeedbackDb>>();

    public FeedbackDb CreateDb() => DbFactory.CreateDbContext();

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string sql, int timeoutSeconds = 30)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        cmd.CommandTimeout = timeoutSeconds;
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Connection string to a new empty (unmigrated) database that the caller owns.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync()
    {
        var name = "fd_empty_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteOnServerAsync($"create database \"{name}\"");
        return With(name);
    }

    private static async Task<string> CreateTemplateAsync()
    {
        var name = $"fd_template_{Environment.ProcessId}";
        await ExecuteOnServerAsync($"drop database if exists \"{name}\" with (force)");
        await ExecuteOnServerAsync($"create database \"{name}\"");
        await Migrator.MigrateAsync(With(name) + ";Pooling=false");
        return name;
    }

    private static string With(string database) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = database }.ConnectionString;

    private static async Task ExecuteOnServerAsync(string sql)
    {
        try
        {
            await using var conn = new NpgsqlConnection(ServerConnectionString + ";Pooling=false");
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(sql, conn);
            await cmd.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            throw new InvalidOperationException(
                $"PostgreSQL is required for these tests and is not reachable at '{ServerConnectionString}'. " +
                "Run ./test.sh, which starts a throwaway cluster, or set FD_TEST_DATABASE_URL.", e);
        }
    }
}
