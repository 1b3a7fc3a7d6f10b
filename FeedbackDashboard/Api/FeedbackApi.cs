using System.Threading.RateLimiting;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Insights;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;

namespace FeedbackDashboard.Api;

/// <summary>Bulk feedback for evaluation datasets.</summary>
public static class FeedbackApi
{
    public static IEndpointRouteBuilder MapFeedbackApi(this IEndpointRouteBuilder app)
    {
        var feedback = app.MapGroup("/api/feedback").WithTags("Feedback");
        feedback.MapGet("/export", ExportAsync).RequireScope(Scopes.ReviewRead)
            .RequireRateLimiting(ExportLimits.Key).WithMetadata(new ExportEndpoint())
            .Produces(200, contentType: "application/x-ndjson").Produces(200, contentType: "text/csv").ProducesProblem(429)
            .WithName("exportFeedback").WithQuery(ApiQuery.Export).Problems(400)
            .WithSummary("Stream every reaction as NDJSON (or CSV)")
            .WithDescription("Scope review:read. One reaction a line: task, the run's labels, repository, PR, comment kind/id, file, line, rule, category, severity, fingerprint, reactor (role resolved now), content, reacted_at, and the comment's signals (html_url, outdated, resolved, resolved_by, resolved_by_bot, minimized, minimized_reason, human_replies, addressed, disputed) and what became of it (suggestion, applied, applied_commit, resolved_by_kind, disposition, reraise_of). Filters: repository, from, to (on reacted_at). format=csv streams the same rows as CSV with a header row of the same names (labels as a JSON text cell). Keyset-paged from the database, so any size streams in constant memory. At most 2 exports run per key and 4 in all; more answer 429 with Retry-After.");
        return app;
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ExportAsync(HttpContext http,
        [FromKeyedServices(ExportLimits.Key)] FeedbackQueries queries, InstallationLookup installations, CancellationToken ct)
    {
        var q = new QueryArgs(http.Request);
        var repository = q.Repository();
        var from = q.Date("from");
        var to = q.Date("to");
        q.Range(from, to);
        var format = q.String("format") ?? "ndjson";
        if (format is not ("ndjson" or "csv")) q.Errors["format"] = ["must be ndjson or csv"];
        if (q.Problem is { } problem) return problem;
        var reach = KeyReach.Of(http.User);
        if (await reach.CheckRepositoryFilterAsync(repository, installations, ct) is { } forbidden) return forbidden;

        var writer = ExportWriter.For(format!);
        http.Response.ContentType = writer.ContentType;
        await writer.WriteAsync(http.Response.Body, queries.ExportAsync(repository, from, to, ct, reach.RunFilter), ct);
        return TypedResults.Empty;
    }
}

/// <summary>Marks the export endpoint for the total limit (the global limiter sees every request).</summary>
internal sealed record ExportEndpoint;

/// <summary>
/// Exports stream for as long as the client reads, each holding a connection of the export pool. ASP.NET Core's rate
/// limiter caps them per key and in total; a request over the cap gets 429 with Retry-After at once (no queue).
/// </summary>
public static class ExportLimits
{
    public const string Key = "export";
    public const int PerKey = 2;
    public const int Total = 4;
    public const int RetryAfterSeconds = 10;

    public static IServiceCollection AddExportLimits(this IServiceCollection services) => services.AddRateLimiter(o =>
    {
        o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        o.AddPolicy(Key, http => RateLimitPartition.GetConcurrencyLimiter(
            http.User.Identity?.Name ?? "",
            _ => new ConcurrencyLimiterOptions { PermitLimit = PerKey, QueueLimit = 0 }));
        o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            http.GetEndpoint()?.Metadata.GetMetadata<ExportEndpoint>() is null
                ? RateLimitPartition.GetNoLimiter("")
                : RateLimitPartition.GetConcurrencyLimiter(Key, _ => new ConcurrencyLimiterOptions { PermitLimit = Total, QueueLimit = 0 }));
        o.OnRejected = (ctx, ct) =>
        {
            ctx.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
            return new ValueTask(Results.Problem(
                detail: $"too many exports are running (at most {PerKey} per key and {Total} in all); retry after {RetryAfterSeconds} s",
                statusCode: StatusCodes.Status429TooManyRequests, title: "Too Many Requests",
                type: "https://www.rfc-editor.org/rfc/rfc6585#section-4").ExecuteAsync(ctx.HttpContext));
        };
    });
}
