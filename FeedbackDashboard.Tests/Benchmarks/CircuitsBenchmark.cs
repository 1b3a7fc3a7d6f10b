using System.Globalization;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Playwright;

namespace FeedbackDashboard.Tests.Benchmarks;

/// <summary>
/// Many live viewers: 200 Blazor circuits (half Overview, half Runs) in Debian's Chromium against the real app process,
/// then a poll cycle lands (rows written and the poll_cycles row finished, so the trigger's NOTIFY fires as after a
/// real cycle). Measures the server's memory per circuit and how long until every page shows the new figures.
/// Playwright rather than a headless SignalR client: Blazor's hub speaks its own render-batch protocol, and only a
/// browser tells when the page really shows the new numbers.
/// </summary>
public sealed class CircuitsBenchmark
{
    private static int Circuits => int.TryParse(Environment.GetEnvironmentVariable("BENCH_CIRCUITS"), out var n) ? n : 200;

    // Records in the page when the watched element's text first changes (ms since the epoch, the machine's clock).
    private const string Watch = """
        selector => {
          const initial = document.querySelector(selector)?.textContent;
          window.__fdChangedAt = null;
          new MutationObserver(() => {
            if (window.__fdChangedAt === null && document.querySelector(selector)?.textContent !== initial) window.__fdChangedAt = Date.now();
          }).observe(document.body, { subtree: true, childList: true, characterData: true });
        }
        """;

    [Fact(Explicit = true)]
    [Trait("Category", "Benchmark")]
    public async Task Live_circuits_memory_and_refresh_after_a_landed_cycle()
    {
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        // A lived-in dashboard: 20 repositories, 2,000 runs over 60 days, 20,000 comments, 20,000 reactions.
        await db.ExecuteAsync("""
            insert into repositories (owner, name, full_name, installation_id)
            select 'org', 'repo' || g, 'org/repo' || g, 1 from generate_series(0, 19) g;
            insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login, pr_author_association, created_at)
            select md5('t' || g)::uuid, (select min(id) from repositories) + g % 20, 1, g, g % 50, 'author' || (g % 50), 'CONTRIBUTOR',
                   now() - (g % 60) * interval '1 day' - interval '1 hour'
            from generate_series(1, 2000) g;
            insert into review_comments (kind, github_comment_id, task_id, repository_id, file, line, created_at)
            select 'inline', g, md5('t' || (1 + g % 2000))::uuid, (select min(id) from repositories) + (1 + g % 2000) % 20,
                   'src/f' || (g % 50) || '.cs', g % 300 + 1, now() - ((1 + g % 2000) % 60) * interval '1 day' - interval '1 hour'
            from generate_series(1, 20000) g;
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select 'inline', g, g % 300, 'user' || (g % 300), case when g % 5 = 0 then '-1' else '+1' end, now() - interval '1 hour'
            from generate_series(1, 20000) g;
            """, timeoutSeconds: 300);
        await db.ExecuteAsync("vacuum analyze", timeoutSeconds: 300);

        await using var app = await RunningApp.StartAsync(db.ConnectionString);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--renderer-process-limit=8", "--disable-background-timer-throttling", "--disable-renderer-backgrounding"],
        });
        using var http = new HttpClient { BaseAddress = app.Url };

        // Warm-up (JIT, first render of each page), then the baseline with no circuit open.
        var warm = await browser.NewPageAsync();
        foreach (var path in new[] { "/", "/runs" }) await OpenAsync(warm, app.Url, path);
        await warm.CloseAsync();
        await Task.Delay(3000, Ct);
        var before = await ServerMemoryAsync(http);

        // A few contexts, many pages each: one Chromium on two cores cannot afford a context per viewer.
        var contexts = new List<IBrowserContext>();
        for (var i = 0; i < 4; i++) contexts.Add(await browser.NewContextAsync());
        var pages = new List<(IPage Page, string Selector)>();
        using (var opening = new SemaphoreSlim(6))
        {
            var opened = await Task.WhenAll(Enumerable.Range(0, Circuits).Select(async i =>
            {
                await opening.WaitAsync(Ct);
                try
                {
                    var page = await contexts[i % contexts.Count].NewPageAsync();
                    var overview = i % 2 == 0;
                    await OpenAsync(page, app.Url, overview ? "/" : "/runs");
                    var selector = overview ? "[data-testid=kpi-up-value]" : "[data-testid=runs-grid] tbody";
                    await page.Locator(overview ? selector : "[data-testid=run-link] >> nth=0").WaitForAsync();
                    await page.EvaluateAsync(Watch, selector);
                    return (page, selector);
                }
                finally
                {
                    opening.Release();
                }
            }));
            pages.AddRange(opened);
        }
        await Task.Delay(3000, Ct);
        var after = await ServerMemoryAsync(http);

        // The cycle: a new 👍 (the Overview's count) and a new newest run (the Runs grid's first row).
        await db.ExecuteAsync("""
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select 'inline', g, 999, 'late', '+1', now() from generate_series(1, 50) g;
            insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login, pr_author_association, created_at)
            values (md5('landed')::uuid, (select min(id) from repositories), 1, 9999, 1, 'late', 'CONTRIBUTOR', now());
            """);
        var landedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await db.ExecuteAsync("insert into poll_cycles (job, instance, started_at, finished_at, status) values ('reactions', 'bench', now(), now(), 'ok')");

        // One deadline for all pages (not one per page): a page that never shows the new figures (its circuit dropped
        // under load, say) is counted and reported, not waited on for ever, and the other figures still come out.
        var refresh = new List<double>();
        var waiting = pages.Select(p => p.Page).ToList();
        var deadline = DateTimeOffset.UtcNow.AddMinutes(2);
        while (waiting.Count > 0 && DateTimeOffset.UtcNow < deadline)
        {
            foreach (var page in waiting.ToList())
            {
                if (await page.EvaluateAsync<double?>("() => window.__fdChangedAt") is not { } changedAt) continue;
                refresh.Add(changedAt - landedAt);
                waiting.Remove(page);
            }
            if (waiting.Count > 0) await Task.Delay(200, Ct);
        }
        refresh.Sort();
        if (refresh.Count == 0) refresh.Add(double.NaN);

        var perCircuitMb = (after.WorkingSet - before.WorkingSet) / Circuits / (1024.0 * 1024);
        var result = new Dictionary<string, object?>
        {
            ["circuits"] = Circuits,
            ["memory_mb_per_circuit"] = Math.Round(perCircuitMb, 3),
            ["refresh_p95_ms"] = Math.Round(BenchReport.Percentile(refresh, 95), 1),
            ["refresh_max_ms"] = waiting.Count > 0 ? double.PositiveInfinity : Math.Round(refresh[^1], 1),
        };
        BenchReport.KeyObject("circuits", result);
        BenchReport.Row("Live circuits (Overview and Runs in Chromium, one landed cycle)", new(result)
        {
            ["refresh_p50_ms"] = Math.Round(BenchReport.Percentile(refresh, 50), 1),
            ["not_refreshed_in_2_min"] = waiting.Count,
            ["gc_heap_mb_per_circuit"] = Math.Round((after.GcHeap - before.GcHeap) / Circuits / (1024.0 * 1024), 3),
            ["working_set_mb_before"] = Math.Round(before.WorkingSet / (1024.0 * 1024), 1),
            ["working_set_mb_after"] = Math.Round(after.WorkingSet / (1024.0 * 1024), 1),
        });

        foreach (var context in contexts) await context.DisposeAsync();
    }

    private static async Task OpenAsync(IPage page, Uri root, string path)
    {
        page.SetDefaultTimeout(120_000);
        await page.GotoAsync(new Uri(root, path).ToString());
        await page.Locator("[data-testid=app-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }

    /// <summary>The server process's working set and GC heap, from its own /metrics (prometheus-net's process and .NET gauges).</summary>
    private static async Task<(double WorkingSet, double GcHeap)> ServerMemoryAsync(HttpClient http)
    {
        var text = await http.GetStringAsync("metrics");
        double Gauge(string name) => double.Parse(text.Split('\n').First(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            .Split(' ')[1], CultureInfo.InvariantCulture);
        return (Gauge("process_working_set_bytes"), Gauge("dotnet_total_memory_bytes"));
    }
}
