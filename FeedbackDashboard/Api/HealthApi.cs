using FeedbackDashboard.Core.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace FeedbackDashboard.Api;

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok")).ExcludeFromDescription();
        app.MapGet("/readyz", ReadyAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<Results<Ok<string>, ProblemHttpResult>> ReadyAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            return await Migrator.IsUpToDateAsync(db, timeout.Token)
                ? TypedResults.Ok("ready")
                : TypedResults.Problem("migrations are not applied yet", statusCode: 503, title: "not ready");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return TypedResults.Problem($"database unreachable: {e.Message}", statusCode: 503, title: "not ready");
        }
    }
}
