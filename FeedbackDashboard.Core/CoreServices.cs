using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.Demo;
using FeedbackDashboard.Core.Feedback;
using FeedbackDashboard.Core.Maintainers;
using FeedbackDashboard.Core.Polling;
using FeedbackDashboard.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FeedbackDashboard.Core;

/// <summary>Core wires itself: the host and the tests call this instead of listing Core's services.</summary>
public static class CoreServices
{
    /// <summary>Core's services over the database at DATABASE_URL; FeedbackSettings and TimeProvider come from the caller.</summary>
    public static IServiceCollection AddFeedbackCore(this IServiceCollection services, string connectionString) =>
        services.AddFeedbackCore(new NpgsqlDataSourceBuilder(Tuned(connectionString)).Build());

    /// <summary>
    /// The connection settings the hot reads need, unless DATABASE_URL sets them itself. Auto-prepare: the same few
    /// statements run thousands of times a second, and a prepared statement skips PostgreSQL's parse and plan
    /// (pgbench -M prepared is what the API is measured against). The pool stays Npgsql's default size.
    /// </summary>
    public static string Tuned(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 100;
        return builder.ConnectionString;
    }

    /// <summary>The same over a data source the caller owns (tests: a per-class database, or one that never answers).</summary>
    public static IServiceCollection AddFeedbackCore(this IServiceCollection services, NpgsqlDataSource dataSource)
    {
        services.AddSingleton(dataSource);
        // EF Core logs each command at Information: an API call would write its SQL to the production log. It is
        // logged at Debug instead; ask for it with Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command=Debug.
        services.AddDbContextFactory<FeedbackDb>(o => o.UseNpgsql(dataSource)
            .ConfigureWarnings(w => w.Log((RelationalEventId.CommandExecuted, LogLevel.Debug), (RelationalEventId.CommandCreated, LogLevel.Debug))));
        services.AddSingleton<InstallationLookup>();
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<CaptureService>();
        services.AddSingleton<FeedbackQueries>();
        services.AddSingleton<PollSelection>();
        services.AddSingleton<ReactionsReconciler>();
        services.AddSingleton<InstallationLocks>();
        services.AddSingleton<PollCycleRecorder>();
        services.AddSingleton<PollHealth>();
        services.AddSingleton<WebhookProcessor>();
        services.AddSingleton<WebhookStats>();
        services.AddSingleton<PollConditions>();
        services.AddSingleton<PollBudgets>();
        services.AddSingleton<MaintainersQueries>();
        services.AddSingleton<AnalyticsQueries>();
        services.AddSingleton<RulesQueries>();
        services.AddSingleton<DemoData>();
        services.AddSingleton<PollCycleNotifier>();
        services.AddSingleton<CycleCache>();
        services.AddHostedService(sp => sp.GetRequiredService<PollCycleNotifier>());
        return services;
    }
}
