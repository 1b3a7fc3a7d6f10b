using FeedbackDashboard.Core.Insights;
using Microsoft.AspNetCore.Components;

namespace FeedbackDashboard.Components.Shared;

/// <summary>
/// A page that loads its data through Core services and reloads itself when a poll cycle lands (LISTEN/NOTIFY),
/// with a slow timer as a fallback. Loading and error states are handled once here.
/// </summary>
public abstract class LivePage : ComponentBase, IDisposable
{
    private static readonly TimeSpan FallbackRefresh = TimeSpan.FromSeconds(60);
    private PeriodicTimer? _timer;
    private readonly CancellationTokenSource _cts = new();
    private readonly Dictionary<string, Action> _persist = [];
    private PersistingComponentStateSubscription _persisting;

    [Inject] private CycleCache Cache { get; set; } = null!;
    [Inject] private PersistentComponentState State { get; set; } = null!;

    protected bool Loading { get; private set; } = true;
    protected string? Error { get; private set; }

    [Inject] private ILoggerFactory Logs { get; set; } = default!;
    protected CancellationToken Aborted => _cts.Token;

    /// <summary>Loads the page's data; exceptions become the page's error state.</summary>
    protected abstract Task LoadAsync();

    protected override async Task OnInitializedAsync()
    {
        _persisting = State.RegisterOnPersisting(() =>
        {
            foreach (var persist in _persist.Values) persist();
            return Task.CompletedTask;
        });
        Cache.CycleLanded += OnCycleFinished;
        await ReloadAsync(showLoading: true);
        _ = RunTimerAsync();
    }

    protected async Task ReloadAsync(bool showLoading = false)
    {
        if (showLoading) Loading = true;
        try
        {
            await GuardAsync(LoadAsync);
        }
        finally
        {
            Loading = false;
        }
    }

    /// <summary>Runs a load; a failure becomes the page's error words, a success clears them.</summary>
    protected async Task GuardAsync(Func<Task> load)
    {
        try
        {
            await load();
            Error = null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The exception's text names hosts, ports and SQL: it goes to the log; the page says what a reader can act on.
            Logs.CreateLogger(GetType()).LogError(e, "Could not load {Page}", GetType().Name);
            Error = Core.Data.DataStore.IsUnreachable(e)
                ? "Could not load this page: the data store is unreachable. The page tries again on its next refresh."
                : "Could not load this page: an unexpected error occurred; it has been logged.";
        }
    }

    /// <summary>
    /// A value loaded while prerendering travels to the interactive page inside the HTML instead of being loaded a
    /// second time: the page's first interactive load takes it, later loads (filters, refreshes) query again.
    /// </summary>
    protected async Task<T> Persisted<T>(string name, Func<Task<T>> load)
    {
        var key = $"{GetType().Name}.{name}";
        if (State.TryTakeFromJson<T>(key, out var restored)) return restored!;
        var value = await load();
        _persist[key] = () => State.PersistAsJson(key, value);
        return value;
    }

    /// <summary>
    /// A read every open page makes alike (same query, same arguments in <paramref name="key"/>). In the refresh a
    /// landed cycle sets off on every page at once it runs once for all of them (see <see cref="CycleCache"/>); any
    /// other load (the first, a filter, after loading the demo) reads afresh, so it sees what was just written.
    /// </summary>
    protected Task<T> Shared<T>(object key, Func<CancellationToken, Task<T>> load, CancellationToken? ct = null) =>
        _cycleRefresh ? Cache.GetAsync(key, load, ct ?? Aborted) : load(ct ?? Aborted);

    private bool _cycleRefresh;

    private void OnCycleFinished(string job) => _ = InvokeAsync(async () =>
    {
        _cycleRefresh = true;
        try
        {
            await ReloadAsync();
        }
        finally
        {
            _cycleRefresh = false;
        }
        StateHasChanged();
    });

    private async Task RunTimerAsync()
    {
        _timer = new PeriodicTimer(FallbackRefresh);
        try
        {
            while (await _timer.WaitForNextTickAsync(_cts.Token))
            {
                await InvokeAsync(async () =>
                {
                    await ReloadAsync();
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        Cache.CycleLanded -= OnCycleFinished;
        _persisting.Dispose();
        _cts.Cancel();
        _timer?.Dispose();
        _cts.Dispose();
        GC.SuppressFinalize(this);
    }
}
