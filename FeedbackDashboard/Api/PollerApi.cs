using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Insights;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeedbackDashboard.Api;

public static class PollerApi
{
    public static IEndpointRouteBuilder MapPollerApi(this IEndpointRouteBuilder app)
    {
        var poller = app.MapGroup("/api/poller").WithTags("Poller");
        poller.MapGet("/health", async Task<Results<Ok<PollerHealth>, ProblemHttpResult>> (HttpContext http, PollHealth health, CancellationToken ct) =>
                // Health spans every installation; a key limited to some of them does not see the others'.
                KeyReach.Of(http.User) is { Limited: true } reach
                    ? reach.Forbidden("poller health covers every installation")
                    : TypedResults.Ok(await health.GetAsync(ct)))
            .RequireScope(Scopes.ReviewRead).WithName("getPollerHealth")
            .WithSummary("Health of the reactions poll and the maintainers refresh")
            .WithDescription("Scope review:read. Status healthy, late (no finished cycle in 2 intervals, or installations_not_polled: an installation no poller finished in 2 intervals), failing (last 3 cycles failed) or disabled (no cycle ever ran), with the last cycles of each job and the live pollers.");
        return app;
    }
}
