using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Playwright;

namespace FeedbackDashboard.Tests.Browser;

/// <summary>
/// The dashboard in Debian's Chromium, driven by Playwright, against the real app process and seeded PostgreSQL.
/// Screenshots land in screenshots/ beside the test binaries.
/// </summary>
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();
    private RunningApp _app = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private Guid _flaggedRun;
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async ValueTask InitializeAsync()
    {
        // Playwright's 5 s for an expectation is short for a page that loads demo data on a busy 2-core machine.
        Assertions.SetDefaultExpectTimeout(20_000);
        await _db.InitializeAsync();
        var now = DateTimeOffset.UtcNow;
        // Seed: 3 runs in acme/web (one with a 👎), 1 in acme/api; 5 👍 and 2 👎 in all.
        var runs = new List<Guid>();
        for (var i = 0; i < 3; i++) runs.Add(await _db.TaskAsync("acme/web", now.AddDays(-1 - i), pr: 10 + i, authorId: 7, authorLogin: "mona", association: "CONTRIBUTOR"));
        var api = await _db.TaskAsync("acme/api", now.AddDays(-2), pr: 99, authorId: 8, authorLogin: "hubot", association: "NONE");
        await _db.CommentAsync(runs[0], "inline", 1, now.AddDays(-1), "src/login.ts", 42);
        await _db.CommentAsync(runs[0], "reply", 2, now.AddDays(-1), "src/login.ts", 50);
        await _db.CommentAsync(runs[1], "inline", 3, now.AddDays(-2), "src/db.ts", 7);
        await _db.CommentAsync(api, "inline", 4, now.AddDays(-2), "main.go", 1);
        await _db.ReactionAsync("inline", 1, 7, "+1", login: "mona");
        await _db.ReactionAsync("inline", 1, 20, "+1", login: "drive-by");
        await _db.ReactionAsync("inline", 1, 21, "-1", login: "critic");
        await _db.ReactionAsync("reply", 2, 7, "+1", login: "mona");
        await _db.ReactionAsync("inline", 3, 7, "+1", login: "mona");
        await _db.ReactionAsync("inline", 4, 8, "+1", login: "hubot");
        await _db.ReactionAsync("inline", 4, 21, "-1", login: "critic");
        await _db.MaintainerAsync("acme/web", 7, "mona", "MEMBER");
        await _db.ExecuteAsync("update repositories set maintainers_refreshed_at = now(), maintainers_outcome = 'ok' where full_name = 'acme/web'");
        await _db.ExecuteAsync("update repositories set maintainers_outcome = 'failed', maintainers_error = 'collaborators answered 502' where full_name = 'acme/api'");
        await _db.ExecuteAsync("""
            insert into poll_cycles (job, instance, started_at, finished_at, status, comments_selected, comments_checked, reactions_inserted, requests_made, errors)
            values ('reactions', 'test', now() - interval '2 minutes', now() - interval '118 seconds', 'partial', 4, 3, 7, 2, '["inline comment 4 (acme/api): reactions page answered 502"]')
            """);
        _flaggedRun = runs[0];

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

    private async Task<IPage> OpenAsync(string path, int width = 1280, int height = 900)
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync(new Uri(_app.Url, path).ToString());
        // Interactive once the Blazor circuit is up.
        await page.Locator("[data-testid=app-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    [Fact]
    public async Task Every_page_shows_the_seeded_figures_and_filters_work()
    {
        // Overview: 5 👍, 2 👎, acceptance 71 %, 4 of 4 comments reacted.
        var home = await OpenAsync("/");
        await Assertions.Expect(home.GetByTestId("kpi-up-value")).ToHaveTextAsync("5");
        await Assertions.Expect(home.GetByTestId("kpi-down-value")).ToHaveTextAsync("2");
        await Assertions.Expect(home.GetByTestId("kpi-acceptance-value")).ToContainTextAsync("71");
        await Assertions.Expect(home.GetByTestId("kpi-coverage")).ToContainTextAsync("4 of 4 comments drew a reaction");
        await Assertions.Expect(home.GetByTestId("top-repositories")).ToContainTextAsync("acme/web");
        await Assertions.Expect(home.GetByTestId("downvoted-files")).ToContainTextAsync("src/login.ts");
        await Assertions.Expect(home.GetByTestId("nav").Locator("[aria-current=page]")).ToHaveTextAsync("Overview");
        await ShotAsync(home, "overview");
        // The repository picker (a native select): acme/api alone has 1 👍 and 1 👎.
        await home.GetByTestId("repository").SelectOptionAsync(new SelectOptionValue { Label = "acme/api" });
        await Assertions.Expect(home.GetByTestId("kpi-up-value")).ToHaveTextAsync("1");
        await Assertions.Expect(home.GetByTestId("kpi-down-value")).ToHaveTextAsync("1");

        // Runs: four runs; "has 👎" leaves two.
        var runs = await OpenAsync("/runs");
        await Assertions.Expect(runs.GetByTestId("run-link")).ToHaveCountAsync(4);
        await Assertions.Expect(runs.Locator("[data-testid=runs-grid]")).ToContainTextAsync("MEMBER");
        await runs.GetByTestId("has-down").Locator("input").CheckAsync();
        await Assertions.Expect(runs.GetByTestId("run-link")).ToHaveCountAsync(2);
        await ShotAsync(runs, "runs-has-down");
        await runs.GetByTestId("runs-repository").SelectOptionAsync(new SelectOptionValue { Label = "acme/web" });
        await Assertions.Expect(runs.GetByTestId("run-link")).ToHaveCountAsync(1);
        // The drawer marks the page you are on, after in-app navigation too (/runs/{id} is under Runs).
        await Assertions.Expect(runs.GetByTestId("nav").Locator("[aria-current=page]")).ToHaveTextAsync("Runs");
        await runs.GetByTestId("run-link").ClickAsync();
        await Assertions.Expect(runs.GetByTestId("comment-row")).ToHaveCountAsync(2);
        await Assertions.Expect(runs.GetByTestId("nav").Locator("[aria-current=page]")).ToHaveTextAsync("Runs");
        await runs.GetByTestId("nav").GetByText("Maintainers").ClickAsync();
        await Assertions.Expect(runs.GetByTestId("repositories")).ToContainTextAsync("acme/web");
        await Assertions.Expect(runs.GetByTestId("nav").Locator("[aria-current=page]")).ToHaveTextAsync("Maintainers");

        // Run detail: who reacted with resolved roles; "maintainers only" keeps mona's 👍 alone.
        var detail = await OpenAsync($"/runs/{_flaggedRun}");
        await Assertions.Expect(detail.GetByTestId("comment-row")).ToHaveCountAsync(2);
        await Assertions.Expect(detail.GetByTestId("total-up")).ToContainTextAsync("3");
        await Assertions.Expect(detail.GetByTestId("total-down")).ToContainTextAsync("1");
        await Assertions.Expect(detail.GetByTestId("comments")).ToContainTextAsync("critic");
        await Assertions.Expect(detail.GetByTestId("comments")).ToContainTextAsync("src/login.ts:42");
        await ShotAsync(detail, "run-detail");
        await detail.GetByTestId("maintainers-only").Locator("input").CheckAsync();
        await Assertions.Expect(detail.GetByTestId("total-up")).ToContainTextAsync("2");
        await Assertions.Expect(detail.GetByTestId("total-down")).ToContainTextAsync("0");
        await Assertions.Expect(detail.GetByTestId("comments")).Not.ToContainTextAsync("critic");

        // Maintainers: counts and outcomes in words.
        var maintainers = await OpenAsync("/maintainers");
        await Assertions.Expect(maintainers.GetByTestId("repositories")).ToContainTextAsync("acme/web");
        await Assertions.Expect(maintainers.GetByTestId("repositories")).ToContainTextAsync("failed");
        await ShotAsync(maintainers, "maintainers");
        var repo = await OpenAsync("/maintainers/acme/web");
        await Assertions.Expect(repo.GetByTestId("maintainers")).ToContainTextAsync("mona");
        await ShotAsync(repo, "maintainers-repo");

        // Poll health: the last cycle's error is shown.
        var health = await OpenAsync("/health");
        await Assertions.Expect(health.GetByTestId("job-reactions")).ToContainTextAsync("reactions page answered 502");
        await Assertions.Expect(health.GetByTestId("disabled-here")).ToBeVisibleAsync();
        await ShotAsync(health, "health");

        // Phone width and dark mode.
        var phone = await OpenAsync("/", 390, 844);
        await Assertions.Expect(phone.GetByTestId("kpi-up-value")).ToHaveTextAsync("5");
        await ShotAsync(phone, "overview-phone");
        var dark = await OpenAsync("/runs");
        await dark.GetByTestId("dark-mode-toggle").ClickAsync();
        await Assertions.Expect(dark.GetByTestId("run-link")).ToHaveCountAsync(4);
        await ShotAsync(dark, "runs-dark");
    }

    [Fact]
    public async Task The_run_page_and_the_overview_show_what_happened_to_each_comment()
    {
        await _db.ExecuteAsync("""
            update review_comments set body = E'Possible null dereference: `user` may be null when the session expired.\n\nif (user == null) return res.status(401);\nConsider an early return before reading user.id.\nSee also the session middleware.',
                html_url = 'https://github.com/acme/web/pull/10#discussion_r1', outdated = false, minimized = false,
                resolved = true, resolved_by = 'mona', resolved_by_bot = false, human_replies = 2
            where github_comment_id = 1;
            update review_comments set body = 'Summary: 2 findings in src/login.ts.', minimized = true, minimized_reason = 'outdated'
            where github_comment_id = 2;
            update review_comments set body = 'Unbounded query: add a LIMIT.', outdated = true, minimized = false, resolved = true,
                resolved_by = null, resolved_by_bot = true, human_replies = 0
            where github_comment_id = 3;
            """);

        var detail = await OpenAsync($"/runs/{_flaggedRun}");
        await Assertions.Expect(detail.GetByTestId("comment-body").First).ToContainTextAsync("Possible null dereference");
        var signals = detail.GetByTestId("comment-signals");
        await Assertions.Expect(signals.First).ToContainTextAsync("resolved by mona");
        await Assertions.Expect(signals.First).ToContainTextAsync("disputed");
        await Assertions.Expect(signals.First).ToContainTextAsync("2 replies");
        await Assertions.Expect(signals.Nth(1)).ToContainTextAsync("hidden: outdated");
        await ShotAsync(detail, "run-detail-signals");

        var home = await OpenAsync("/");
        // 1 resolved by mona and 3 outdated, of 4 comments.
        await Assertions.Expect(home.GetByTestId("kpi-addressed")).ToContainTextAsync("2 of 4 comments");
        await Assertions.Expect(home.GetByTestId("role-row")).ToHaveCountAsync(3);
        await Assertions.Expect(home.GetByTestId("disputed")).ToContainTextAsync("Possible null dereference");
        await ShotAsync(home, "overview-signals");

        // Runs: "👎 not addressed" keeps the runs whose 👎 comment is neither outdated nor resolved by a person.
        Assert.Equal(1L, await _db.ScalarAsync<long>("""
            select count(distinct task_id) from review_comments
            where down > 0 and not review_comments_is_addressed(outdated, resolved, resolved_by_bot)
            """));
        var runs = await OpenAsync("/runs");
        await Assertions.Expect(runs.GetByTestId("run-link")).ToHaveCountAsync(4);
        await runs.GetByTestId("down-not-addressed").Locator("input").CheckAsync();
        await Assertions.Expect(runs.GetByTestId("run-link")).ToHaveCountAsync(1);
        await ShotAsync(runs, "runs-down-not-addressed");
    }

    [Fact]
    public async Task Compare_and_Rules_pages_and_the_label_and_rule_filters()
    {
        // Run 2.3.0: 20 null-check comments, 3 👍 2 👎 each; run 2.4.0: 20 naming comments, 1 👍 4 👎 each; reactors 31-33 maintain.
        var at = DateTimeOffset.UtcNow.AddDays(-2);
        var a = await _db.TaskAsync("acme/web", at, pr: 21, authorId: 7, authorLogin: "mona");
        var b = await _db.TaskAsync("acme/web", at.AddHours(1), pr: 22, authorId: 7, authorLogin: "mona");
        await _db.ExecuteAsync($$"""
            update tasks set labels = '{"bot_version": "2.3.0", "model": "m1"}' where id = '{{a}}';
            update tasks set labels = '{"bot_version": "2.4.0", "model": "m1"}' where id = '{{b}}';
            insert into review_comments (kind, github_comment_id, task_id, file, line, created_at, rule, category, severity, body)
            select 'inline', 1000 + g, '{{a}}', 'src/session.ts', g, '{{at:O}}', 'null-check', 'correctness', 'high', 'Possible null dereference #' || g
            from generate_series(1, 20) g;
            insert into review_comments (kind, github_comment_id, task_id, file, line, created_at, rule, category, severity, body)
            select 'inline', 2000 + g, '{{b}}', 'src/ui/Table.tsx', g, '{{at.AddHours(1):O}}', 'naming', 'style', 'low', 'Rename this variable #' || g
            from generate_series(1, 20) g;
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select 'inline', 1000 + c, 30 + u, 'user' || u, case when u <= 3 then '+1' else '-1' end, now() from generate_series(1, 20) c, generate_series(1, 5) u;
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select 'inline', 2000 + c, 30 + u, 'user' || u, case when u = 5 then '+1' else '-1' end, now() from generate_series(1, 20) c, generate_series(1, 5) u;
            """);
        foreach (var id in new[] { 31, 32, 33 }) await _db.MaintainerAsync("acme/web", id, $"user{id - 30}", "MEMBER");

        var compare = await OpenAsync("/compare");
        await Assertions.Expect(compare.GetByTestId("verdict")).ToContainTextAsync("2.3.0 is better than 2.4.0 at 95 % confidence");
        await Assertions.Expect(compare.GetByTestId("side-a")).ToContainTextAsync("60");
        await Assertions.Expect(compare.GetByTestId("side-b")).ToContainTextAsync("20");
        await Assertions.Expect(compare.Locator("[data-testid=interval-a-acceptance] .fd-interval-band")).ToBeVisibleAsync();
        await ShotAsync(compare, "compare");
        await compare.GetByTestId("compare-mode").GetByText("Two periods", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(compare.GetByTestId("compare-period-a").First).ToBeVisibleAsync();
        await Assertions.Expect(compare.GetByTestId("verdict")).ToBeVisibleAsync();
        await ShotAsync(compare, "compare-periods");

        var rules = await OpenAsync("/rules");
        await Assertions.Expect(rules.GetByTestId("rule-row").First).ToContainTextAsync("naming");
        await Assertions.Expect(rules.GetByTestId("rule-verdict").First).ToContainTextAsync("noisy");
        await Assertions.Expect(rules.GetByTestId("rule-verdict").Nth(1)).ToContainTextAsync("keep");
        await ShotAsync(rules, "rules");
        await rules.GetByTestId("rule-toggle").First.ClickAsync();
        await Assertions.Expect(rules.GetByTestId("rule-comment")).ToHaveCountAsync(20);
        await Assertions.Expect(rules.GetByTestId("rule-comments")).ToContainTextAsync("Rename this variable");
        await ShotAsync(rules, "rules-open");

        // Overview by rule (picked in the page), Runs by a rule link.
        var home = await OpenAsync("/");
        await Assertions.Expect(home.GetByTestId("kpi-up-value")).ToHaveTextAsync("85");
        await home.GetByTestId("filter-rule").SelectOptionAsync(new SelectOptionValue { Label = "null-check" });
        await Assertions.Expect(home.GetByTestId("kpi-up-value")).ToHaveTextAsync("60");
        await ShotAsync(home, "overview-rule-filter");
        var runs = await OpenAsync("/runs?rule=naming");
        await Assertions.Expect(runs.GetByTestId("run-link")).ToHaveCountAsync(1);
        await Assertions.Expect(runs.GetByTestId("run-link")).ToHaveTextAsync(b.ToString()[..8]);
    }

    [Fact]
    public async Task An_empty_database_offers_demo_data_and_loads_it()
    {
        await using var empty = new PostgresDatabase();
        await empty.InitializeAsync();
        await using var app = await RunningApp.StartAsync(empty.ConnectionString);
        var page = await _browser.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync(app.Url.ToString());
        await page.Locator("[data-testid=app-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.GetByTestId("empty-state")).ToBeVisibleAsync();
        await ShotAsync(page, "empty");

        await page.GetByTestId("load-demo").ClickAsync();
        await Assertions.Expect(page.GetByTestId("demo-banner")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("kpi-up")).ToBeVisibleAsync();
        Assert.True(await empty.ScalarAsync<long>("select count(*) from tasks") > 0);
        await ShotAsync(page, "demo");
    }
}
