using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Reactions;
using FeedbackDashboard.Core.Repositories;
using FeedbackDashboard.Core.Runs;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

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

    public static ReactionsPoller Poller(PostgresDatabase db, GitHubHarness gh, FeedbackSettings settings, PollerInstance? instance = null,
        NpgsqlDataSource? dataSource = null) => Process(db, gh, settings, instance, dataSource).Poller;

    /// <summary>One poller process: its poller and its heartbeat, sharing one cycle recorder as the host's singletons do.</summary>
    public static PollerProcess Process(PostgresDatabase db, GitHubHarness gh, FeedbackSettings settings, PollerInstance? instance = null,
        NpgsqlDataSource? dataSource = null)
    {
        var source = dataSource ?? db.DataSource;
        var capture = new CaptureService(source, gh.Time);
        var conditions = new PollConditions(source, gh.Time);
        instance ??= DefaultInstance;
        var recorder = new PollCycleRecorder(source, gh.Time, instance);
        var presence = new PollerPresence(source, recorder, instance, settings, gh.Time);
        return new PollerProcess(new ReactionsPoller(
            new PollSelection(source),
            new ReactionsReconciler(source, new CommentPolls(source)),
            new ReviewCaptureProcessor(source, capture, gh.Client, gh.Time, NullLogger<ReviewCaptureProcessor>.Instance),
            new InstallationLocks(source, instance, gh.Time),
            recorder,
            new PollStore(source),
            new CommentPolls(source),
            new RepositoryAccess(source, gh.Client, conditions, NullLogger<RepositoryAccess>.Instance),
            conditions,
            new PollBudgets(source, new PollSelection(source), conditions, settings),
            gh.Client, settings, gh.Time, NullLogger<ReactionsPoller>.Instance,
            presence, new AppliedSuggestions(source, gh.Client, gh.Time, NullLogger<AppliedSuggestions>.Instance)), presence);
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

/// <summary>A poller as one process runs it: the cycle and the heartbeat loop (<see cref="PollerPresence.BeatAsync"/>).</summary>
public sealed record PollerProcess(ReactionsPoller Poller, PollerPresence Presence);
