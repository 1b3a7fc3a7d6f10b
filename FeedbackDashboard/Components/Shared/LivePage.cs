using FeedbackDashboard.Core.Polling;
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

    [Inject] private PollCycleNotifier Notifier { get; set; } = null!;

    protected bool Loading { get; private set; } = true;
    protected string? Error { get; private set; }
    protected CancellationToken Aborted => _cts.Token;

    /// <summary>Loads the page's data; exceptions become the page's error state.</summary>
    protected abstract Task LoadAsync();

    protected override async Task OnInitializedAsync()
    {
        Notifier.CycleFinished += OnCycleFinished;
        await ReloadAsync(showLoading: true);
        _ = RunTimerAsync();
    }

    protected async Task ReloadAsync(bool showLoading = false)
    {
        if (showLoading) Loading = true;
        try
        {
            await LoadAsync();
            Error = null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Error = $"Could not load this page: {e.Message}";
        }
        finally
        {
            Loading = false;
        }
    }

    private void OnCycleFinished(string job) => _ = InvokeAsync(async () =>
    {
        await ReloadAsync();
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
        Notifier.CycleFinished -= OnCycleFinished;
        _cts.Cancel();
        _timer?.Dispose();
        _cts.Dispose();
        GC.SuppressFinalize(this);
    }
}
