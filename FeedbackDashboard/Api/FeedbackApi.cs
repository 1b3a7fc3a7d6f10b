using System.Buffers;
using System.Text.Json;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Feedback;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeedbackDashboard.Api;

/// <summary>Bulk feedback for evaluation datasets.</summary>
public static class FeedbackApi
{
    public static IEndpointRouteBuilder MapFeedbackApi(this IEndpointRouteBuilder app)
    {
        var feedback = app.MapGroup("/api/feedback").WithTags("Feedback");
        feedback.MapGet("/export", ExportAsync).RequireScope(Scopes.ReviewRead)
            .Produces(200, contentType: "application/x-ndjson")
            .WithSummary("Stream every reaction as NDJSON")
            .WithDescription("Scope review:read. One reaction a line: task, repository, PR, comment kind/id, file, line, reactor (role resolved now), content, reacted_at. Filters: repository, from, to (on reacted_at). Keyset-paged from the database, so any size streams in constant memory.");
        return app;
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ExportAsync(HttpContext http, FeedbackQueries queries,
        CancellationToken ct)
    {
        var q = new QueryArgs(http.Request);
        var repository = q.Repository();
        var from = q.Date("from");
        var to = q.Date("to");
        q.Range(from, to);
        if (q.Problem is { } problem) return problem;

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
}
