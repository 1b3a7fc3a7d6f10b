using Deque.AxeCore.Playwright;
using FeedbackDashboard.Core.Demo;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Playwright;

namespace FeedbackDashboard.Tests.Browser;

/// <summary>
/// Issue 33's pages with the demo data in Debian's Chromium: a second-round run (an applied suggestion and a finding
/// raised again) and the Overview's Applied and Re-raised tiles, at 1366 px and at a phone's 390 px, axe-clean in both
/// themes. Screenshots land in screenshots/ beside the test binaries (dispositions-*.png).
/// </summary>
public sealed class DispositionBrowserTests : IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();
    private RunningApp _app = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async ValueTask InitializeAsync()
    {
        // Generous: the machine this runs on may be shared with other builds.
        Assertions.SetDefaultExpectTimeout(60_000);
        await _db.InitializeAsync();
        Assert.True(await new DemoData(_db.DataSource, TimeProvider.System).SeedIfEmptyAsync(TestContext.Current.CancellationToken));
        _app = await RunningApp.StartAsync(_db.ConnectionString);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        Directory.CreateDirectory(Screenshots);
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _app.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Demo_run_page_and_overview_show_dispositions_at_desktop_and_phone_width_in_both_themes()
    {
        // A demo run with an applied suggestion (one whose finding was raised again later when there is one), and the
        // second-round run that raised a finding of the first round again.
        var firstRound = await _db.ScalarAsync<Guid>("""
            select a.task_id from review_comments a where a.applied_commit is not null
            order by exists (select 1 from review_comments c join review_comments r on r.reraise_of = c.github_comment_id
                             where c.task_id = a.task_id) desc, a.created_at desc
            limit 1
            """);
        var pair = (await _db.ScalarAsync<string>("""
            select c.task_id || ' ' || r.task_id from review_comments r join review_comments c on c.github_comment_id = r.reraise_of
            order by r.created_at desc limit 1
            """)).Split(' ');
        var (reraisedRun, secondRound) = (Guid.Parse(pair[0]), Guid.Parse(pair[1]));

        foreach (var (width, height, name) in new[] { (1366, 900, "desktop"), (390, 844, "phone") })
        {
            await using var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
            foreach (var dark in new[] { false, true })
            {
                var theme = dark ? "dark" : "light";
                if (dark)
                {
                    var toggle = await OpenAsync(context, "/");
                    await toggle.GetByTestId("dark-mode-toggle").ClickAsync();
                    await Assertions.Expect(toggle.GetByTestId("dark-mode-toggle")).ToHaveAttributeAsync("title", "Light mode");
                    await toggle.CloseAsync();
                }

                var run = await OpenAsync(context, $"/runs/{firstRound}");
                await Assertions.Expect(run.GetByTestId("chip-disposition").First).ToBeVisibleAsync();
                await Assertions.Expect(run.GetByTestId("suggestion-line").First).ToContainTextAsync("+ ");
                var commit = run.GetByTestId("applied-commit").First;
                await Assertions.Expect(commit).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("/demo/[a-z-]+/commit/[0-9a-f]{40}$"));
                await AssertOnScreenAsync(run, width, "chip-disposition", "applied-commit", "comment-suggestion");
                await AssertCleanAsync(run, $"run page {name} {theme}");
                await ShotAsync(run, $"dispositions-run-{name}-{theme}");
                await run.CloseAsync();

                var again = await OpenAsync(context, $"/runs/{secondRound}");
                var link = again.GetByTestId("raised-again").First;
                await Assertions.Expect(link).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex($"^/runs/{reraisedRun}#comment-inline-\\d+$"));
                await AssertOnScreenAsync(again, width, "raised-again", "chip-disposition");
                await AssertCleanAsync(again, $"second round {name} {theme}");
                await ShotAsync(again, $"dispositions-reraise-{name}-{theme}");
                // Following it lands on the first comment's row.
                await link.ClickAsync();
                await Assertions.Expect(again).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/runs/{reraisedRun}#comment-inline-\\d+$"));
                var anchor = new Uri(again.Url).Fragment.TrimStart('#');
                await Assertions.Expect(again.Locator($"[id='{anchor}']")).ToBeVisibleAsync();
                await again.CloseAsync();

                var home = await OpenAsync(context, "/");
                await Assertions.Expect(home.GetByTestId("kpi-applied-value")).ToContainTextAsync("%");
                await Assertions.Expect(home.GetByTestId("kpi-reraised-value")).ToContainTextAsync("%");
                await Assertions.Expect(home.GetByTestId("kpi-applied")).ToContainTextAsync("95 % interval");
                await Assertions.Expect(home.GetByTestId("trend-chart")).ToContainTextAsync("Re-raised");
                await AssertOnScreenAsync(home, width, "kpi-applied", "kpi-reraised");
                await AssertCleanAsync(home, $"overview {name} {theme}");
                await ShotAsync(home, $"dispositions-overview-{name}-{theme}");
                await home.CloseAsync();
            }
        }
    }

    private async Task<IPage> OpenAsync(IBrowserContext context, string path)
    {
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        var console = new List<string>();
        page.Console += (_, m) => { lock (console) console.Add($"{m.Type}: {m.Text}"); };
        await page.GotoAsync(new Uri(_app.Url, path).ToString());
        try
        {
            await page.Locator("[data-testid=app-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        }
        catch (TimeoutException e)
        {
            var log = _app.Output;
            await ShotAsync(page, "dispositions-not-interactive");
            throw new TimeoutException($"{path} never became interactive; the browser said: {string.Join(" | ", console)}; the app's log ends:\n{log[Math.Max(0, log.Length - 3000)..]}", e);
        }
        return page;
    }

    /// <summary>Nothing wider than the screen, the named elements inside it, one h1, and no serious axe finding.</summary>
    private static async Task AssertCleanAsync(IPage page, string what)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        Assert.True(widths[0] <= widths[1], $"{what}: the page is {widths[0]} px wide in a {widths[1]} px window");
        await Assertions.Expect(page.Locator("main h1")).ToHaveCountAsync(1);
        var result = await page.RunAxe();
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}").ToList();
        Assert.True(bad.Count == 0, $"{what}: {bad.Count} serious or critical axe violations:\n{string.Join("\n", bad)}");
    }

    private static async Task AssertOnScreenAsync(IPage page, int width, params string[] testIds)
    {
        foreach (var testId in testIds)
        {
            var element = page.GetByTestId(testId).First;
            await Assertions.Expect(element).ToBeVisibleAsync();
            var box = (await element.BoundingBoxAsync())!;
            Assert.True(box.X >= 0 && box.X + box.Width <= width, $"{page.Url}: {testId} is outside the {width} px screen ({box.X} + {box.Width} px)");
        }
    }

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });
}
