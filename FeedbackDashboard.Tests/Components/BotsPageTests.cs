using Bunit;
using FeedbackDashboard.Components.Pages;
using FeedbackDashboard.Components.Shared;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Demo;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Tests.Components;

/// <summary>The Bots page and the bot pickers of Runs and Overview, over the demo set on a real PostgreSQL.</summary>
public sealed class BotsPageTests : BunitBase, IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();

    public async ValueTask InitializeAsync()
    {
        await _db.InitializeAsync();
        Services.AddSingleton(new DashboardExposure("none", loopbackOnly: true));
        Services.AddSingleton(new FeedbackSettings());
        Services.AddSingleton(TimeProvider.System);
        Services.AddFeedbackCore(_db.DataSource);
        AddBunitPersistentComponentState();
    }

    public new async ValueTask DisposeAsync()
    {
        await _db.DisposeAsync();
        await base.DisposeAsync();
    }

    private Task SeedAsync() => new DemoData(_db.DataSource, TimeProvider.System).SeedIfEmptyAsync(Ct);

    [Fact]
    public async Task Bots_page_shows_the_leaderboard_with_intervals_the_overlap_trends_and_candidates_with_their_command()
    {
        await SeedAsync();
        var now = DateTimeOffset.UtcNow;
        var expected = await Services.GetRequiredService<BotStandings>().LeaderboardAsync(new AnalyticsFilter(), now.AddDays(-30), now, Ct);

        var cut = Render<Bots>();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=leaderboard-row]").Count), TimeSpan.FromSeconds(10));
        Assert.Equal(expected.Bots.Select(b => b.Bot), cut.FindAll("[data-testid=leaderboard-bot]").Select(a => a.TextContent));
        Assert.Equal("/runs?bot=coderabbit", cut.FindAll("[data-testid=leaderboard-bot]")[0].GetAttribute("href"));
        // Each row draws both intervals as bands, and says the acceptance interval in words.
        Assert.Equal(3, cut.FindAll("[data-testid=leaderboard-acceptance] .fd-interval-band").Count);
        Assert.Equal(3, cut.FindAll("[data-testid=leaderboard-addressed] .fd-interval-band").Count);
        // What became of each bot's suggestions, and how often it raised a finding again, beside its acceptance.
        Assert.All(expected.Bots, b => Assert.True(b.Suggestions > 0 && b.Applied > 0, $"{b.Bot}: {b.Applied} of {b.Suggestions} applied"));
        Assert.Equal(3, cut.FindAll("[data-testid=leaderboard-applied] .fd-interval-band").Count);
        Assert.Equal($"{Format.Percent(expected.Bots[0].AppliedRate)} of {expected.Bots[0].Suggestions} suggestions",
            cut.FindAll("[data-testid=leaderboard-applied-text]")[0].TextContent);
        Assert.Equal(3, cut.FindAll("[data-testid=leaderboard-reraised-text]").Count);
        var first = expected.Bots[0];
        Assert.Equal($"{Format.Percent(first.Acceptance)} ({Format.Percent(first.AcceptanceLow)} – {Format.Percent(first.AcceptanceHigh)})",
            cut.FindAll("[data-testid=leaderboard-acceptance-text]")[0].TextContent);
        // The trend: a line per bot through its weeks, named for screen readers.
        var trend = cut.FindAll("[data-testid=leaderboard-trend]")[0];
        Assert.StartsWith("coderabbit's acceptance by week: ", trend.GetAttribute("aria-label"));
        Assert.NotEmpty(trend.QuerySelectorAll("polyline"));

        foreach (var o in expected.Overlap)
        {
            Assert.Equal(o.SharedPullRequests.ToString(), cut.Find($"[data-testid=overlap-{o.A}-{o.B}]").TextContent.Trim());
            Assert.Equal(o.SharedPullRequests.ToString(), cut.Find($"[data-testid=overlap-{o.B}-{o.A}]").TextContent.Trim());
        }
        Assert.Equal(expected.Bots.Single(b => b.Bot == "gemini").PullRequests.ToString(), cut.Find("[data-testid=overlap-gemini-gemini]").TextContent.Trim());

        Assert.Equal(["FeedbackDashboard bots add --name cursor --login 'cursor[bot]'",
                      "FeedbackDashboard bots add --name chatgpt-codex-connector --login 'chatgpt-codex-connector[bot]'"],
            cut.FindAll("[data-testid=candidate-command]").Select(c => c.TextContent));
        Assert.Single(cut.FindAll("h1"));
    }

    [Fact]
    public void Bots_page_on_an_empty_database_says_how_to_add_a_bot()
    {
        var cut = Render<Bots>();
        cut.WaitForAssertion(() => Assert.Contains("bots add --name NAME --login LOGIN", cut.Find("[data-testid=bots-empty]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Empty(cut.FindAll("[data-testid=overlap]"));
        Assert.Single(cut.FindAll("[data-testid=candidates-empty]"));
    }

    [Fact]
    public async Task The_bot_picker_narrows_the_runs_and_the_overview_to_one_bot()
    {
        await SeedAsync();
        var now = DateTimeOffset.UtcNow;
        var gemini = new Dictionary<string, string> { ["bot"] = "gemini" };
        var runs = await Services.GetRequiredService<FeedbackQueries>().ListTasksAsync(new TaskFilter { Labels = gemini }, 1, 200, Ct);

        var list = Render<Runs>();
        list.WaitForAssertion(() => Assert.Equal(25, list.FindAll("[data-testid=run-row]").Count), TimeSpan.FromSeconds(10));
        var picker = list.Find("[data-testid=filter-bot]");
        Assert.Equal(["", "coderabbit", "copilot", "gemini"], picker.QuerySelectorAll("option").Select(o => o.GetAttribute("value")));
        picker.Change("gemini");
        list.WaitForAssertion(() => Assert.Equal(runs.Items.Take(25).Select(r => r.Up.ToString()),
            list.FindAll("[data-testid=run-up]").Select(c => c.TextContent.Trim())), TimeSpan.FromSeconds(10));
        Assert.True(runs.Total is > 5 and < 60, $"{runs.Total} gemini runs");

        var figures = await Services.GetRequiredService<AnalyticsQueries>().QueryAsync(new AnalyticsFilter(Labels: gemini), now.AddDays(-30), now, Bucket.Day, Ct);
        var overview = Render<Home>();
        overview.WaitForAssertion(() => Assert.Contains("gemini", overview.Find("[data-testid=filter-bot]").QuerySelectorAll("option").Select(o => o.GetAttribute("value"))),
            TimeSpan.FromSeconds(10));
        overview.Find("[data-testid=filter-bot]").Change("gemini");
        overview.WaitForAssertion(() => Assert.Equal(figures.Current.Up.ToString(), overview.Find("[data-testid=kpi-up-value]").TextContent.Trim()),
            TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void The_bot_picker_hands_back_the_bot_and_the_filter_carries_it_as_the_label()
    {
        ProducedBy? picked = null;
        var cut = Render<ProducedByFilters>(p => p.Add(f => f.Bots, ["alpha", "beta"]).Add(f => f.Value, ProducedBy.Any with { Rule = "null-check" })
            .Add(f => f.ValueChanged, v => picked = v));
        cut.Find("[data-testid=filter-bot]").Change("beta");
        Assert.Equal(("beta", "null-check"), (picked!.Bot, picked.Rule));
        Assert.Equal(new Dictionary<string, string> { ["bot"] = "beta" }, picked.Apply(new AnalyticsFilter()).Labels);

        // Without profiles there is no bot picker.
        Assert.Empty(Render<ProducedByFilters>().FindAll("[data-testid=filter-bot]"));
    }
}
