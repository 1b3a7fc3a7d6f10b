using Deque.AxeCore.Playwright;
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
        await Assertions.Expect(runs.GetByTestId("run-link")).ToHaveTextAsync(b.ToString("N")[^8..]);
    }

    /// <summary>Every page, as axe-core judges it: serious and critical violations (contrast, names, landmarks) fail.</summary>
    private static async Task AssertAccessibleAsync(IPage page, string what)
    {
        var result = await page.RunAxe();
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}").ToList();
        Assert.True(bad.Count == 0, $"{what}: {bad.Count} serious or critical axe violations:\n{string.Join("\n", bad)}");
    }

    [Fact]
    public async Task Every_page_passes_axe_in_both_themes_fits_a_phone_and_keeps_the_chosen_theme()
    {
        // Two runs created in the same millisecond: their UUIDv7 ids share their first 12 hex digits.
        var at = DateTimeOffset.UtcNow.AddMinutes(-30);
        var (twinA, twinB) = (Guid.CreateVersion7(at), Guid.CreateVersion7(at));
        Assert.Equal(twinA.ToString()[..8], twinB.ToString()[..8]);
        await _db.ExecuteAsync($"""
            insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login, pr_author_association, created_at)
            select x.id::uuid, r.id, 77, x.pr, 7, 'mona', 'CONTRIBUTOR', '{at:O}'
            from repositories r, (values ('{twinA}', 50), ('{twinB}', 51)) x(id, pr) where r.full_name = 'acme/web'
            """);
        // Rules to list on the Rules page.
        await _db.ExecuteAsync("update review_comments set rule = 'null-check', category = 'correctness', severity = 'high' where github_comment_id in (1, 3, 4)");
        // Bots for the Bots page: two profiles' runs (alpha on acme/web PRs 10 and 11, beta on acme/api PR 99) and a candidate.
        await _db.ExecuteAsync("""
            update tasks set labels = '{"bot": "alpha"}', source = 'observed' where pr_number in (10, 11);
            update tasks set labels = '{"bot": "beta"}', source = 'observed' where pr_number = 99;
            insert into bot_profiles (name, logins, created_at, updated_at) values ('alpha', array['alpha[bot]'], now(), now()), ('beta', array['beta[bot]'], now(), now());
            insert into bot_candidates (login, repository, installation_id, comments, last_seen_at) values ('cursor[bot]', 'acme/web', 77, 3, now());
            """);
                // What became of the flagged run's comments: an applied suggestion, and a later comment raising it again.
        await _db.CommentAsync(_flaggedRun, "inline", 5, DateTimeOffset.UtcNow.AddHours(-20), "src/login.ts", 42);
        await _db.ExecuteAsync("""
            update review_comments set suggested_lines = E'if (!user) return res.status(401).end();\nconst id = user.id;',
                applied_commit = '0123456789abcdef0123456789abcdef01234567', disposition = 'applied' where github_comment_id = 1;
            update review_comments set reraise_of = 1, disposition = 'dismissed', rule = 'null-check' where github_comment_id = 5;
            """);
        string[] paths = ["/", "/runs", $"/runs/{_flaggedRun}", "/compare", "/rules", "/bots", "/maintainers", "/maintainers/acme/web", "/health", "/no-such-page"];

        await using var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        async Task<IPage> OpenInContextAsync(string path, bool waitInteractive = true)
        {
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(20_000);
            await page.GotoAsync(new Uri(_app.Url, path).ToString());
            if (waitInteractive) await page.Locator("[data-testid=app-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            return page;
        }

        foreach (var path in paths)
        {
            var page = await OpenInContextAsync(path);
            await Assertions.Expect(page.Locator("main h1")).ToHaveCountAsync(1);
            await AssertAccessibleAsync(page, $"{path} (light)");
            if (path == "/bots") await ShotAsync(page, "bots");
            await page.CloseAsync();
        }

        // Dark mode, chosen once: every later page (a new load each) is rendered dark from its first HTML.
        var toggle = await OpenInContextAsync("/");
        await toggle.GetByTestId("dark-mode-toggle").ClickAsync();
        await Assertions.Expect(toggle.GetByTestId("dark-mode-toggle")).ToHaveAttributeAsync("title", "Light mode");
        await toggle.CloseAsync();
        foreach (var path in paths)
        {
            var page = await OpenInContextAsync(path);
            await Assertions.Expect(page.GetByTestId("dark-mode-toggle")).ToHaveAttributeAsync("title", "Light mode");
            await AssertAccessibleAsync(page, $"{path} (dark)");
            await page.CloseAsync();
        }
        var html = await (await context.APIRequest.GetAsync(new Uri(_app.Url, "/runs").ToString())).TextAsync();
        Assert.Contains("Light mode", html); // the prerendered toggle already offers the way back

        // A phone: nothing wider than the screen; the wide tables become cards that keep their last columns in view
        // (a table scrolling inside its own box fits the page yet hides them).
        await using var phone = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        foreach (var path in paths)
        {
            var page = await phone.NewPageAsync();
            page.SetDefaultTimeout(20_000);
            await page.GotoAsync(new Uri(_app.Url, path).ToString());
            await page.Locator("[data-testid=app-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
            Assert.True(widths[0] <= widths[1], $"{path} at 390 px is {widths[0]} px wide");
            await ShotAsync(page, "phone" + (path == "/" ? "-overview" : path.Replace('/', '-')));
            string[] inView = path switch
            {
                "/runs" => ["run-up", "run-down"],
                "/rules" => ["rule-verdict", "rule-addressed", "rule-applied", "rule-reraised"],
                "/bots" => ["leaderboard-acceptance", "leaderboard-addressed", "leaderboard-trend", "overlap-beta-alpha", "candidate-command"],
                "/health" => ["cycle-status", "cycle-rate-limit"],
                _ when path.StartsWith("/runs/") => ["comment-up", "comment-down", "comment-signals", "chip-disposition", "comment-suggestion",
                    "applied-commit", "raised-again"],
                _ => [],
            };
            foreach (var testId in inView)
            {
                var cell = page.GetByTestId(testId).First;
                await Assertions.Expect(cell).ToBeVisibleAsync();
                var box = (await cell.BoundingBoxAsync())!;
                Assert.True(box.X >= 0 && box.X + box.Width <= 390, $"{path}: {testId} of the first row is outside the screen ({box.X} + {box.Width} px)");
            }
            if (path == "/runs")
            {
                var twinLinks = new[] { twinA, twinB }.Select(id => page.Locator($"a[href='/runs/{id}']")).ToArray();
                var names = new[] { await twinLinks[0].TextContentAsync(), await twinLinks[1].TextContentAsync() };
                Assert.NotEqual(names[0], names[1]);
            }
            await page.CloseAsync();
        }

        // An unknown address: the 404 page with status 404 (the API keeps problem+json); the favicon is there.
        var missing = await _browser.NewPageAsync();
        var response = await missing.GotoAsync(new Uri(_app.Url, "/no-such-page").ToString());
        Assert.Equal(404, response!.Status);
        await Assertions.Expect(missing.Locator("h1")).ToHaveTextAsync("Page not found");
        var api = await missing.APIRequest.GetAsync(new Uri(_app.Url, "/api/no-such").ToString());
        Assert.Equal(404, api.Status);
        Assert.StartsWith("application/problem+json", api.Headers["content-type"]);
        var icon = await missing.Locator("link[rel=icon]").GetAttributeAsync("href");
        Assert.Equal(200, (await missing.APIRequest.GetAsync(new Uri(_app.Url, icon!).ToString())).Status);
        Assert.False(string.IsNullOrWhiteSpace(await missing.Locator("meta[name=description]").GetAttributeAsync("content")));
    }

    /// <summary>
    /// When the circuit takes over the prerendered page, the browser builds the page again from its first render. The
    /// runs' rows come as one piece of HTML, not as a script call per row, cell and link, so that work does not grow
    /// with the rows (it was most of the long task that blocked a phone's main thread on Runs).
    /// </summary>
    [Fact]
    public async Task The_circuit_builds_the_runs_rows_in_one_piece_not_cell_by_cell()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        page.SetDefaultTimeout(20_000);
        await page.AddInitScriptAsync("""
            window.fdCreated = [];
            const create = Document.prototype.createElement;
            Document.prototype.createElement = function (tag, options) { window.fdCreated.push(String(tag).toLowerCase()); return create.call(this, tag, options); };
            """);
        await page.GotoAsync(new Uri(_app.Url, "/runs").ToString());
        await page.Locator("[data-testid=app-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.GetByTestId("run-row")).ToHaveCountAsync(4);

        var created = await page.EvaluateAsync<string[]>("() => window.fdCreated");
        // The header cells are built one by one: the count saw the circuit's render.
        Assert.Contains("th", created);
        Assert.Equal(1, created.Count(tag => tag == "tr")); // the header row alone
        Assert.DoesNotContain("td", created);
        // The interactive rows still work: the run link navigates inside the app.
        await page.GetByTestId("run-link").First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("comment-row").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Before_the_circuit_connects_the_pickers_show_the_period_the_figures_use_and_the_first_visit_is_compressed()
    {
        var page = await _browser.NewPageAsync();
        // No circuit: what a visitor sees in the prerendered page until the WebSocket is up.
        await page.RouteAsync("**/_blazor/**", route => route.AbortAsync());
        await page.GotoAsync(new Uri(_app.Url, "/rules").ToString());
        var period = page.Locator("select").Filter(new() { Has = page.Locator("option[value='90']") });
        await Assertions.Expect(period).ToHaveValueAsync("90");
        Assert.Equal(0, await page.Locator("[data-testid=app-interactive]").CountAsync());

        // The page, and every stylesheet and script of the first visit, come from this app compressed; the fingerprinted
        // ones are cached for a year.
        var home = await _browser.NewPageAsync();
        var assets = new List<IResponse>();
        home.Response += (_, r) => { if (r.Request.ResourceType is "document" or "stylesheet" or "script") lock (assets) assets.Add(r); };
        await home.GotoAsync(_app.Url.ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        Assert.Contains(assets, r => r.Url.Contains("mudblazor.used."));
        Assert.Contains(assets, r => r.Request.ResourceType == "document");
        foreach (var r in assets)
        {
            Assert.StartsWith(_app.Url.ToString(), r.Url);
            var headers = await r.AllHeadersAsync();
            Assert.True(headers.TryGetValue("content-encoding", out var encoding) && encoding is "gzip" or "br", $"{r.Url} is sent uncompressed");
            if (r.Request.ResourceType == "stylesheet") Assert.Contains("immutable", headers["cache-control"]);
        }
    }

    [Fact]
    public async Task The_api_reference_loads_nothing_from_other_hosts_and_shows_no_vendor_buttons()
    {
        var page = await _browser.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        var requested = new List<string>();
        page.Request += (_, r) => { lock (requested) requested.Add(r.Url); };
        await page.GotoAsync(new Uri(_app.Url, "/api/docs").ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        // Rendered from the document: an operation of the API is on the page.
        await Assertions.Expect(page.GetByText("/api/tasks").First).ToBeVisibleAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await ShotAsync(page, "api-docs");

        var origin = _app.Url.GetLeftPart(UriPartial.Authority);
        string[] outside;
        lock (requested) outside = requested.Where(u => !u.StartsWith("data:") && !u.StartsWith("blob:") && !u.StartsWith(origin + "/")).ToArray();
        Assert.True(requested.Count > 1, "the page made no requests of its own");
        Assert.True(outside.Length == 0, $"/api/docs requested other hosts: {string.Join(", ", outside)}");
        var vendor = new System.Text.RegularExpressions.Regex("deploy|ask ai", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { NameRegex = vendor })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { NameRegex = vendor })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText(vendor)).ToHaveCountAsync(0);
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
