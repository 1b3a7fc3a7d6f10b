using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FeedbackDashboard.Core.Webhooks;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

/// <summary>
/// The webhook endpoint against hostile and heavy traffic, on the real app process (Kestrel, real HTTP, real
/// PostgreSQL): bodies over GitHub's 25 MB cap sent chunked, Kestrel's own body limit, a flood of big wrong-signature
/// bodies measured by the process's resident memory, and 200 signed deliveries arriving at once.
/// </summary>
public sealed class WebhookLimitsTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private const string Secret = "It's a Secret to Everybody";
    private const long MB = 1024 * 1024;
    private RunningApp _app = null!;
    private HttpClient _http = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = await RunningApp.StartAsync(db.ConnectionString, new Dictionary<string, string> { ["GITHUB_WEBHOOK_SECRET"] = Secret });
        _http = new HttpClient { BaseAddress = _app.Url, Timeout = TimeSpan.FromMinutes(3) };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    private static void Print(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    /// <summary>A JSON object of exactly <paramref name="length"/> bytes, produced while it is sent, without a Content-Length (chunked).</summary>
    private sealed class ChunkedJson(long length) : HttpContent
    {
        private static readonly byte[] Head = "{\"zen\":\""u8.ToArray();
        private static readonly byte[] Tail = "\"}"u8.ToArray();

        public static IEnumerable<ReadOnlyMemory<byte>> Chunks(long length)
        {
            yield return Head;
            var filler = new byte[64 * 1024];
            Array.Fill(filler, (byte)'a');
            for (var left = length - Head.Length - Tail.Length; left > 0; left -= filler.Length)
                yield return filler.AsMemory(0, (int)Math.Min(left, filler.Length));
            yield return Tail;
        }

        public static string Sign(string secret, long length)
        {
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
            foreach (var chunk in Chunks(length)) hmac.AppendData(chunk.Span);
            return "sha256=" + Convert.ToHexStringLower(hmac.GetHashAndReset());
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            foreach (var chunk in Chunks(length)) await stream.WriteAsync(chunk);
        }

        protected override bool TryComputeLength(out long size)
        {
            size = 0;
            return false;
        }
    }

    private static HttpRequestMessage Delivery(HttpContent content, string signature, string eventName = "ping")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/github/webhooks") { Content = content };
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add(WebhookSignature.Header, signature);
        return request;
    }

    /// <summary>The answer's status and content type; a connection the server closed while the body was still being sent counts as no answer (0).</summary>
    private static async Task<(int Status, string? Type, string Body)> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        using var response = await http.SendAsync(request, Ct);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_chunked_body_over_25_MB_is_a_413_problem_even_when_well_signed()
    {
        var length = 26 * MB;
        var (status, type, body) = await SendAsync(_http, Delivery(new ChunkedJson(length), ChunkedJson.Sign(Secret, length)));
        Assert.Equal(413, status);
        Assert.Equal("application/problem+json", type);
        Assert.Contains("25 MB", body);

        // A well-signed body just under the cap is taken.
        length = 24 * MB;
        (status, _, body) = await SendAsync(_http, Delivery(new ChunkedJson(length), ChunkedJson.Sign(Secret, length)));
        Assert.Equal(200, status);
        Assert.Contains("ignored", body);
        Assert.DoesNotContain("\"LogLevel\":\"Error\"", _app.Output);
    }

    [Fact]
    public async Task A_chunked_body_over_Kestrels_default_limit_is_a_413_problem_not_a_500()
    {
        // Kestrel's default maximum body is 30,000,000 bytes: a handler reading past it got an exception, answered 500.
        var length = 31 * MB;
        var (status, type, _) = await SendAsync(_http, Delivery(new ChunkedJson(length), "sha256=" + new string('0', 64)));
        Assert.Equal(413, status);
        Assert.Equal("application/problem+json", type);
        Assert.DoesNotContain("\"LogLevel\":\"Error\"", _app.Output);
    }

    /// <summary>The process's resident set (VmRSS), in bytes.</summary>
    private long Rss()
    {
        var line = File.ReadLines($"/proc/{_app.ProcessId}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    [Fact]
    public async Task A_flood_of_big_chunked_bodies_with_a_wrong_signature_is_refused_without_holding_their_memory()
    {
        // Warm up: the endpoint, its database path and the refusal path have all run once.
        var small = 1 * MB;
        Assert.Equal(200, (await SendAsync(_http, Delivery(new ChunkedJson(small), ChunkedJson.Sign(Secret, small)))).Status);
        Assert.Equal(401, (await SendAsync(_http, Delivery(new ChunkedJson(small), "sha256=" + new string('0', 64)))).Status);
        await Task.Delay(1000, Ct);
        var before = Rss();

        const int bodies = 96;
        var length = 24 * MB;
        var peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Rss());
                await Task.Delay(50, CancellationToken.None);
            }
        }, CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var statuses = await Task.WhenAll(Enumerable.Range(0, bodies).Select(_ =>
            Task.Run(async () => (await SendAsync(_http, Delivery(new ChunkedJson(length), "sha256=" + new string('1', 64)))).Status, Ct)));
        var flooded = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(5), Ct);
        await sampling.CancelAsync();
        await sampler;
        var after = Rss();
        var flood = bodies * length;
        Print($"flood: {bodies} chunked bodies of {length / MB} MB ({flood / MB} MB) with a wrong signature in {flooded.TotalSeconds:F1} s");
        Print($"RSS before {before / MB} MB, peak {peak / MB} MB (+{(peak - before) / MB} MB), 5 s after {after / MB} MB (+{(after - before) / MB} MB)");
        Assert.All(statuses, s => Assert.Equal(401, s));
        Assert.True(peak - before < flood / 10, $"peak growth {(peak - before) / MB} MB for a {flood / MB} MB flood");
        Assert.True(after - before < 150 * MB, $"still {(after - before) / MB} MB above the baseline after the flood");
    }

    [Fact]
    public async Task Two_hundred_concurrent_signed_deliveries_of_pings_and_unknown_comment_edits_all_answer_2xx_once_each()
    {
        // The app signs in as a role the server lets open only 30 connections, fewer than the burst would take (as a
        // production server shared by replicas and the poller refuses past max_connections): a refused connection
        // must not make a delivery a 500.
        var role = db.Name + "_app";
        await db.ExecuteAsync($"""
            create role {role} login connection limit 30;
            grant all on schema public to {role};
            grant all on all tables in schema public to {role};
            grant all on all sequences in schema public to {role};
            """);
        var limited = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = role }.ConnectionString;
        await using var app = await RunningApp.StartAsync(limited, new Dictionary<string, string> { ["GITHUB_WEBHOOK_SECRET"] = Secret });
        await using var fake = await FakeGitHub.StartAsync();
        fake.WebhookSecret = Secret;
        fake.WebhookTarget = new HttpClient { BaseAddress = app.Url };
        for (var round = 0; round < 3; round++)
        {
            var sends = Enumerable.Range(0, 200).Select(i => (Guid: Guid.NewGuid().ToString(), Ping: i % 2 == 0, Comment: 7_000_000L + round * 1000 + i)).ToList();
            var statuses = await Task.WhenAll(sends.Select(d => Task.Run(() => d.Ping
                ? fake.DeliverAsync("ping", new JsonObject { ["zen"] = "Practicality beats purity.", ["hook_id"] = 4242001 }, d.Guid)
                : fake.DeliverAsync("issue_comment", WebhookPayloads.Comment("issue_comment", "edited", d.Comment, $"text {d.Comment}"), d.Guid), Ct)));

            Print($"round {round}: {string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Count()} × {g.Key}"))}");
            Assert.All(statuses, s => Assert.InRange(s, 200, 299));
            var guids = string.Join(",", sends.Select(d => $"'{d.Guid}'"));
            Assert.Equal(200L, await db.ScalarAsync<long>($"select count(*) from webhook_deliveries where guid in ({guids})"));
            Assert.Equal(100L, await db.ScalarAsync<long>($"select count(*) from webhook_deliveries where guid in ({guids}) and event = 'ping' and outcome = 'ignored'"));
            Assert.Equal(100L, await db.ScalarAsync<long>($"select count(*) from webhook_deliveries where guid in ({guids}) and event = 'issue_comment' and outcome = 'applied'"));
        }
        var errors = app.Output.Split('\n').Where(l => l.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal)).ToList();
        Print($"errors logged: {errors.Count}{(errors.Count > 0 ? ", first: " + errors[0] : "")}");
        Assert.Empty(errors);
    }
}
