using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Webhooks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace FeedbackDashboard.Api;

public sealed record WebhookAck(string Outcome);

/// <summary>
/// POST /api/github/webhooks: the GitHub App's deliveries. Authenticated by the body's HMAC (X-Hub-Signature-256 with
/// GITHUB_WEBHOOK_SECRET), not by an API key; absent without a secret (404). Octokit.Webhooks.AspNetCore's endpoint
/// was not used: it answers a missing or bad signature with a bare 400 (the contract says 401 problem+json, counted),
/// turns any exception while handling into a 500 (GitHub would redeliver a payload we can never use), and its typed
/// events would add nothing to the few fields each effect reads.
/// </summary>
public static class WebhooksApi
{
    /// <summary>GitHub caps a delivery's payload at 25 MB.</summary>
    private const int MaxBody = 25 * 1024 * 1024;
    /// <summary>GitHub gives up on an answer after 10 s: past this, the effect is rolled back and the delivery left to redeliver.</summary>
    private static readonly TimeSpan ApplyTimeout = TimeSpan.FromSeconds(8);
    /// <summary>What bodies not yet verified may hold at once, process-wide; GitHub's own deliveries are rarely over a few kB.</summary>
    /// <summary>
    /// Deliveries applied at once per process: a burst of hundreds otherwise opens as many database connections, past
    /// what the server allows; the rest wait their turn within <see cref="ApplyTimeout"/>.
    /// </summary>
    private static readonly SemaphoreSlim ApplyGate = new(16);
    private static readonly WebhookBodyBudget UnverifiedBodies = new(32 * 1024 * 1024);

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/github/webhooks", ReceiveAsync)
            .AllowAnonymous()
            .DisableAntiforgery()
            .WithTags("Webhooks")
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(413).ProducesProblem(503)
            .WithSummary("GitHub App webhook deliveries (signed with GITHUB_WEBHOOK_SECRET)")
            .WithDescription("Scope none: GitHub's X-Hub-Signature-256 (HMAC-SHA256 of the body with GITHUB_WEBHOOK_SECRET), checked in constant time; " +
                             "401 when missing or wrong. A body over 25 MB (chunked too) is a 413. Each X-GitHub-Delivery is applied once; " +
                             "unknown events and actions are acknowledged and ignored. 404 when no secret is configured.");
        return app;
    }

    private static async Task<Results<Ok<WebhookAck>, NotFound, ProblemHttpResult>> ReceiveAsync(HttpContext http, FeedbackSettings settings,
        WebhookProcessor processor, WebhookStats stats, ILoggerFactory logs, CancellationToken ct)
    {
        if (settings.GitHubWebhookSecret is not { } secret) return TypedResults.NotFound();
        var log = logs.CreateLogger("FeedbackDashboard.Webhooks");

        if (http.Request.ContentLength > MaxBody) return TooLarge();
        // The cap is counted here as the body streams in (chunked too). Kestrel's own limit sits above it so that, after a
        // 413, it can drain what the client is still sending and the client reads the answer instead of a reset.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeLimit) sizeLimit.MaxRequestBodySize = 2L * MaxBody;
        WebhookBody read;
        try
        {
            read = await WebhookBody.ReadAsync(http.Request.Body, secret, http.Request.Headers[WebhookSignature.Header].FirstOrDefault(),
                MaxBody, UnverifiedBodies, ct);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits (its maximum body size, a malformed chunk, a body sent too slowly) are the client's fault.
            log.LogWarning("Webhook body refused by the server from {Remote}: {Reason}", http.Connection.RemoteIpAddress, e.Message);
            return e.StatusCode == StatusCodes.Status413PayloadTooLarge ? TooLarge() : Problem(e.StatusCode, "unreadable body", e.Message);
        }
        using var _ = read;

        if (read.Check == BodyCheck.TooLarge) return TooLarge();
        if (read.Check == BodyCheck.BadSignature)
        {
            log.LogWarning("Webhook refused: missing or wrong {Header} from {Remote}", WebhookSignature.Header, http.Connection.RemoteIpAddress);
            try
            {
                await stats.RecordRejectedAsync(ct);
            }
            catch (NpgsqlException e)
            {
                log.LogWarning(e, "Could not count a refused webhook");
            }
            return Problem(401, "bad signature", $"{WebhookSignature.Header} is missing or does not match the body signed with the webhook secret");
        }
        if (read.Check == BodyCheck.NotKept)
        {
            log.LogError("Webhook of {Length} bytes not kept: other bodies hold the memory allowed for unverified bodies", read.Length);
            http.Response.Headers.RetryAfter = "10";
            return Problem(503, "busy", "too many large bodies are being received at once; the delivery can be redelivered");
        }
        var body = read.Memory;

        var guid = http.Request.Headers["X-GitHub-Delivery"].FirstOrDefault();
        var eventName = http.Request.Headers["X-GitHub-Event"].FirstOrDefault();
        if (string.IsNullOrWhiteSpace(guid) || string.IsNullOrWhiteSpace(eventName) || guid.Length > 100 || eventName.Length > 100)
            return Problem(400, "not a GitHub delivery", "X-GitHub-Delivery and X-GitHub-Event are required");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ApplyTimeout);
        var entered = false;
        try
        {
            await ApplyGate.WaitAsync(timeout.Token);
            entered = true;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var outcome = await processor.ApplyAsync(guid, eventName, body, timeout.Token);
                    return TypedResults.Ok(new WebhookAck(outcome.ToWire()));
                }
                catch (PostgresException e) when (e.IsTransient)
                {
                    // Refused connections, deadlocks, serialization failures: the transaction left nothing behind, so asking again is safe.
                    log.LogWarning("Webhook {Guid} ({Event}) attempt {Attempt}: {SqlState} {Message}; trying again", guid, eventName, attempt,
                        e.SqlState, e.MessageText);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50 * attempt, 500) + Random.Shared.Next(50)), timeout.Token);
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            log.LogError("Webhook {Guid} ({Event}) not applied within {Seconds} s (a lock held elsewhere?)", guid, eventName, ApplyTimeout.TotalSeconds);
            return Problem(503, "not applied", "the delivery could not be applied in time; it can be redelivered");
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            // Nothing was recorded: GitHub keeps the delivery as failed, and the poller asks for it again on start.
            log.LogError(e, "Webhook {Guid} ({Event}) not applied: database unreachable", guid, eventName);
            return Problem(503, "not applied", "the database is unreachable; the delivery can be redelivered");
        }
        finally
        {
            if (entered) ApplyGate.Release();
        }
    }

    private static ProblemHttpResult TooLarge() => Problem(413, "payload too large", "a GitHub delivery is at most 25 MB");

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);
}
