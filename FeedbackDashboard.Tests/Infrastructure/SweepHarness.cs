using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Bots;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Runs;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>The observed-bots sweep made of the real parts, on a test database and a fake GitHub sharing one clock.</summary>
public static class SweepHarness
{
    public static FeedbackSettings Settings(int backfillDays = 14, double budgetShare = 0.5) => new()
    {
        Role = Role.Poller,
        PollerBudgetShare = budgetShare,
        PollerWindowDays = 14,
        ObserveBackfillDays = backfillDays,
    };

    public static ObserveSweep Sweep(PostgresDatabase db, GitHubHarness gh, FeedbackSettings settings, PollerInstance? instance = null)
    {
        instance ??= PollerHarness.DefaultInstance;
        var recorder = new PollCycleRecorder(db.DataSource, gh.Time, instance);
        var presence = new PollerPresence(db.DataSource, recorder, instance, settings, gh.Time);
        var observed = new ObservedComments(new BotProfiles(db.DataSource, gh.Time), NullLogger<ObservedComments>.Instance);
        return new ObserveSweep(db.DataSource, gh.Client, observed, recorder, presence, settings, gh.Time,
            NullLogger<ObserveSweep>.Instance);
    }

    /// <summary>Registers an installed repository as GitHub knows it (its numeric id), as installation events do.</summary>
    public static async Task<long> InstalledRepoAsync(this PostgresDatabase db, FakeGitHub fake, string fullName, long installation)
    {
        var repo = fake.AddRepo(fullName);
        var parts = fullName.Split('/');
        return await db.ScalarAsync<long>($"""
            insert into repositories (owner, name, full_name, installation_id, installed, github_id)
            values ('{parts[0]}', '{parts[1]}', '{fullName.ToLowerInvariant()}', {installation}, true, {repo.Id}) returning id
            """);
    }
}
