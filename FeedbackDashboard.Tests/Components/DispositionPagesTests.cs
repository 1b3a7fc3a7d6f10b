using Bunit;
using FeedbackDashboard.Components.Pages;
using FeedbackDashboard.Components.Shared;
using FeedbackDashboard.Core;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Tests.Components;

/// <summary>
/// Issue 33 on the pages, rendered by bUnit over the real Core services: the run page's disposition chips, suggested
/// change, applying commit and "raised again" link; the Overview's Applied and Re-raised tiles; the Rules columns.
/// </summary>
public sealed class DispositionPagesTests : BunitBase, IAsyncLifetime
{
    private const string Sha = "89abcdef0123456789abcdef0123456789abcdef";
    private readonly PostgresDatabase _db = new();
    private Guid _first, _second;

    public async ValueTask InitializeAsync()
    {
        await _db.InitializeAsync();
        // Pull request 5, two review rounds. Round 1: comment 1 with a suggestion applied by a commit, comment 2 👎'd by a
        // maintainer (dismissed), comment 3 open with a suggestion nobody took. Round 2: comment 4 raises 2 again;
        // comment 5 raises 4 again (same run).
        var now = DateTimeOffset.UtcNow;
        _first = await _db.TaskAsync("acme/outcomes", now.AddDays(-2), pr: 5);
        _second = await _db.TaskAsync("acme/outcomes", now.AddDays(-1), pr: 5);
        await _db.CommentAsync(_first, "inline", 1, now.AddDays(-2), "src/a.cs", 3);
        await _db.CommentAsync(_first, "inline", 2, now.AddDays(-2), "src/b.cs", 9);
        await _db.CommentAsync(_first, "inline", 3, now.AddDays(-2), "src/c.cs", 1);
        await _db.CommentAsync(_second, "inline", 4, now.AddDays(-1), "src/b.cs", 9);
        await _db.CommentAsync(_second, "inline", 5, now.AddDays(-1), "src/b.cs", 9);
        await _db.ReactionAsync("inline", 2, 7, "-1", now.AddDays(-2).AddHours(1), "mona");
        await _db.MaintainerAsync("acme/outcomes", 7, "mona", "MEMBER");
        await _db.ExecuteAsync($"""
            update review_comments set rule = 'null-check', body = E'Guard it:\n```suggestion\nif (x is null) return;\nreturn x.Id;\n```',
                suggested_lines = E'if (x is null) return;\nreturn x.Id;', applied_commit = '{Sha}', disposition = 'applied',
                html_url = 'https://ghe.example.com/acme/outcomes/pull/5#discussion_r1', resolved = true, resolved_by = 'review-bot[bot]',
                resolved_by_bot = true, resolved_by_kind = 'this_bot'
            where github_comment_id = 1;
            update review_comments set rule = 'naming', body = 'Rename tmp.', disposition = 'dismissed' where github_comment_id = 2;
            update review_comments set rule = 'null-check', body = 'Maybe this.', suggested_lines = 'return y;' where github_comment_id = 3;
            update review_comments set rule = 'naming', body = 'Rename tmp.', reraise_of = 2 where github_comment_id = 4;
            update review_comments set rule = 'naming', body = 'Rename tmp.', reraise_of = 4 where github_comment_id = 5;
            """);
        Services.AddSingleton(new DashboardExposure("none", loopbackOnly: true));
        Services.AddSingleton(new FeedbackSettings());
        Services.AddSingleton(TimeProvider.System);
        Services.AddFeedbackCore(_db.DataSource);
        AddBunitPersistentComponentState();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public new async ValueTask DisposeAsync()
    {
        await _db.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public void Run_page_shows_the_disposition_the_suggested_change_and_the_commit_that_applied_it()
    {
        var cut = Render<RunDetail>(p => p.Add(x => x.Id, _first));
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=chip-disposition]").Count), TimeSpan.FromSeconds(10));
        Assert.Equal(["applied", "dismissed", "open"], cut.FindAll("[data-testid=chip-disposition]").Select(c => c.TextContent.Trim()));

        var rows = cut.FindAll("[data-testid=comment-row]");
        // The suggested lines as the lines a diff adds, as text.
        var lines = rows[0].QuerySelectorAll("[data-testid=suggestion-line]").Select(l => l.TextContent).ToList();
        Assert.Equal(["+ if (x is null) return;", "+ return x.Id;"], lines);
        Assert.Single(rows[2].QuerySelectorAll("[data-testid=comment-suggestion]"));
        Assert.Empty(rows[1].QuerySelectorAll("[data-testid=comment-suggestion]"));

        // The applying commit, on the host of the comment's own link (an Enterprise Server here), by its short sha.
        var commit = Assert.Single(cut.FindAll("[data-testid=applied-commit]"));
        Assert.Equal($"https://ghe.example.com/acme/outcomes/commit/{Sha}", commit.GetAttribute("href"));
        Assert.Equal("applied in 89abcde", commit.TextContent.Trim());
        Assert.Contains("resolved by the bot itself", rows[0].QuerySelector("[data-testid=chip-resolved]")!.TextContent);

        // The rows are anchors a later "raised again" can point at.
        Assert.Equal("comment-inline-2", rows[1].GetAttribute("id"));
        Assert.Empty(cut.FindAll("[data-testid=raised-again]"));
    }

    [Fact]
    public void Run_page_links_a_comment_raised_again_to_the_first_one_in_its_run_or_an_earlier_one()
    {
        var cut = Render<RunDetail>(p => p.Add(x => x.Id, _second));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=raised-again]").Count), TimeSpan.FromSeconds(10));
        var links = cut.FindAll("[data-testid=raised-again]");
        // Comment 4 raises 2 again, from the first round's run; comment 5 raises 4 again, on this page.
        Assert.Equal($"/runs/{_first}#comment-inline-2", links[0].GetAttribute("href"));
        Assert.Equal("#comment-inline-4", links[1].GetAttribute("href"));
        Assert.Contains("raised again", links[0].TextContent);
        Assert.Contains("src/b.cs:9", links[0].GetAttribute("title"));
        Assert.Equal(["open", "open"], cut.FindAll("[data-testid=chip-disposition]").Select(c => c.TextContent.Trim()));
    }

    [Fact]
    public async Task Applied_commit_link_falls_back_to_the_web_url_without_the_comments_link()
    {
        await _db.ExecuteAsync("update review_comments set html_url = null where github_comment_id = 1");
        var cut = Render<RunDetail>(p => p.Add(x => x.Id, _first));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=applied-commit]")), TimeSpan.FromSeconds(10));
        Assert.Equal($"{new FeedbackSettings().GitHubWebUrl}/acme/outcomes/commit/{Sha}", cut.Find("[data-testid=applied-commit]").GetAttribute("href"));
    }

    [Fact]
    public void Overview_shows_the_applied_and_reraised_tiles_with_their_intervals()
    {
        var cut = Render<Home>();
        // 1 of 2 suggestions applied (Wilson 95 %: 9 %-91 %); 2 of 5 comments re-raised (12 %-77 %).
        cut.WaitForAssertion(() => Assert.Equal(Format.Percent(0.5), cut.Find("[data-testid=kpi-applied-value]").TextContent.Trim()), TimeSpan.FromSeconds(10));
        var applied = cut.Find("[data-testid=kpi-applied]").TextContent;
        Assert.Contains($"1 of 2 suggested changes committed; 95 % interval {Format.Percent(0.09)} – {Format.Percent(0.91)}", applied);
        Assert.Equal(Format.Percent(0.4), cut.Find("[data-testid=kpi-reraised-value]").TextContent.Trim());
        Assert.Contains("2 of 5 comments", cut.Find("[data-testid=kpi-reraised]").TextContent);
        Assert.Contains($"95 % interval {Format.Percent(0.12)} – {Format.Percent(0.77)}", cut.Find("[data-testid=kpi-reraised]").TextContent);
        // Trend lines for both.
        var legend = cut.Find("[data-testid=trend-chart]").TextContent;
        Assert.Contains("Applied", legend);
        Assert.Contains("Re-raised", legend);
    }

    [Fact]
    public void Rules_page_shows_applied_and_reraised_per_rule()
    {
        var cut = Render<Rules>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=rule-row]").Count), TimeSpan.FromSeconds(10));
        var rows = cut.FindAll("[data-testid=rule-row]");
        // naming: comment 4 raises 2 again after mona's 👎, comment 5 raises 4 (never 👎'd): one re-raise after a 👎, not noisy yet.
        var naming = rows.Single(r => r.TextContent.Contains("naming"));
        Assert.Equal($"{Format.Percent(2 / 3.0)} (2; 1 after 👎)", naming.QuerySelector("[data-testid=rule-reraised]")!.TextContent.Trim());
        Assert.Equal("not enough data", naming.QuerySelector("[data-testid=rule-verdict]")!.TextContent.Trim());
        var nullCheck = rows.Single(r => r.TextContent.Contains("null-check"));
        Assert.Equal($"{Format.Percent(0.5)} (1 of 2)", nullCheck.QuerySelector("[data-testid=rule-applied]")!.TextContent.Trim());
    }
}
