using System.Diagnostics;
using System.Net.Http.Headers;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Maintainers;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Benchmarks;

/// <summary>
/// Read latency at scale over HTTP on loopback (the real app process), next to the same query called directly:
/// 100,000 runs, 1,000,000 comments and reactions, 100,000 maintainers. Runs carry labels (bot_version: 5 values, model: 3)
/// and comments a rule (40), category (6) and severity (3), for group_by and compare.
/// </summary>
public sealed class ReadLatencyBenchmark
{
    private const int Requests = 400;

    [Fact(Explicit = true)]
    [Trait("Category", "Benchmark")]
    public async Task Feedback_list_and_analytics_latency()
    {
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        var seeding = Stopwatch.StartNew();
        await ScaleDataSet.SeedAsync(db);
        seeding.Stop();

        await using var app = await RunningApp.StartAsync(db.ConnectionString);
        var key = await new ApiKeyService(db.DbFactory, TimeProvider.System).CreateAsync("bench", [Scopes.ReviewRead], Ct);
        using var http = new HttpClient { BaseAddress = app.Url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var queries = new FeedbackQueries(db.DataSource);
        var analytics = new AnalyticsQueries(db.DataSource);
        var random = new Random(1);
        Guid RandomTask() => ScaleDataSet.Task(random.Next(1, ScaleDataSet.Tasks + 1));

        var rows = new List<(string Name, Func<Task> Http, Func<Task> Direct)>
        {
            ("GET /api/tasks/{id}/feedback", async () => (await http.GetAsync($"api/tasks/{RandomTask()}/feedback", Ct)).EnsureSuccessStatusCode(),
                async () => await queries.GetTaskFeedbackAsync(RandomTask(), Ct)),
            ("GET /api/tasks?repository=…&from=…", async () => (await http.GetAsync($"api/tasks?repository=org{random.Next(10)}/repo{random.Next(100)}&from={DateTimeOffset.UtcNow.AddDays(-30):yyyy-MM-dd}&page_size=50", Ct)).EnsureSuccessStatusCode(),
                async () => await queries.ListTasksAsync(new TaskFilter($"org{random.Next(10)}/repo{random.Next(100)}", DateTimeOffset.UtcNow.AddDays(-30)), 1, 50, Ct)),
            ("GET /api/analytics/feedback (90 days)", async () => (await http.GetAsync("api/analytics/feedback", Ct)).EnsureSuccessStatusCode(),
                async () => await analytics.GetAsync(null, DateTimeOffset.UtcNow.AddDays(-90), DateTimeOffset.UtcNow, Bucket.Day, Ct)),
        };
        // The analytics endpoint's default is 30 days; ask for 90 explicitly.
        rows[2] = (rows[2].Name, async () => (await http.GetAsync($"api/analytics/feedback?from={DateTimeOffset.UtcNow.AddDays(-90):O}".Replace("+", "%2B"), Ct)).EnsureSuccessStatusCode(), rows[2].Direct);
        // Issue 16, the same 90 days: the groups of a label, and two of its values compared.
        string From90() => $"{DateTimeOffset.UtcNow.AddDays(-90):O}".Replace("+", "%2B");
        rows.Add(("GET /api/analytics/feedback?group_by=label:bot_version (90 days)",
            async () => (await http.GetAsync($"api/analytics/feedback?from={From90()}&group_by=label:bot_version", Ct)).EnsureSuccessStatusCode(),
            async () => await analytics.QueryAsync(AnalyticsFilter.Everything, DateTimeOffset.UtcNow.AddDays(-90), DateTimeOffset.UtcNow, Bucket.Day, Ct, "label:bot_version")));
        rows.Add(("GET /api/analytics/compare?label=bot_version&a=2.3.0&b=2.4.0 (90 days)",
            async () => (await http.GetAsync($"api/analytics/compare?from={From90()}&label=bot_version&a=2.3.0&b=2.4.0", Ct)).EnsureSuccessStatusCode(),
            async () => await analytics.CompareAsync(AnalyticsFilter.Everything, new CompareSides("bot_version", "2.3.0", "2.4.0",
                DateTimeOffset.UtcNow.AddDays(-90), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(-90), DateTimeOffset.UtcNow), Bucket.Day, Ct)));

        // What the Rules page and a bot asking across repositories read: every rule of 90 days, maintainers resolved now.
        var rules = new RulesQueries(db.DataSource);
        rows.Add(("GET /api/rules (90 days, every repository)",
            async () => (await http.GetAsync("api/rules", Ct)).EnsureSuccessStatusCode(),
            async () => await rules.RankAsync(null, DateTimeOffset.UtcNow.AddDays(-90), DateTimeOffset.UtcNow, 0, Ct)));

        foreach (var (name, viaHttp, direct) in rows)
        {
            // The rules read takes seconds at this scale: a handful of requests, not hundreds.
            var count = name.Contains("rules") ? 6 : name.Contains("analytics") ? Requests / 2 : Requests;
            var overHttp = await MeasureAsync(viaHttp, count);
            var floor = await MeasureAsync(direct, count);
            BenchReport.Row("Read latency (100k runs, 1M comments, 1M reactions, 100k maintainers)", new()
            {
                ["endpoint"] = name,
                ["requests"] = count,
                ["http p50 ms"] = BenchReport.Percentile(overHttp, 50),
                ["http p95 ms"] = BenchReport.Percentile(overHttp, 95),
                ["http p99 ms"] = BenchReport.Percentile(overHttp, 99),
                ["sql p50 ms"] = BenchReport.Percentile(floor, 50),
                ["sql p99 ms"] = BenchReport.Percentile(floor, 99),
                ["seed s"] = seeding.Elapsed.TotalSeconds,
            });
        }

        // The role-resolution join stays an index lookup.
        var plan = new List<string>();
        await using (var cmd = db.DataSource.CreateCommand($"""
            explain select {RoleResolution.Resolved("m", "f.reactor_association")}
            from review_comments c join tasks t on t.id = c.task_id join repositories r on r.id = t.repository_id
            join review_feedback f on f.kind = c.kind and f.github_comment_id = c.github_comment_id
            {RoleResolution.Join("m", "r.full_name", "f.reactor_id")}
            where c.task_id = '{RandomTask()}'
            """))
        await using (var reader = await cmd.ExecuteReaderAsync(Ct))
            while (await reader.ReadAsync(Ct)) plan.Add(reader.GetString(0));
        var maintainersLine = plan.First(l => l.Contains("maintainers"));
        Assert.DoesNotContain("Seq Scan on maintainers", string.Join("\n", plan));
        BenchReport.Row("Role-resolution join plan", new() { ["maintainers access"] = maintainersLine.Trim() });

        // Labels are indexed: the Runs filter label.bot_version=… counts its runs through the GIN index on tasks.labels (the
        // page of 50 itself comes off tasks_created, stopping at 50 matches, when a label is common), and group_by/compare
        // on a label read the per-group daily rollup by its primary key (plus the comments of the partial edge days).
        var runsPlan = await PlanAsync(db, """
            explain select count(*) from tasks t where t.labels @> '{"bot_version": "2.4.0"}'
            """);
        Assert.Contains("tasks_labels", runsPlan);
        var groupsPlan = await PlanAsync(db, """
            explain (analyze, costs off) select d.value, sum(d.comments) from analytics_daily_groups d
            where d.dim = 'label:bot_version' and d.day >= current_date - 90 and d.day < current_date group by 1
            """);
        Assert.Contains("analytics_daily_groups_pkey", groupsPlan);
        Assert.DoesNotContain("Seq Scan on review_comments", groupsPlan);
        var rollupRows = await db.ScalarAsync<long>("select count(*) from analytics_daily_groups");
        // The comments of a period's partial edge days (today's, at 5,500 a day here) are summed from the period index alone.
        var edgePlan = await PlanAsync(db, """
            explain (analyze, costs off) select sum(c.up), sum(c.down), sum(review_comments_is_addressed(c.outdated, c.resolved, c.resolved_by_bot)::int)
            from review_comments c where c.created_at >= current_date::timestamp at time zone 'UTC' and c.created_at < now()
            """);
        Assert.Contains("Index Only Scan using review_comments_period", edgePlan);
        BenchReport.Row("Label index plans (1M comments)", new()
        {
            ["runs label.bot_version filter"] = runsPlan.Split('\n').First(l => l.Contains("tasks_labels")).Trim(),
            ["group_by label rollup"] = groupsPlan.Split('\n').First(l => l.Contains("analytics_daily_groups_pkey")).Trim(),
            ["rollup rows"] = rollupRows,
            ["analytics edge day"] = edgePlan.Split('\n').First(l => l.Contains("review_comments_period")).Trim(),
        });
    }

    private static async Task<string> PlanAsync(PostgresDatabase db, string sql)
    {
        var plan = new List<string>();
        await using var cmd = db.DataSource.CreateCommand(sql);
        await using var reader = await cmd.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct)) plan.Add(reader.GetString(0));
        return string.Join("\n", plan);
    }

    private static async Task<List<double>> MeasureAsync(Func<Task> call, int count)
    {
        for (var i = 0; i < 20; i++) await call(); // warm-up: JIT, pools, plans
        var times = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            await call();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times;
    }
}
