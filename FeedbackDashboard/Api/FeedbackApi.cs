using System.Buffers;
using System.Text.Json;
using System.Threading.RateLimiting;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Feedback;
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
            .Produces(200, contentType: "application/x-ndjson").ProducesProblem(429)
            .WithSummary("Stream every reaction as NDJSON")
            .WithDescription("Scope review:read. One reaction a line: task, repository, PR, comment kind/id, file, line, reactor (role resolved now), content, reacted_at, and the comment's signals (html_url, outdated, resolved, resolved_by, resolved_by_bot, minimized, minimized_reason, human_replies, addressed, disputed). Filters: repository, from, to (on reacted_at). Keyset-paged from the database, so any size streams in constant memory. At most 2 exports run per key and 4 in all; more answer 429 with Retry-After.");
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
        if (q.Problem is { } problem) return problem;
        if (await KeyReach.Of(http.User).CheckRepositoryFilterAsync(repository, installations, ct) is { } forbidden) return forbidden;

        http.Response.ContentType = "application/x-ndjson; charset=utf-8";
        // Lines gather in a small buffer that goes out every 64 KiB: the first rows leave at once, memory stays flat.
        var buffer = new ArrayBufferWriter<byte>(128 * 1024);
        await using var writer = new Utf8JsonWriter(buffer);
        await foreach (var row in queries.ExportAsync(repository, from, to, ct))
        {
            writer.WriteStartObject();
            writer.WriteString("task_id", row.TaskId);
            writer.WriteString("repository", row.Repository);
            writer.WriteNumber("pr_number", row.PrNumber);
            writer.WriteString("comment_kind", row.CommentKind);
            writer.WriteNumber("github_comment_id", row.GithubCommentId);
            if (row.File is null) writer.WriteNull("file"); else writer.WriteString("file", row.File);
            if (row.Line is null) writer.WriteNull("line"); else writer.WriteNumber("line", row.Line.Value);
            writer.WriteNumber("reactor_id", row.ReactorId);
            writer.WriteString("reactor_login", row.ReactorLogin);
            writer.WriteString("reactor_association", row.ReactorAssociation);
            writer.WriteString("content", row.Content);
            writer.WriteString("reacted_at", row.ReactedAt);
            // The comment's signals (the names the README's API section gives): null until read, thread fields null for reply comments.
            WriteOrNull(writer, "html_url", row.HtmlUrl);
            WriteOrNull(writer, "outdated", row.Signals.Outdated);
            WriteOrNull(writer, "resolved", row.Signals.Resolved);
            WriteOrNull(writer, "resolved_by", row.Signals.ResolvedBy);
            WriteOrNull(writer, "resolved_by_bot", row.Signals.ResolvedByBot);
            WriteOrNull(writer, "minimized", row.Signals.Minimized);
            WriteOrNull(writer, "minimized_reason", row.Signals.MinimizedReason);
            if (row.Signals.HumanReplies is { } replies) writer.WriteNumber("human_replies", replies); else writer.WriteNull("human_replies");
            writer.WriteBoolean("addressed", row.Signals.Addressed);
            writer.WriteBoolean("disputed", row.Disputed);
            writer.WriteEndObject();
            writer.Flush();
            writer.Reset();
            buffer.Write("\n"u8);
            if (buffer.WrittenCount >= 64 * 1024)
            {
                await http.Response.Body.WriteAsync(buffer.WrittenMemory, ct);
                buffer.ResetWrittenCount();
            }
        }
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, ct);
        return TypedResults.Empty;
    }

    private static void WriteOrNull(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null) writer.WriteNull(name); else writer.WriteString(name, value);
    }

    private static void WriteOrNull(Utf8JsonWriter writer, string name, bool? value)
    {
        if (value is null) writer.WriteNull(name); else writer.WriteBoolean(name, value.Value);
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
                statusCode: StatusCodes.Status429TooManyRequests, title: "Too Many Requests").ExecuteAsync(ctx.HttpContext));
        };
    });
}
