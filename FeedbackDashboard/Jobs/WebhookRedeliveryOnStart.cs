using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Webhooks;

namespace FeedbackDashboard.Jobs;

/// <summary>
/// Once, when the poller has started: GitHub redelivers the App's failed deliveries we have not applied. A one-shot at
/// start, not a Coravel schedule; a failure is logged and polling still reconciles everything a lost event would have told.
/// </summary>
public sealed class WebhookRedeliveryOnStart(WebhookRedelivery redelivery, ILogger<WebhookRedeliveryOnStart> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await redelivery.RunAsync(stoppingToken);
        }
        catch (Exception e) when (e is GitHubRequestException or HttpRequestException or Npgsql.NpgsqlException or System.Text.Json.JsonException
                                      or Polly.Timeout.TimeoutRejectedException or InvalidOperationException or KeyNotFoundException)
        {
            log.LogWarning(e, "Failed webhook deliveries could not be redelivered on start; polling reconciles what they carried");
        }
    }
}
