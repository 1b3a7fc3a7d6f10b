using Bunit;
using FeedbackDashboard.Components.Pages;
using FeedbackDashboard.Core;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Tests.Components;

/// <summary>Compare and Rules, and the label/rule/category filters of Overview and Runs, rendered by bUnit over real Core services.</summary>
public sealed class InsightPagesTests : BunitBase, IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();

    public ValueTask InitializeAsync() => _db.InitializeAsync();

    public new async ValueTask DisposeAsync()
    {
        await _db.DisposeAsync();
        await base.DisposeAsync();
    }

    private void UseDatabase()
    {
        Services.AddSingleton(new DashboardExposure("none", loopbackOnly: true));
        Services.AddSingleton(new FeedbackSettings());
        Services.AddSingleton(TimeProvider.System);
        Services.AddFeedbackCore(_db.DataSource);
        AddBunitPersistentComponentState();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    /// <summary>Run A (2.3.0): 20 null-check comments, 3 👍 2 👎 each; run B (2.4.0): 20 naming comments, 1 👍 4 👎 each. Reactors 1-3 maintain.</summary>
    private async Task<(Guid A, Guid B)> SeedAsync()
    {
        var at = DateTimeOffset.UtcNow.AddDays(-3);
        var a = await _db.TaskAsync("acme/web", at, pr: 1);
        var b = await _db.TaskAsync("acme/web", at, pr: 2);
        await _db.ExecuteAsync($"""
            update tasks set labels = '{"{"}"bot_version": "2.3.0"{"}"}' where id = '{a}';
            update tasks set labels = '{"{"}"bot_version": "2.4.0"{"}"}' where id = '{b}';
            insert into review_comments (kind, github_comment_id, task_id, file, line, created_at, rule, category, body)
            select 'inline', g, '{a}', 'src/a.cs', g, '{at:O}', 'null-check', 'correctness', 'Check for null ' || g from generate_series(1, 20) g;
            insert into review_comments (kind, github_comment_id, task_id, file, line, created_at, rule, category, body)
            select 'inline', 100 + g, '{b}', 'src/b.cs', g, '{at:O}', 'naming', 'style', 'Rename this ' || g from generate_series(1, 20) g;
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select 'inline', c, u, 'user' || u, case when u <= 3 then '+1' else '-1' end, now() from generate_series(1, 20) c, generate_series(1, 5) u;
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select 'inline', 100 + c, u, 'user' || u, case when u = 5 then '+1' else '-1' end, now() from generate_series(1, 20) c, generate_series(1, 5) u;
            """);
        foreach (var id in new[] { 1, 2, 3 }) await _db.MaintainerAsync("acme/web", id, $"user{id}", "MEMBER");
        return (a, b);
    }

    [Fact]
    public async Task Compare_shows_both_label_values_with_interval_bars_and_the_verdict_in_words()
    {
        await SeedAsync();
        UseDatabase();
        var cut = Render<Compare>();
        cut.WaitForAssertion(() => Assert.Contains("2.3.0 is better than 2.4.0 at 95 % confidence", cut.Find("[data-testid=verdict]").TextContent),
            TimeSpan.FromSeconds(10));
        Assert.Contains("2.3.0", cut.Find("[data-testid=side-a]").TextContent);
        Assert.Contains("2.4.0", cut.Find("[data-testid=side-b]").TextContent);
        // The band spans the Wilson interval of 60/100 (50.2 % – 69.06 %) on a 0-100 % track.
        var band = cut.Find("[data-testid=interval-a-acceptance] .fd-interval-band").GetAttribute("style")!;
        Assert.Contains("left:50.2%", band);
        Assert.Contains("width:18.86%", band);
        Assert.True(cut.Find("[data-testid=verdict]").TextContent.Contains("p < 0.001"), cut.Find("[data-testid=verdict]").TextContent);
        var trend = cut.Find("[data-testid=compare-trend]").TextContent;
        Assert.Contains("A: 2.3.0", trend);
        Assert.Contains("B: 2.4.0", trend);
    }

    [Fact]
    public void Compare_without_labels_says_how_to_send_them()
    {
        UseDatabase();
        var cut = Render<Compare>();
        cut.WaitForAssertion(() => Assert.Contains("\"labels\"", cut.Find("[data-testid=compare-empty]").TextContent), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Rules_lists_the_noisiest_first_and_opens_the_comments_behind_a_rule()
    {
        await SeedAsync();
        UseDatabase();
        var cut = Render<Rules>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=rule-row]").Count), TimeSpan.FromSeconds(10));
        var rows = cut.FindAll("[data-testid=rule-row]");
        Assert.Contains("naming", rows[0].TextContent);
        Assert.Contains("noisy", rows[0].QuerySelector("[data-testid=rule-verdict]")!.TextContent);
        Assert.Contains("null-check", rows[1].TextContent);
        Assert.Contains("keep", rows[1].QuerySelector("[data-testid=rule-verdict]")!.TextContent);
        Assert.Empty(cut.FindAll("[data-testid=rule-comments]"));

        cut.FindAll("[data-testid=rule-toggle]")[0].Click();
        cut.WaitForAssertion(() => Assert.Equal(20, cut.FindAll("[data-testid=rule-comment]").Count), TimeSpan.FromSeconds(10));
        Assert.Contains("Rename this", cut.Find("[data-testid=rule-comments]").TextContent);
        Assert.DoesNotContain("Check for null", cut.Find("[data-testid=rule-comments]").TextContent);
    }

    [Fact]
    public async Task Overview_and_Runs_filter_by_label_and_rule()
    {
        var (a, _) = await SeedAsync();
        UseDatabase();
        var navigation = Services.GetRequiredService<NavigationManager>();

        navigation.NavigateTo("/?label=bot_version=2.4.0");
        var overview = Render<Home>();
        overview.WaitForAssertion(() => Assert.Equal("20", overview.Find("[data-testid=kpi-up-value]").TextContent.Trim()),
            TimeSpan.FromSeconds(10));
        Assert.Equal("bot_version=2.4.0", overview.Find("[data-testid=filter-label]").GetAttribute("value"));
        await DisposeComponentsAsync();

        navigation.NavigateTo("/?rule=null-check");
        var byRule = Render<Home>();
        byRule.WaitForAssertion(() => Assert.Equal("60", byRule.Find("[data-testid=kpi-up-value]").TextContent.Trim()),
            TimeSpan.FromSeconds(10));
        await DisposeComponentsAsync();

        navigation.NavigateTo("/runs?rule=null-check");
        var runs = Render<Runs>();
        runs.WaitForAssertion(() => Assert.Single(runs.FindAll("[data-testid=run-link]")), TimeSpan.FromSeconds(10));
        // The short name is the id's random end (a UUIDv7's start is its timestamp, shared by runs of the same minute).
        Assert.Equal(a.ToString("N")[^8..], runs.Find("[data-testid=run-link]").TextContent);
    }
}
