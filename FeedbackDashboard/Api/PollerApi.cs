using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Polling;

namespace FeedbackDashboard.Api;

public static class PollerApi
{
    public static IEndpointRouteBuilder MapPollerApi(this IEndpointRouteBuilder app)
    {
        var poller = app.MapGroup("/api/poller").WithTags("Poller");
        poller.MapGet("/health", async (PollHealth health, CancellationToken ct) => TypedResults.Ok(await health.GetAsync(ct)))
            .RequireScope(Scopes.ReviewRead)
            .WithSummary("Health of the reactions poll and the maintainers refresh")
            .WithDescription("Scope review:read. Status healthy, late (no finished cycle in 2 intervals), failing (last 3 cycles failed) or disabled (no cycle ever ran), with the last cycles of each job.");
        return app;
    }
}
