using System.Net.WebSockets;
using System.Text.Json;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Components;

/// <summary>
/// Open pages over Blazor's own hub (the headless client the circuits benchmark uses), against the app process: a
/// landed poll cycle reaches them as render batches carrying the new figures.
/// </summary>
public sealed class LiveCircuitTests
{
    [Fact]
    public async Task A_landed_cycle_reaches_open_Overview_and_Runs_pages_through_their_circuits()
    {
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        await db.ExecuteAsync("""
            insert into repositories (owner, name, full_name, installation_id) values ('org', 'live', 'org/live', 1);
            insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login, pr_author_association, created_at)
            select md5('t' || g)::uuid, (select id from repositories), 1, g, 7, 'author', 'CONTRIBUTOR', now() - interval '1 hour'
            from generate_series(1, 3) g;
            insert into review_comments (kind, github_comment_id, task_id, repository_id, file, line, created_at)
            select 'inline', g, md5('t' || (1 + g % 3))::uuid, (select id from repositories), 'src/a.cs', g, now() - interval '1 hour'
            from generate_series(1, 12) g;
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select 'inline', g, 10, 'ann', '+1', now() - interval '30 minutes' from generate_series(1, 7) g;
            """);
        await using var app = await RunningApp.StartAsync(db.ConnectionString);
        using var http = new HttpClient { BaseAddress = app.Url };

        await using var overview = await BlazorCircuitClient.OpenAsync(http, app.Url, "/", Ct);
        await using var runs = await BlazorCircuitClient.OpenAsync(http, app.Url, "/runs", Ct);
        Assert.Contains("data-testid=\"kpi-up-value\"", overview.Html);
        Assert.True(overview.Batches > 0 && runs.Batches > 0, "each circuit rendered its page");

        // 7 → 4,321 👍: a figure no other text on the page contains.
        var upShown = overview.WatchFor("4321");
        var runShown = runs.WatchFor("newcomer");
        await db.ExecuteAsync("""
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select 'inline', 1, g, 'fan' || g, '+1', now() from generate_series(1000, 5313) g;
            insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login, pr_author_association, created_at)
            values (md5('landed')::uuid, (select id from repositories), 1, 99, 8, 'newcomer', 'CONTRIBUTOR', now());
            insert into poll_cycles (job, instance, started_at, finished_at, status) values ('reactions', 'test', now(), now(), 'ok');
            """);

        // Pushed by the server after the cycle's NOTIFY: the pages' fallback timer is 60 s, far beyond this wait.
        await Task.WhenAll(upShown, runShown).WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.Null(overview.Error);
        Assert.Null(runs.Error);
        Assert.Equal("7", overview.PrerenderedText("kpi-up-value"));
    }

    /// <summary>
    /// A browser asks for permessage-deflate on the circuit's WebSocket; the app declines, so it keeps no compressor
    /// per open page (the circuits benchmark measures it). Pages and socket still refuse to be
    /// framed by other sites (Blazor's own frame-ancestors policy comes only with compression).
    /// </summary>
    [Fact]
    public async Task The_circuit_socket_declines_compression_a_browser_asks_for_and_nothing_is_framed_elsewhere()
    {
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        await using var app = await RunningApp.StartAsync(db.ConnectionString);
        using var http = new HttpClient { BaseAddress = app.Url };
        using var page = await http.GetAsync("/", Ct);
        Assert.Equal("frame-ancestors 'self'", string.Join(",", page.Headers.GetValues("Content-Security-Policy")));

        // SignalR's own handshake: negotiate, then the WebSocket with the token it gave.
        using var negotiate = await http.PostAsync("_blazor/negotiate?negotiateVersion=1", null, Ct);
        negotiate.EnsureSuccessStatusCode();
        var token = JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("connectionToken").GetString();
        using var socket = new ClientWebSocket();
        socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(new Uri($"ws://{app.Url.Authority}/_blazor?id={token}"), Ct);

        Assert.Equal(WebSocketState.Open, socket.State);
        Assert.Equal(System.Net.HttpStatusCode.SwitchingProtocols, socket.HttpStatusCode);
        Assert.Equal("frame-ancestors 'self'", string.Join(",", socket.HttpResponseHeaders!["Content-Security-Policy"]));
        Assert.False(socket.HttpResponseHeaders.ContainsKey("Sec-WebSocket-Extensions"),
            string.Join("; ", socket.HttpResponseHeaders.Select(h => $"{h.Key}: {string.Join(",", h.Value)}")));
    }
}
