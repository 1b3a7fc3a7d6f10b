using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>
/// One live Blazor Server circuit without a browser: what blazor.web.js does for a prerendered interactive page,
/// over SignalR's own .NET client. It fetches the page, connects to <c>/_blazor</c>, starts a circuit, hands the
/// server the page's component markers, acknowledges every render batch and answers every JS interop call with
/// "done, no value". It keeps no DOM: it records when a render batch carrying a given text arrives, which is the
/// moment a browser would show it (a batch holds the text of every frame it adds or changes, as UTF-8, uncompressed).
/// Hand-written because no served package does this (ASP.NET Core's own "Ignitor" test client was never shipped
/// for .NET 8+), and a browser per viewer cannot reach hundreds of circuits on two cores.
/// </summary>
public sealed partial class BlazorCircuitClient : IAsyncDisposable
{
    private readonly HubConnection _hub;
    private readonly Uri _page;
    private readonly TaskCompletionSource _interopReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _rootsAdded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _watchLock = new();
    private (byte[] Text, TaskCompletionSource<DateTimeOffset> Seen)? _watch;

    /// <summary>The prerendered page's HTML, as the browser received it.</summary>
    public string Html { get; }

    /// <summary>Render batches received (all of them acknowledged).</summary>
    public int Batches { get; private set; }

    /// <summary>Set when the server reported a circuit error (JS.Error) or the connection closed.</summary>
    public string? Error { get; private set; }

    private BlazorCircuitClient(HubConnection hub, Uri page, string html)
    {
        _hub = hub;
        _page = page;
        Html = html;
    }

    /// <summary>Opens <paramref name="path"/> like a browser would and returns once the circuit has rendered it.</summary>
    public static async Task<BlazorCircuitClient> OpenAsync(HttpClient http, Uri root, string path, CancellationToken ct)
    {
        var page = new Uri(root, path);
        var html = await http.GetStringAsync(page, ct);
        var markers = StartMarkers(html);
        if (markers.Count == 0) throw new InvalidOperationException($"{path} has no interactive server component marker");
        var state = StateComment().Match(html) is { Success: true } m ? m.Groups["state"].Value : "";

        // Blazor's hub speaks only "blazorpack": SignalR's MessagePack protocol under that name (blazor.web.js does the
        // same), in place of the JSON protocol the builder registers.
        // And it asks for permessage-deflate, as browsers do: the server then keeps a compressor per circuit.
        var builder = new HubConnectionBuilder().WithUrl(new Uri(root, "_blazor"), HttpTransportType.WebSockets,
            o => o.WebSocketConfiguration = ws => ws.DangerousDeflateOptions = new System.Net.WebSockets.WebSocketDeflateOptions());
        builder.Services.RemoveAll<IHubProtocol>();
        builder.Services.AddSingleton<IHubProtocol>(new BlazorPackProtocol(new MessagePackHubProtocol()));
        var hub = builder.Build();
        var client = new BlazorCircuitClient(hub, page, html);
        client.Register();
        await hub.StartAsync(ct);

        var circuit = await hub.InvokeAsync<string?>("StartCircuit", root.ToString(), page.ToString(), "[]", state, ct);
        if (circuit is null) throw new InvalidOperationException($"the server refused to start a circuit for {path}");
        // blazor.web.js adds the page's components once the renderer's interop is attached.
        await client._interopReady.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
        var operations = new JsonObject
        {
            ["batchId"] = 1,
            ["operations"] = new JsonArray(markers.Select((marker, i) => (JsonNode)new JsonObject
            {
                ["type"] = "add",
                ["ssrComponentId"] = i + 1,
                ["marker"] = marker,
            }).ToArray()),
        };
        await hub.SendAsync("UpdateRootComponents", operations.ToJsonString(), state, ct);
        await client._rootsAdded.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
        return client;
    }

    /// <summary>The text of the prerendered element with this data-testid (its own text, up to its first child tag).</summary>
    public string PrerenderedText(string testId)
    {
        var at = Html.IndexOf($"data-testid=\"{testId}\"", StringComparison.Ordinal);
        if (at < 0) throw new InvalidOperationException($"{_page} has no element data-testid={testId}");
        var start = Html.IndexOf('>', at) + 1;
        return Html[start..Html.IndexOf('<', start)].Trim();
    }

    /// <summary>Completes with the arrival time of the first render batch, from now on, that contains <paramref name="text"/>.</summary>
    public Task<DateTimeOffset> WatchFor(string text)
    {
        var seen = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_watchLock) _watch = (Encoding.UTF8.GetBytes(text), seen);
        return seen.Task;
    }

    private void Register()
    {
        _hub.On<long, byte[]>("JS.RenderBatch", async (batchId, data) =>
        {
            var now = DateTimeOffset.UtcNow;
            Batches++;
            lock (_watchLock)
            {
                if (_watch is { } w && data.AsSpan().IndexOf(w.Text) >= 0)
                {
                    w.Seen.TrySetResult(now);
                    _watch = null;
                }
            }
            await _hub.SendAsync("OnRenderCompleted", batchId, null);
        });
        // (asyncHandle, identifier, argsJson, resultType, targetInstanceId, callType): answered "succeeded, no value".
        _hub.On<long, string, string, int, long, int>("JS.BeginInvokeJS", async (handle, identifier, _, _, _, _) =>
        {
            if (identifier == "Blazor._internal.attachWebRendererInterop") _interopReady.TrySetResult();
            if (handle != 0) await _hub.SendAsync("EndInvokeJSFromDotNet", handle, true, $"[{handle},true,null]");
        });
        _hub.On<long>("JS.EndUpdateRootComponents", _ => _rootsAdded.TrySetResult());
        _hub.On<int, string>("JS.AttachComponent", (_, _) => { });
        _hub.On<string>("JS.Error", error =>
        {
            Error = error;
            _rootsAdded.TrySetException(new InvalidOperationException($"circuit error on {_page}: {error}"));
        });
        _hub.Closed += e =>
        {
            Error ??= e?.Message ?? "closed";
            return Task.CompletedTask;
        };
    }

    /// <summary>The start markers of the page's interactive server components (<c>&lt;!--Blazor:{…"type":"server"…}--&gt;</c>), as JSON.</summary>
    private static List<JsonObject> StartMarkers(string html)
    {
        var markers = new List<JsonObject>();
        foreach (Match m in MarkerComment().Matches(html))
        {
            if (JsonNode.Parse(m.Groups["json"].Value) is JsonObject marker && (string?)marker["type"] == "server")
                markers.Add(marker);
        }
        return markers;
    }

    [GeneratedRegex("<!--Blazor:(?<json>\\{.*?\\})-->", RegexOptions.Singleline)]
    private static partial Regex MarkerComment();

    [GeneratedRegex("<!--Blazor-Server-Component-State:(?<state>[a-zA-Z0-9+/=]+)-->")]
    private static partial Regex StateComment();

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();
}

/// <summary>SignalR's MessagePack hub protocol under the name Blazor's hub accepts ("blazorpack", same wire format).</summary>
internal sealed class BlazorPackProtocol(IHubProtocol messagePack) : IHubProtocol
{
    public string Name => "blazorpack";
    public int Version => messagePack.Version;
    public TransferFormat TransferFormat => messagePack.TransferFormat;
    public bool IsVersionSupported(int version) => messagePack.IsVersionSupported(version);

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message) =>
        messagePack.TryParseMessage(ref input, binder, out message);

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => messagePack.WriteMessage(message, output);
    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => messagePack.GetMessageBytes(message);
}
