using FeedbackDashboard.Core;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Bots;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.Demo;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Maintainers;
using FeedbackDashboard.Core.Reactions;
using FeedbackDashboard.Core.Repositories;
using FeedbackDashboard.Core.Runs;
using FeedbackDashboard.Core.Webhooks;
using Npgsql;

// Extension methods on IServiceCollection live in its namespace, as ASP.NET Core's own do, so Core's root namespace
// depends on none of its folders.
namespace Microsoft.Extensions.DependencyInjection;


/// <summary>Core wires itself: the host and the tests call this instead of listing Core's services.</summary>
public static class CoreServices
{
    /// <summary>Core's services over the database at DATABASE_URL; FeedbackSettings and TimeProvider come from the caller.</summary>
    public static IServiceCollection AddFeedbackCore(this IServiceCollection services, string connectionString) =>
        services.AddFeedbackCore(new NpgsqlDataSourceBuilder(Tuned(connectionString)).Build(),
            new NpgsqlDataSourceBuilder(HotReads(connectionString)).Build());

    /// <summary>
    /// The connection settings the hot reads need, unless DATABASE_URL sets them itself. Auto-prepare: the same few
    /// statements run thousands of times a second, and a prepared statement skips PostgreSQL's parse and plan
    /// (pgbench -M prepared is what the API is measured against). This pool stays Npgsql's default size; the hot
    /// reads have their own (<see cref="HotReads"/>).
    /// </summary>
    public static string Tuned(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 100;
        return builder.ConnectionString;
    }

    /// <summary>
    /// The pool of the hot reads (a run's feedback, a page of runs: a few indexed statements, milliseconds each), apart
    /// from the rest: a few backends kept busy cost less CPU per request than one backend per request in flight
    /// time-slicing the cores (the concurrency benchmark's figures are in its README), so this pool holds twice the
    /// pod's cores (at least 4, at most what DATABASE_URL allows) and further requests queue in the app.
    /// Those reads set no session state, so the reset Npgsql sends when a pooled connection is reused (seven
    /// statements: RESET ALL, CLOSE ALL, UNLISTEN *, pg_advisory_unlock_all(), …) is skipped; the main pool keeps it,
    /// as the poller's advisory locks rely on it.
    /// </summary>
    public static string HotReads(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(Tuned(connectionString)) { NoResetOnClose = true };
        builder.MaxPoolSize = Math.Min(builder.MaxPoolSize, Math.Max(4, 2 * Environment.ProcessorCount));
        builder.MinPoolSize = Math.Min(builder.MinPoolSize, builder.MaxPoolSize);
        return builder.ConnectionString;
    }

    /// <summary>The same over a data source the caller owns (tests: a per-class database, or one that never answers).</summary>
    public static IServiceCollection AddFeedbackCore(this IServiceCollection services, NpgsqlDataSource dataSource,
        NpgsqlDataSource? hotReads = null) =>
        services.AddData(dataSource)
            .AddApiKeys()
            .AddComments()
            .AddCapture()
            .AddReactions()
            .AddRepositories()
            .AddMaintainers()
            .AddRuns()
            .AddInsights(hotReads ?? dataSource)
            .AddWebhooks()
            .AddBots()
            .AddDemo();

    /// <summary>
    /// ROLE=poller only: the GitHub layer (where the App key is read, so a serve instance never loads it) and what
    /// reads GitHub through it.
    /// </summary>
    public static IServiceCollection AddFeedbackPoller(this IServiceCollection services, FeedbackSettings settings)
    {
        services.AddGitHub(settings)
            .AddCapturePoller()
            .AddCommentsPoller()
            .AddReactionsPoller()
            .AddRepositoriesPoller()
            .AddMaintainersPoller()
            .AddRunsPoller()
            .AddBotsPoller();
        // The App's webhook is in use where its secret is set: on start, failed deliveries are asked for again.
        if (settings.GitHubWebhookSecret is not null) services.AddWebhooksPoller();
        return services;
    }
}
