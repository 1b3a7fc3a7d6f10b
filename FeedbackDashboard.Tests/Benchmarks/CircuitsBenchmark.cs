using System.Globalization;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Benchmarks;

/// <summary>
/// Many live viewers: 200 Blazor circuits (half Overview, half Runs) against the real app process, then a poll cycle
/// lands (rows written and the poll_cycles row finished, so the trigger's NOTIFY fires as after a real cycle).
/// Measures the server's memory per circuit and how long until every page has received the new figures. The viewers
/// are headless Blazor clients (<see cref="BlazorCircuitClient"/>): 200 Chromium pages cannot be opened on a small
/// machine, and the server's side of a circuit is the same whoever holds the socket.
/// </summary>
public sealed class CircuitsBenchmark
{
    private static int Circuits => int.TryParse(Environment.GetEnvironmentVariable("BENCH_CIRCUITS"), out var n) ? n : 200;

    /// <summary>The pages the circuits open, in turn: Overview and Runs unless BENCH_CIRCUIT_PAGES names others ("/runs").</summary>
    private static string[] Pages => Environment.GetEnvironmentVariable("BENCH_CIRCUIT_PAGES")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } pages
        ? pages : ["/", "/runs"];

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

        // As deployed: Production.
        await using var app = await RunningApp.StartAsync(db.ConnectionString, new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });
        using var http = new HttpClient { BaseAddress = app.Url };

        // Warm-up (JIT, first render of each page), then the baseline with those circuits closed.
        foreach (var path in Pages)
            for (var i = 0; i < 3; i++)
                await using (await BlazorCircuitClient.OpenAsync(http, app.Url, path, Ct)) { }
        await Task.Delay(3000, Ct);
        await FullGcAsync(app.ProcessId);
        var before = await ServerMemoryAsync(http);

        var circuits = new BlazorCircuitClient[Circuits];
        using (var opening = new SemaphoreSlim(8))
        {
            await Task.WhenAll(Enumerable.Range(0, Circuits).Select(async i =>
            {
                await opening.WaitAsync(Ct);
                try { circuits[i] = await BlazorCircuitClient.OpenAsync(http, app.Url, Pages[i % Pages.Length], Ct); }
                finally { opening.Release(); }
            }));
        }
        // A first cycle lands with them open, unmeasured: a refresh's code (the grid's reload, the diffs) runs for the
        // first time at this scale and would be measured half-compiled (tiered JIT); a server has seen many cycles.
        await db.ExecuteAsync("insert into poll_cycles (job, instance, started_at, finished_at, status) values ('reactions', 'warm-up', now(), now(), 'ok')");
        await Task.Delay(10_000, Ct);
        var after = await ServerMemoryAsync(http);
        await FullGcAsync(app.ProcessId);
        var live = await ServerMemoryAsync(http);
        var open = circuits.Count(c => c.Error is null);

        // What each page shows once the cycle has landed: the Overview's 👍 count 50 higher (50 new 👍 on comments of
        // runs from the last two days, inside its period), the new run's author in the Runs grid (each text first
        // appears in the render batch that shows it).
        var watches = circuits.Select((c, i) => c.WatchFor(Pages[i % Pages.Length] == "/" ? (int.Parse(c.PrerenderedText("kpi-up-value"), CultureInfo.InvariantCulture) + 50).ToString(CultureInfo.InvariantCulture) : "landedauthor"))
            .ToArray();
        await db.ExecuteAsync("""
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select c.kind, c.github_comment_id, 999, 'late', '+1', now()
            from review_comments c join tasks t on t.id = c.task_id where t.created_at > now() - interval '2 days' limit 50;
            insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login, pr_author_association, created_at)
            values (md5('landed')::uuid, (select min(id) from repositories), 1, 9999, 1, 'landedauthor', 'CONTRIBUTOR', now());
            """);
        var landedAt = DateTimeOffset.UtcNow;
        await db.ExecuteAsync("insert into poll_cycles (job, instance, started_at, finished_at, status) values ('reactions', 'bench', now(), now(), 'ok')");

        // One deadline for all pages: a page that never shows the new figures (its circuit dropped, say) is counted
        // and reported, not waited on for ever, and the other figures still come out.
        try { await Task.WhenAll(watches).WaitAsync(TimeSpan.FromMinutes(2), Ct); }
        catch (TimeoutException) { }
        var refreshed = await ServerMemoryAsync(http);
        var refresh = watches.Where(w => w.IsCompletedSuccessfully).Select(w => (w.Result - landedAt).TotalMilliseconds).Order().ToList();
        var notRefreshed = watches.Length - refresh.Count;
        if (refresh.Count == 0) refresh.Add(double.NaN);

        var perCircuitMb = (after.WorkingSet - before.WorkingSet) / Circuits / (1024.0 * 1024);
        var result = new Dictionary<string, object?>
        {
            ["circuits"] = Circuits,
            ["memory_mb_per_circuit"] = Math.Round(perCircuitMb, 3),
            ["refresh_p95_ms"] = Math.Round(BenchReport.Percentile(refresh, 95), 1),
            ["refresh_max_ms"] = notRefreshed > 0 ? double.PositiveInfinity : Math.Round(refresh[^1], 1),
        };
        BenchReport.KeyObject("circuits", result);
        BenchReport.Row("Live circuits (Overview and Runs, headless Blazor clients, one landed cycle)", new(result)
        {
            ["refresh_p50_ms"] = Math.Round(BenchReport.Percentile(refresh, 50), 1),
            // The app's CPU from the landing until every page had its batch, per circuit (the viewers' clients run
            // on the same two cores: what is left of the wall time is theirs and PostgreSQL's).
            ["server_cpu_ms_per_refresh"] = Math.Round((refreshed.CpuSeconds - after.CpuSeconds) * 1000 / Circuits, 2),
            ["open_before_landing"] = open,
            ["not_refreshed_in_2_min"] = notRefreshed,
            ["gc_heap_mb_per_circuit"] = Math.Round((after.GcHeap - before.GcHeap) / Circuits / (1024.0 * 1024), 3),
            // What the circuits hold: the GC heap after a full collection (before and after opening them).
            ["live_heap_mb_per_circuit"] = Math.Round((live.GcHeap - before.GcHeap) / Circuits / (1024.0 * 1024), 3),
            ["working_set_mb_after_full_gc"] = Math.Round(live.WorkingSet / (1024.0 * 1024), 1),
            ["working_set_mb_before"] = Math.Round(before.WorkingSet / (1024.0 * 1024), 1),
            ["working_set_mb_after"] = Math.Round(after.WorkingSet / (1024.0 * 1024), 1),
        });

        foreach (var circuit in circuits) await circuit.DisposeAsync();
    }

    /// <summary>
    /// A full blocking collection in the app, from outside: enabling the runtime's GCHeapCollect event keyword (what
    /// heap-dump tools do) makes it collect; dotnet-trace is the served tool that can (./bench.sh installs it).
    /// </summary>
    private static async Task FullGcAsync(int pid)
    {
        var tool = BenchTools.Find("dotnet-trace")
            ?? throw new InvalidOperationException("dotnet-trace is not installed: dotnet tool install --global dotnet-trace (./bench.sh does)");
        var trace = Path.Combine(Path.GetTempPath(), $"fd-gc-{Guid.NewGuid():N}.nettrace");
        try
        {
            await BenchTools.RunAsync(tool, ["collect", "-p", pid.ToString(CultureInfo.InvariantCulture),
                "--providers", "Microsoft-Windows-DotNETRuntime:0x800000:4", "--duration", "00:00:00:02", "-o", trace]);
        }
        finally
        {
            File.Delete(trace);
        }
    }

    /// <summary>The server process's working set and GC heap, from its own /metrics (prometheus-net's process and .NET gauges).</summary>
    private static async Task<(double WorkingSet, double GcHeap, double CpuSeconds)> ServerMemoryAsync(HttpClient http)
    {
        var text = await http.GetStringAsync("metrics");
        double Gauge(string name) => double.Parse(text.Split('\n').First(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            .Split(' ')[1], CultureInfo.InvariantCulture);
        return (Gauge("process_working_set_bytes"), Gauge("dotnet_total_memory_bytes"), Gauge("process_cpu_seconds_total"));
    }
}
