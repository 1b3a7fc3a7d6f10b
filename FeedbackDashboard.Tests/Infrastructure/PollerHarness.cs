using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Feedback;
using FeedbackDashboard.Core.Polling;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>A ReactionsPoller made of the real parts, on a test database and a fake GitHub sharing one clock.</summary>
public static class PollerHarness
{
    /// <summary>The seed's tiers unless told: the tests written for them keep their exact selections.</summary>
    public static FeedbackSettings Settings(PollerStrategy strategy = PollerStrategy.GraphQl, int intervalSecs = 300,
        PollerSchedule schedule = PollerSchedule.Tiers, double budgetShare = 0.5) => new()
    {
        PollerSchedule = schedule,
        PollerBudgetShare = budgetShare,
        Role = Role.Poller,
        PollerStrategy = strategy,
        PollerInterval = TimeSpan.FromSeconds(intervalSecs),
        PollerWindowDays = 14,
    };

    /// <summary>The one poller of most tests; tests of several pollers name each.</summary>
    public static readonly PollerInstance DefaultInstance = new("test-poller");

    public static ReactionsPoller Poller(PostgresDatabase db, GitHubHarness gh, FeedbackSettings settings, PollerInstance? instance = null)
    {
        var capture = new CaptureService(db.DataSource, gh.Time);
        var conditions = new PollConditions(db.DataSource, gh.Time);
        instance ??= DefaultInstance;
        var recorder = new PollCycleRecorder(db.DataSource, gh.Time, instance);
        return new ReactionsPoller(
            new PollSelection(db.DataSource),
            new ReactionsReconciler(db.DataSource),
            new ReviewCaptureProcessor(db.DataSource, capture, gh.Client, gh.Time, NullLogger<ReviewCaptureProcessor>.Instance),
            new InstallationLocks(db.DataSource, instance, gh.Time),
            recorder,
            new PollStore(db.DataSource),
            new RepositoryAccess(db.DataSource, gh.Client, conditions, NullLogger<RepositoryAccess>.Instance),
            conditions,
            new PollBudgets(db.DataSource, new PollSelection(db.DataSource), conditions, settings),
            gh.Client, settings, gh.Time, NullLogger<ReactionsPoller>.Instance,
            new PollerPresence(db.DataSource, recorder, instance, settings, gh.Time));
    }

    /// <summary>The feedback table as comparable text, one line a row.</summary>
    public static async Task<List<string>> FeedbackAsync(this PostgresDatabase db)
    {
        var rows = new List<string>();
        await using var cmd = db.DataSource.CreateCommand(
            "select kind, github_comment_id, reactor_id, reactor_login, content from review_feedback order by 1, 2, 3, 5");
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) rows.Add($"{r.GetString(0)}/{r.GetInt64(1)}/{r.GetInt64(2)}/{r.GetString(3)}/{r.GetString(4)}");
        return rows;
    }
}
