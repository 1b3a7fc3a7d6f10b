using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FeedbackDashboard.Tests.Core;

public sealed class MigrationTests
{
    [Fact]
    public async Task Fresh_database_gets_every_migration_and_a_second_run_is_a_no_op()
    {
        var cs = await PostgresDatabase.CreateEmptyDatabaseAsync();
        await using var ds = NpgsqlDataSource.Create(cs);
        Assert.False(await Migrator.IsUpToDateAsync(ds, TestContext.Current.CancellationToken));

        var first = await Migrator.MigrateAsync(cs, TestContext.Current.CancellationToken);
        Assert.Equal(Migrator.ScriptNames, first);
        Assert.True(await Migrator.IsUpToDateAsync(ds, TestContext.Current.CancellationToken));

        var second = await Migrator.MigrateAsync(cs, TestContext.Current.CancellationToken);
        Assert.Empty(second);

        await using var cmd = ds.CreateCommand(
            "select count(*) from information_schema.tables where table_schema = 'public' and table_name = any(@t)");
        cmd.Parameters.AddWithValue("t", new[]
        {
            "repositories", "tasks", "review_comments", "review_feedback", "review_captures",
            "maintainers", "poll_cycles", "api_keys", "data_protection_keys",
        });
        Assert.Equal(9L, await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_ef_model_reads_and_writes_the_tables_it_maps()
    {
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        var ct = TestContext.Current.CancellationToken;
        await db.ReactionAsync("inline", 1, 7, "+1", login: "mona");
        await using var ef = db.CreateDb();

        var reaction = Assert.Single(await ef.ReviewFeedback.ToListAsync(ct));
        Assert.Equal(("inline", 1L, 7L, "mona", "+1"), (reaction.Kind, reaction.GithubCommentId, reaction.ReactorId, reaction.ReactorLogin, reaction.Content));
        ef.ApiKeys.Add(new ApiKey { Name = "k", Prefix = "fdk_x", KeyHash = [1, 2], Scopes = ["review:read"], CreatedAt = DateTimeOffset.UtcNow });
        await ef.SaveChangesAsync(ct);
        Assert.Equal("k", await db.ScalarAsync<string>("select name from api_keys where prefix = 'fdk_x' and scopes = '{review:read}'"));
    }

    [Fact]
    public async Task Replicas_migrating_at_once_serialise_on_the_advisory_lock()
    {
        var cs = await PostgresDatabase.CreateEmptyDatabaseAsync();
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Migrator.MigrateAsync(cs)));

        // Exactly one replica applied the scripts; the others found them done.
        Assert.Single(runs, r => r.Count > 0);
        Assert.Equal(3, runs.Count(r => r.Count == 0));
    }

    [Fact]
    public void Every_sql_file_in_db_migrations_is_embedded_in_order()
    {
        var names = Migrator.ScriptNames;
        Assert.NotEmpty(names);
        Assert.Contains(names, n => n.EndsWith("0001_init.sql", StringComparison.Ordinal));
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }
}
