using FeedbackDashboard.Core.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace FeedbackDashboard.Api;

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok")).AllowAnonymous().WithTags("Health").WithName("healthz")
            .Produces<string>(200, "text/plain")
            .WithSummary("Liveness").WithDescription("Scope none. `ok` while the process serves.");
        app.MapGet("/readyz", ReadyAsync).AllowAnonymous().WithTags("Health").WithName("readyz").Problems(503)
            .WithSummary("Readiness")
            .WithDescription("Scope none. 200 `\"ready\"` when the database is reachable and its migrations applied; else 503 with `reason` migrations_pending, database_error or database_unreachable.");
        return app;
    }

    // Anyone who can reach the pod can read /readyz: it answers a short code, and the detail (host, user,
    // server message) goes to the log only.
    private static async Task<Results<Ok<string>, ProblemHttpResult>> ReadyAsync(NpgsqlDataSource db, ILoggerFactory logs,
        CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            return await Migrator.IsUpToDateAsync(db, timeout.Token) ? TypedResults.Ok("ready") : NotReady("migrations_pending");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            var reason = e is PostgresException ? "database_error" : "database_unreachable";
            logs.CreateLogger("FeedbackDashboard.Readiness").LogWarning(e, "Not ready: {Reason}", reason);
            return NotReady(reason);
        }
    }

    private static ProblemHttpResult NotReady(string reason) =>
        TypedResults.Problem(reason, statusCode: 503, title: "not ready", extensions: new Dictionary<string, object?> { ["reason"] = reason });
}
