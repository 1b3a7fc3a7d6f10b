using Bunit;
using FeedbackDashboard.Components.Layout;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;

namespace FeedbackDashboard.Tests.Components;

public sealed class LayoutTests : BunitBase
{
    [Fact]
    public void Layout_has_app_bar_navigation_to_every_page_and_a_dark_mode_toggle()
    {
        SetRendererInfo(new RendererInfo("Server", isInteractive: true)); // as in the app: interactive server
        var cut = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page body"))));

        Assert.Contains("FeedbackDashboard", cut.Markup);
        Assert.Contains("page body", cut.Markup);
        var links = cut.FindAll("a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Contains("/", links);
        Assert.Contains("/runs", links);
        Assert.Contains("/maintainers", links);
        Assert.Contains("/health", links);
        Assert.Contains("/bots", links);

        var toggle = cut.Find("[data-testid=dark-mode-toggle]");
        Assert.Equal("Toggle dark mode", toggle.GetAttribute("aria-label"));
        var before = toggle.InnerHtml;
        toggle.Click();
        var after = cut.Find("[data-testid=dark-mode-toggle]").InnerHtml;
        Assert.NotEqual(before, after);
    }
}
