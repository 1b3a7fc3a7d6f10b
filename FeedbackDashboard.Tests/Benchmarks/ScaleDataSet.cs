using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Tests.Benchmarks;

/// <summary>
/// The data set the read benchmarks run on: 100 repositories, 100,000 runs (labelled bot_version and model),
/// 1,000,000 comments (with rule, category and severity) and reactions,
/// 100,000 maintainers, vacuumed and analysed as a database that has lived a while is.
/// </summary>
public static class ScaleDataSet
{
    public const int Tasks = 100_000;
    public const int Repositories = 100;

    /// <summary>
    /// A fresh seeded database, or with BENCH_SCALE_DATABASE_URL one seeded before (a development shortcut: seeding
    /// takes minutes), which is left as it was found apart from the API keys a benchmark adds.
    /// </summary>
    public static async Task<ScaleDatabase> OpenAsync()
    {
        if (Environment.GetEnvironmentVariable("BENCH_SCALE_DATABASE_URL") is { Length: > 0 } url)
            return new ScaleDatabase(FeedbackDashboard.Core.Data.DatabaseUrl.ToConnectionString(url), null);
        var db = new PostgresDatabase();
        await db.InitializeAsync();
        await SeedAsync(db);
        return new ScaleDatabase(db.ConnectionString, db);
    }

    public static async Task SeedAsync(PostgresDatabase db)
    {
        await db.ExecuteAsync("""
            insert into repositories (owner, name, full_name, installation_id)
            select 'org' || (g % 10), 'repo' || g, 'org' || (g % 10) || '/repo' || g, 1 + g % 10 from generate_series(0, 99) g;
            insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login, pr_author_association, created_at, labels)
            select md5('t' || g)::uuid, (select min(id) from repositories) + g % 100, 1, g, g % 5000, 'author' || (g % 5000), 'CONTRIBUTOR',
                   now() - (g % 180) * interval '1 day' - (g % 1440) * interval '1 minute',
                   jsonb_build_object('bot_version', '2.' || (g % 5) || '.0', 'model', 'm' || (g % 3))
            from generate_series(1, 100000) g;
            -- Each comment's labels are its run's (what the capture's trigger copies), written here in the same statement.
            insert into review_comments (kind, github_comment_id, task_id, repository_id, file, line, created_at, labels, rule, category, severity)
            select case when g % 4 = 0 then 'reply' else 'inline' end, g, md5('t' || (1 + g % 100000))::uuid,
                   (select min(id) from repositories) + (1 + g % 100000) % 100, 'src/f' || (g % 500) || '.cs', g % 900 + 1,
                   now() - ((1 + g % 100000) % 180) * interval '1 day',
                   jsonb_build_object('bot_version', '2.' || ((1 + g % 100000) % 5) || '.0', 'model', 'm' || ((1 + g % 100000) % 3)),
                   'rule-' || (g % 40), 'category-' || (g % 6), (array['low', 'medium', 'high'])[1 + g % 3]
            from generate_series(1, 1000000) g;
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select case when g % 4 = 0 then 'reply' else 'inline' end, g, g % 3000, 'user' || (g % 3000), case when g % 5 = 0 then '-1' else '+1' end,
                   now() - (g % 180) * interval '1 day'
            from generate_series(1, 1000000) g;
            insert into maintainers (repo_full_name, github_id, login, association, refreshed_at)
            select r.full_name, m, 'user' || m, 'MEMBER', now() from repositories r, generate_series(0, 999) m;
            """, timeoutSeconds: 900);
        await db.ExecuteAsync("vacuum analyze", timeoutSeconds: 900);
    }

    /// <summary>Run number <paramref name="n"/> (1-based): its id is md5('t' || n), so SQL (pgbench) can name it too.</summary>
    public static Guid Task(int n) => Guid.Parse(Convert.ToHexStringLower(
        System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes("t" + n))));

    /// <summary>The same id as a SQL expression of an integer pgbench variable.</summary>
    public static string TaskSql(string variable) => $"md5('t' || :{variable})::uuid";

    /// <summary>Repository number <paramref name="n"/> (0-based), as its full name and as a SQL expression of a pgbench variable.</summary>
    public static string Repository(int n) => $"org{n % 10}/repo{n}";

    public static string RepositorySql(string variable) => $"('org' || (:{variable} % 10) || '/repo' || :{variable})";
}

/// <summary>The seeded database and Core's services over it.</summary>
public sealed class ScaleDatabase : IAsyncDisposable
{
    private readonly PostgresDatabase? _owned;

    public ScaleDatabase(string connectionString, PostgresDatabase? owned)
    {
        _owned = owned;
        ConnectionString = connectionString;
        DataSource = Npgsql.NpgsqlDataSource.Create(connectionString);
        Services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System)
            .AddFeedbackCore(DataSource).BuildServiceProvider();
    }

    public string ConnectionString { get; }
    public Npgsql.NpgsqlDataSource DataSource { get; }
    public ServiceProvider Services { get; }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await DataSource.DisposeAsync();
        if (_owned is not null) await _owned.DisposeAsync();
    }
}
