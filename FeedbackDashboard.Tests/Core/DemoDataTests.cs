using FeedbackDashboard.Core.Bots;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Demo;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Core;

/// <summary>
/// The demo set, read back through the queries the pages use: every feature has something to show (comment texts,
/// each signal, addressed figures, a noisy rule, two label values to compare).
/// </summary>
public sealed class DemoDataTests : IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => _db.InitializeAsync();

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Demo_data_shows_every_feature_on_the_pages_default_periods()
    {
        Assert.True(await new DemoData(_db.DataSource, TimeProvider.System).SeedIfEmptyAsync(Ct));
        var now = DateTimeOffset.UtcNow;

        // Run pages: what each comment said and what became of it on GitHub.
        var feedback = new FeedbackQueries(_db.DataSource);
        var runs = await feedback.ListTasksAsync(new TaskFilter { Source = RunSource.Api }, 1, 100, Ct);
        // 60 pull requests, every sixth with a second review round.
        Assert.Equal(70, runs.Total);
        var comments = new List<CommentFeedback>();
        foreach (var run in runs.Items) comments.AddRange((await feedback.GetTaskFeedbackAsync(run.Id, Ct))!.Comments);
        Assert.All(comments, c => Assert.False(string.IsNullOrWhiteSpace(c.Body), $"comment {c.GithubCommentId} has no text"));
        Assert.Contains(comments, c => c.Outdated == true);
        Assert.Contains(comments, c => c.Resolved == true && c.ResolvedByBot == false && c.ResolvedBy is not null);
        Assert.Contains(comments, c => c.Resolved == true && c.ResolvedByBot == true);
        Assert.Contains(comments, c => c.Minimized == true && c.MinimizedReason is not null);
        Assert.Contains(comments, c => c.HumanReplies > 0);
        Assert.Contains(comments, c => c.Disputed);
        Assert.Contains(runs.Items, r => r.Up > 0 && r.Down > 0);

        // What became of them: every disposition, each resolver kind, suggestions applied by a commit and not,
        // and re-raises whose first comment drew a 👎 before.
        var outcomes = new List<CommentOutcome>();
        foreach (var run in runs.Items) outcomes.AddRange((await feedback.GetRunPageAsync(run.Id, Ct))!.Outcomes);
        Assert.Equal(comments.Count, outcomes.Count);
        foreach (var disposition in new[] { DispositionNames.Applied, DispositionNames.Addressed, DispositionNames.Dismissed, DispositionNames.Open })
            Assert.Contains(outcomes, o => o.Disposition == disposition);
        foreach (var kind in new[] { "person", "this_bot", "other_bot" }) Assert.Contains(outcomes, o => o.ResolvedByKind == kind);
        Assert.Contains(outcomes, o => o.SuggestedLines is not null && o.AppliedCommit is { Length: 40 } && o.Disposition == DispositionNames.Applied);
        Assert.Contains(outcomes, o => o.SuggestedLines is not null && o.AppliedCommit is null);
        Assert.All(outcomes.Where(o => o.AppliedCommit is not null), o => Assert.NotNull(o.SuggestedLines));
        var reraises = outcomes.Where(o => o.ReraiseOf is not null).ToList();
        Assert.Equal(10, reraises.Count);
        Assert.All(reraises, o => Assert.NotNull(o.ReraiseOfTaskId));

        // Overview (last 30 days): addressed beside acceptance, for everyone and for maintainers.
        var analytics = new AnalyticsQueries(_db.DataSource);
        var overview = await analytics.QueryAsync(new AnalyticsFilter(), now.AddDays(-30), now, Bucket.Day, Ct);
        Assert.True(overview.Current.Addressed > 0, "Addressed is 0 on the Overview");
        Assert.True(overview.Current.Addressed < overview.Current.Comments, "every comment is addressed");
        Assert.True(overview.Current.Up > 0 && overview.Current.Down > 0);
        Assert.True(overview.Current.Applied > 0 && overview.Current.Applied < overview.Current.Suggestions, "Applied tile shows no rate between 0 and 1");
        Assert.True(overview.Current.Reraised > 0, "Re-raised is 0 on the Overview");
        Assert.True(overview.Current.Dispositions.Dismissed > 0 && overview.Current.Dispositions.Open > 0);
        Assert.Contains(overview.Series, p => p.Applied > 0);
        Assert.Contains(overview.Series, p => p.Reraised > 0);
        var signals = await analytics.OverviewSignalsAsync(new AnalyticsFilter(), now.AddDays(-30), now, 5, Ct);
        Assert.True(signals.Maintainers.Addressed > 0, "Addressed is 0 among maintainers");
        Assert.NotEmpty(signals.MostDisputed);

        // Rules (last 90 days): one rule maintainers reject, and others they keep.
        var rules = await new RulesQueries(_db.DataSource).RankAsync(null, now.AddDays(-90), now, 0, Ct);
        Assert.Contains(rules, r => r.Verdict == Verdicts.Noisy);
        Assert.Contains(rules, r => r.Verdict == Verdicts.Keep);
        Assert.Contains(rules, r => r.Addressed > 0);
        Assert.Contains(rules, r => r.Applied > 0);
        Assert.Contains(rules, r => r.ReraisedAfterDown >= RuleFigures.NoisyReraises);

        // Compare (last 30 days): two bot versions, each with enough reactions for a verdict.
        var facets = await analytics.FacetsAsync(Ct);
        Assert.Equal(["2.3.0", "2.4.0"], facets.Labels["bot_version"].Order());
        var compare = await analytics.CompareAsync(new AnalyticsFilter(),
            new CompareSides("bot_version", "2.3.0", "2.4.0", now.AddDays(-30), now, now.AddDays(-30), now), Bucket.Day, Ct);
        Assert.NotEqual(Verdicts.NotEnoughData, compare.Verdict);
        Assert.True(compare.A.Comments > 0 && compare.B.Comments > 0);

        // Bots (last 30 days): three observed bots, each ranked with an interval, every pair sharing pull requests,
        // a trend of several weeks each, and candidates to add.
        var observed = await feedback.ListTasksAsync(new TaskFilter { Source = RunSource.Observed }, 1, 200, Ct);
        long labelled = 0;
        foreach (var bot in new[] { "coderabbit", "copilot", "gemini" })
        {
            labelled += (await feedback.ListTasksAsync(new TaskFilter { Source = RunSource.Observed, Labels = new Dictionary<string, string> { ["bot"] = bot } },
                1, 1, Ct)).Total;
        }
        Assert.True(observed.Total > 30 && labelled == observed.Total, $"{observed.Total} observed runs, {labelled} labelled with a demo bot");
        var standings = new BotStandings(_db.DataSource, analytics);
        var board = await standings.LeaderboardAsync(new AnalyticsFilter(), now.AddDays(-30), now, Ct);
        Assert.Equal(["coderabbit", "copilot", "gemini"], board.Bots.Select(b => b.Bot));
        Assert.All(board.Bots, b => Assert.True(b.EnoughData && b.AcceptanceLow < b.AcceptanceHigh && b.Addressed > 0 && b.PullRequests > 1, b.Bot));
        Assert.Equal(3, board.Overlap.Count);
        Assert.All(board.Overlap, o => Assert.True(o.SharedPullRequests > 0, $"{o.A}/{o.B}"));
        var paired = await analytics.CompareAsync(new AnalyticsFilter { Paired = new PairedSides("bot", "coderabbit", "gemini") },
            new CompareSides("bot", "coderabbit", "gemini", now.AddDays(-30), now, now.AddDays(-30), now), Bucket.Week, Ct);
        Assert.NotEqual(Verdicts.NotEnoughData, paired.Verdict);
        var trends = await standings.TrendsAsync(new AnalyticsFilter(), now.AddDays(-30), now, Ct);
        Assert.All(board.Bots, b => Assert.True(trends[b.Bot].Count(p => p.Up + p.Down > 0) >= 3, $"{b.Bot}'s trend"));
        var candidates = await new BotProfiles(_db.DataSource, TimeProvider.System).CandidatesAsync(Ct);
        Assert.Equal(["cursor[bot]", "chatgpt-codex-connector[bot]"], candidates.Select(c => c.Login));
    }
}
