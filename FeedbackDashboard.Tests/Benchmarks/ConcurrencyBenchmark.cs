using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FeedbackDashboard.Tests.Benchmarks;

/// <summary>
/// Throughput under concurrency on the 1M-row data set: wrk (Debian's package; ./bench.sh installs it) against the real
/// app process at 8 and 32 connections, and pgbench running the very statements each endpoint sends (captured from
/// Npgsql's own log while the Core query runs once) at the same concurrency, pipelined as Npgsql batches them.
/// Also the CPU an API-key check costs once its key is cached.
/// </summary>
public sealed partial class ConcurrencyBenchmark
{
    private static readonly int[] Connections = [8, 32];

    /// <summary>Slices a side (HTTP or pgbench) at each concurrency, taking turns.</summary>
    private const int Slices = 4;

    private static int SliceSeconds => int.TryParse(Environment.GetEnvironmentVariable("BENCH_CONCURRENCY_SLICE_SECS"), out var s) ? s : 5;

    [Fact(Explicit = true)]
    [Trait("Category", "Benchmark")]
    public async Task Http_against_pgbench_of_the_same_sql()
    {
        var wrk = BenchTools.Find("wrk") ?? throw new InvalidOperationException("wrk is not installed: apt-get install wrk (./bench.sh does)");
        var pgbench = BenchTools.Find("pgbench") ?? Directory.GetFiles("/usr/lib/postgresql", "pgbench", SearchOption.AllDirectories).OrderDescending().FirstOrDefault()
            ?? throw new InvalidOperationException("pgbench is not installed (Debian's postgresql-client)");

        await using var db = await ScaleDataSet.OpenAsync();
        var work = Directory.CreateTempSubdirectory("fd-concurrency");
        try
        {
            // As deployed: the published app, in Production.
            await using var app = await RunningApp.StartPublishedAsync(Path.Combine(work.FullName, "app"), db.ConnectionString);
            var keys = db.Services.GetRequiredService<ApiKeyService>();
            var key = await keys.CreateAsync($"bench-{Guid.NewGuid():N}", [Scopes.ReviewRead], Ct);

            await MeasureKeyCheckAsync(keys, key);

            var from = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-30), TimeSpan.Zero);
            var to = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(1), TimeSpan.Zero);
            var capture = new SqlCapture();
            await using var captured = new NpgsqlDataSourceBuilder(db.ConnectionString).UseLoggerFactory(capture).EnableParameterLogging().Build();

            // Each endpoint: the HTTP paths wrk picks from at random, and its SQL with the varying parameter as a pgbench variable.
            var random = new Random(17);
            var sample = ScaleDataSet.Task(4242);
            await new FeedbackQueries(captured).GetTaskFeedbackAsync(sample, Ct);
            var feedbackSql = capture.Take(sample, ScaleDataSet.TaskSql("n"));
            var sampleRepo = ScaleDataSet.Repository(42);
            await new FeedbackQueries(captured).ListTasksAsync(new TaskFilter(sampleRepo, from), 1, 50, Ct);
            var listSql = capture.Take(sampleRepo, ScaleDataSet.RepositorySql("r"));
            await new AnalyticsQueries(captured).GetAsync(null, from, to, Bucket.Day, Ct);
            var analyticsSql = capture.Take(null, null);

            var endpoints = new (string Name, IEnumerable<string> Paths, string Script)[]
            {
                ("GET /api/tasks/{id}/feedback",
                    Enumerable.Range(0, 20_000).Select(_ => $"/api/tasks/{ScaleDataSet.Task(random.Next(1, ScaleDataSet.Tasks + 1))}/feedback"),
                    $"\\set n random(1, {ScaleDataSet.Tasks})\n" + feedbackSql),
                ("GET /api/tasks?repository=…&from=…",
                    Enumerable.Range(0, ScaleDataSet.Repositories).Select(r => $"/api/tasks?repository={ScaleDataSet.Repository(r)}&from={from:yyyy-MM-dd}&page_size=50"),
                    $"\\set r random(0, {ScaleDataSet.Repositories - 1})\n" + listSql),
                ("GET /api/analytics/feedback (30 days)",
                    [$"/api/analytics/feedback?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}"],
                    analyticsSql),
            };

            // The whole data set in PostgreSQL's buffer cache first (bench.sh gives it 1 GB): otherwise the first
            // measurement (HTTP) pays for the reads from disk and the second (pgbench) finds them cached.
            await using (var prewarm = NpgsqlDataSource.Create(db.ConnectionString))
            {
                await prewarm.CreateCommand("create extension if not exists pg_prewarm").ExecuteNonQueryAsync(Ct);
                await using var cmd = prewarm.CreateCommand("""
                    select sum(pg_prewarm(c.oid)) from pg_class c
                    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'i')
                    """);
                cmd.CommandTimeout = 600;
                await cmd.ExecuteScalarAsync(Ct);
            }

            var pg = new NpgsqlConnectionStringBuilder(db.ConnectionString);
            var lua = Path.Combine(work.FullName, "paths.lua");
            await File.WriteAllTextAsync(lua, WrkScript, Ct);
            var runs = 0;
            foreach (var (name, paths, script) in endpoints)
            {
                var pathFile = Path.Combine(work.FullName, $"paths-{name.GetHashCode():x}.txt");
                await File.WriteAllLinesAsync(pathFile, paths, Ct);
                // Kept beside bench.json, so anyone can read (and rerun) exactly what pgbench measured.
                var sqlFile = Path.Combine(BenchReport.OutputDirectory, $"pgbench-{Slug().Replace(name.Split(' ')[1], "-").Trim('-')}.sql");
                Directory.CreateDirectory(BenchReport.OutputDirectory);
                await File.WriteAllTextAsync(sqlFile, script, Ct);

                foreach (var c in Connections)
                {
                    // Warm-up: the JIT first, then the pool grown to each concurrency, since each new connection prepares
                    // its statements again and would otherwise be measured growing.
                    if (c == Connections[0]) await WarmUntilJitSettlesAsync(name, () => RunWrkAsync(wrk, app.Url, lua, pathFile, key, c, 5), app.Url);
                    await RunWrkAsync(wrk, app.Url, lua, pathFile, key, c, 6);
                    // HTTP and pgbench take turns in slices (HTTP, SQL, SQL, HTTP, ...), figures over all of a side's slices,
                    // so the host's speed drifting from one minute to the next falls on both sides of the ratio alike.
                    var logs = work.CreateSubdirectory($"pgbench-log-{++runs}");
                    var httpSlices = new List<WrkResult>();
                    var sqlSlices = new List<PgbenchSlice>();
                    for (var slice = 0; slice < Slices; slice++)
                    {
                        if (slice % 2 == 0) httpSlices.Add(await RunWrkAsync(wrk, app.Url, lua, pathFile, key, c, SliceSeconds));
                        sqlSlices.Add(await RunPgbenchAsync(pgbench, pg, sqlFile, c, SliceSeconds, logs));
                        if (slice % 2 == 1) httpSlices.Add(await RunWrkAsync(wrk, app.Url, lua, pathFile, key, c, SliceSeconds));
                    }
                    var http = WrkResult.Merge(httpSlices);
                    var sql = PgbenchResult.Of(sqlSlices, logs);
                    var row = new Dictionary<string, object?>
                    {
                        ["endpoint"] = name,
                        ["connections"] = c,
                        ["http_rps"] = Math.Round(http.Rps, 1),
                        ["http_p50_ms"] = Math.Round(http.Percentile(50) / 1000, 2),
                        ["http_p99_ms"] = Math.Round(http.Percentile(99) / 1000, 2),
                        ["sql_tps"] = Math.Round(sql.Tps, 1),
                        ["ratio"] = Math.Round(http.Rps / sql.Tps, 3),
                        // The floor's own latency at the same concurrency, beside the HTTP figures.
                        ["sql_p50_ms"] = Math.Round(sql.P50Ms, 2),
                        ["sql_p99_ms"] = Math.Round(sql.P99Ms, 2),
                        ["slices"] = Slices,
                        ["seconds_each_side"] = Slices * SliceSeconds,
                    };
                    BenchReport.KeyRow("concurrency", row);
                    BenchReport.Row("Concurrency (wrk over HTTP vs pgbench of the same SQL, 1M-row data set)", row);
                }
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>
    /// CPU per API-key check once the key is cached, on this process's clock (nothing else runs in it meanwhile); the
    /// calls span several cache lifetimes, so the database lookups every few seconds are in the average.
    /// </summary>
    private static async Task MeasureKeyCheckAsync(ApiKeyService keys, string key)
    {
        const int checks = 300_000;
        for (var i = 0; i < 1000; i++) await keys.AuthenticateAsync(key, Ct);
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < checks; i++)
            if (await keys.AuthenticateAsync(key, Ct) is null) throw new InvalidOperationException("the key was refused");
        wall.Stop();
        self.Refresh();
        BenchReport.Row("API-key check, key cached", new()
        {
            ["checks"] = checks,
            ["cpu µs per check"] = Math.Round((self.TotalProcessorTime - cpu).TotalMicroseconds / checks, 2),
            ["wall µs per check"] = Math.Round(wall.Elapsed.TotalMicroseconds / checks, 2),
            ["seconds"] = Math.Round(wall.Elapsed.TotalSeconds, 1),
        });
    }

    /// <summary>
    /// Load until tiered compilation is done with the hot path: the runtime's JIT time (its own gauge on /metrics) grows
    /// by under 50 ms in 5 s of load, because code still in the instrumented tier calls the runtime's profiling helpers
    /// from every hot method and a fixed warm-up cannot tell when that has stopped.
    /// </summary>
    private static async Task WarmUntilJitSettlesAsync(string endpoint, Func<Task<WrkResult>> load, Uri app)
    {
        using var http = new HttpClient { BaseAddress = app };
        async Task<double> JitSeconds()
        {
            var text = await http.GetStringAsync("metrics", Ct);
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("system_runtime_dotnet_jit_compilation_time ", StringComparison.Ordinal))
                ?? throw new InvalidOperationException("/metrics has no system_runtime_dotnet_jit_compilation_time: the warm-up cannot tell when the JIT settles");
            return double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
        }
        var wall = Stopwatch.StartNew();
        var before = await JitSeconds();
        double grew;
        bool settled;
        do
        {
            await load();
            var now = await JitSeconds();
            grew = now - before;
            before = now;
            settled = grew < 0.05;
        }
        while ((!settled || wall.Elapsed < TimeSpan.FromSeconds(20)) && wall.Elapsed < TimeSpan.FromSeconds(150));
        BenchReport.Row("Concurrency warm-up (until the JIT settles)", new()
        {
            ["endpoint"] = endpoint,
            ["seconds"] = Math.Round(wall.Elapsed.TotalSeconds),
            ["jit ms in the last 5 s"] = Math.Round(grew * 1000),
            ["settled"] = settled,
        });
    }

    /// <summary>wrk's requests, time and latency histogram (µs → count, as wrk keeps it); slices merge exactly.</summary>
    private sealed record WrkResult(long Requests, double Seconds, IReadOnlyDictionary<long, long> LatencyUs)
    {
        public double Rps => Requests / Seconds;

        /// <summary>Nearest rank, as <see cref="BenchReport.Percentile"/>, over the histogram.</summary>
        public double Percentile(double p)
        {
            var rank = Math.Max(1, (long)Math.Ceiling(p / 100 * LatencyUs.Values.Sum()));
            long seen = 0;
            foreach (var (us, count) in LatencyUs.OrderBy(b => b.Key))
                if ((seen += count) >= rank) return us;
            return double.NaN;
        }

        public static WrkResult Merge(IReadOnlyList<WrkResult> slices)
        {
            var latency = new Dictionary<long, long>();
            foreach (var (us, count) in slices.SelectMany(s => s.LatencyUs))
                latency[us] = latency.GetValueOrDefault(us) + count;
            return new WrkResult(slices.Sum(s => s.Requests), slices.Sum(s => s.Seconds), latency);
        }
    }

    private static async Task<WrkResult> RunWrkAsync(string wrk, Uri url, string lua, string paths, string key, int connections, int seconds)
    {
        var output = await BenchTools.RunAsync(wrk, ["-t", "2", "-c", connections.ToString(CultureInfo.InvariantCulture), "-d", $"{seconds}s", "--timeout", "10s",
            "-s", lua, url.ToString().TrimEnd('/'), "--", paths, key]);
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("{\"requests\"", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"wrk printed no summary: {output[..Math.Min(output.Length, 2000)]}");
        using var json = JsonDocument.Parse(line);
        var r = json.RootElement;
        var summary = line[..Math.Min(line.Length, 300)];  // the histogram after it can be hundreds of kB
        // A run answered with 4xx/5xx or socket errors would measure the wrong thing.
        if (r.GetProperty("errors").GetInt64() + r.GetProperty("non2xx").GetInt64() > 0)
            throw new InvalidOperationException($"wrk saw errors: {summary}");
        var latency = r.GetProperty("latency_us").EnumerateArray().ToDictionary(b => b[0].GetInt64(), b => b[1].GetInt64());
        if (latency.Count == 0) throw new InvalidOperationException($"wrk recorded no latencies: {summary}");
        return new WrkResult(r.GetProperty("requests").GetInt64(), r.GetProperty("duration_us").GetDouble() / 1e6, latency);
    }

    private sealed record PgbenchSlice(long Transactions, double Tps);

    private sealed record PgbenchResult(double Tps, double P50Ms, double P99Ms)
    {
        /// <summary>Throughput over all slices (their transactions over their time), latency from every slice's log.</summary>
        public static PgbenchResult Of(IReadOnlyList<PgbenchSlice> slices, DirectoryInfo logs)
        {
            // One line per transaction: client, transaction number, latency in µs, ...
            var latencies = logs.GetFiles("tx*").SelectMany(f => File.ReadLines(f.FullName))
                .Select(l => double.Parse(l.Split(' ')[2], CultureInfo.InvariantCulture) / 1000).Order().ToList();
            var transactions = slices.Sum(s => s.Transactions);
            if (latencies.Count != transactions)
                throw new InvalidOperationException($"pgbench logged {latencies.Count} transactions in {logs.FullName}, reported {transactions}");
            return new PgbenchResult(transactions / slices.Sum(s => s.Transactions / s.Tps),
                BenchReport.Percentile(latencies, 50), BenchReport.Percentile(latencies, 99));
        }
    }

    /// <summary>pgbench at the given concurrency, its per-transaction log (-l) written into <paramref name="logs"/>.</summary>
    private static async Task<PgbenchSlice> RunPgbenchAsync(string pgbench, NpgsqlConnectionStringBuilder pg, string script, int connections,
        int seconds, DirectoryInfo logs)
    {
        var output = await BenchTools.RunAsync(pgbench, ["-n", "-M", "prepared", "-c", connections.ToString(CultureInfo.InvariantCulture), "-j", "2",
            "-T", seconds.ToString(CultureInfo.InvariantCulture), "-f", script, "-l", "--log-prefix", Path.Combine(logs.FullName, "tx"),
            "-h", pg.Host!, "-p", pg.Port.ToString(CultureInfo.InvariantCulture), "-U", pg.Username!, pg.Database!]);
        var tps = TpsLine().Match(output);
        var processed = ProcessedLine().Match(output);
        if (!tps.Success || !processed.Success
            || output.Contains("failed", StringComparison.Ordinal) && !output.Contains("number of failed transactions: 0", StringComparison.Ordinal))
            throw new InvalidOperationException($"pgbench failed: {output}");
        var slice = new PgbenchSlice(long.Parse(processed.Groups[1].Value, CultureInfo.InvariantCulture),
            double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture));
        if (slice.Transactions == 0) throw new InvalidOperationException($"pgbench processed no transaction: {output}");
        return slice;
    }

    [GeneratedRegex("[^a-z]+")]
    private static partial Regex Slug();

    [GeneratedRegex(@"tps = ([0-9.]+)")]
    private static partial Regex TpsLine();

    [GeneratedRegex(@"number of transactions actually processed: ([0-9]+)")]
    private static partial Regex ProcessedLine();

    /// <summary>
    /// wrk picks a random path per request from a file (arg 1) and sends the key (arg 2); done() prints one JSON line
    /// (latencies in µs) so nothing parses wrk's human table.
    /// </summary>
    private const string WrkScript = """
        local paths = {}
        local headers = {}
        local threads = 0
        function setup(thread)
          threads = threads + 1
          thread:set("id", threads)
        end
        function init(args)
          for line in io.lines(args[1]) do paths[#paths + 1] = line end
          headers["Authorization"] = "Bearer " .. args[2]
          math.randomseed(os.time() * 10 + id)
        end
        function request()
          return wrk.format("GET", paths[math.random(#paths)], headers)
        end
        function done(summary, latency, requests)
          local e = summary.errors
          -- wrk's whole latency histogram ([µs, count] per distinct value, after its own coordinated-omission
          -- correction, so its counts can exceed the requests): percentiles over it match wrk's own to one rank, and slices merge.
          local buckets = {}
          for i = 1, #latency do
            local us, count = latency(i)
            buckets[i] = string.format('[%d,%d]', us, count)
          end
          io.write(string.format('{"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"latency_us":[%s]}\n',
            summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status, table.concat(buckets, ',')))
        end
        """;

    /// <summary>
    /// The statements a data source ran, from Npgsql's "execution completed" log with parameter values, turned into a
    /// pgbench script: one pipeline per round trip (Npgsql sends a batch in one), parameters as literals except the
    /// one that varies per request, which becomes a pgbench expression.
    /// </summary>
    private sealed class SqlCapture : ILoggerFactory, ILogger
    {
        private readonly List<List<(string Sql, object?[] Parameters)>> _roundTrips = [];

        public string Take(object? varying, string? expression)
        {
            var script = new StringBuilder();
            lock (_roundTrips)
            {
                foreach (var trip in _roundTrips)
                {
                    script.AppendLine("\\startpipeline");
                    foreach (var (sql, parameters) in trip)
                    {
                        var text = Regex.Replace(sql, @"\$(\d+)", m =>
                        {
                            var value = parameters[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) - 1];
                            return varying is not null && Equals(value, varying) ? expression! : Literal(value);
                        });
                        script.AppendLine(text.Trim().TrimEnd(';') + ";");
                    }
                    script.AppendLine("\\endpipeline");
                }
                _roundTrips.Clear();
            }
            return script.ToString();
        }

        private static string Literal(object? value) => value switch
        {
            // Npgsql's parameter log writes a DBNull value as the word NULL.
            null or DBNull or "NULL" => "null",
            string s => $"'{s.Replace("'", "''", StringComparison.Ordinal)}'::text",
            Guid g => $"'{g}'::uuid",
            DateTimeOffset d => $"'{d.UtcDateTime:O}'::timestamptz",
            DateTime d => $"'{d:O}'::timestamptz",
            DateOnly d => $"'{d:yyyy-MM-dd}'::date",
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => throw new NotSupportedException($"no literal for {value.GetType()}"),
        };

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id != NpgsqlEventId.CommandExecutionCompleted || state is not IReadOnlyList<KeyValuePair<string, object?>> fields) return;
            var values = fields.ToDictionary(f => f.Key, f => f.Value);
            var trip = new List<(string, object?[])>();
            // A batch logs (CommandText, Parameters) tuples; their exact types are Npgsql's business, so read them as tuples.
            if (values.GetValueOrDefault("BatchCommands") is System.Collections.IEnumerable batch and not string)
            {
                foreach (var command in batch.Cast<System.Runtime.CompilerServices.ITuple>())
                    trip.Add(((string)command[0]!, (command[1] as IEnumerable<object?>)?.ToArray() ?? []));
            }
            else if (values.GetValueOrDefault("CommandText") is string sql)
                trip.Add((sql, (values.GetValueOrDefault("Parameters") as IEnumerable<object>)?.ToArray() ?? []));
            lock (_roundTrips) _roundTrips.Add(trip);
        }

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public ILogger CreateLogger(string categoryName) => this;
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
    }
}
