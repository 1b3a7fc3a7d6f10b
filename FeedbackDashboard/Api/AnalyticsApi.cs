using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Feedback;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeedbackDashboard.Api;

public static class AnalyticsApi
{
    public static IEndpointRouteBuilder MapAnalyticsApi(this IEndpointRouteBuilder app)
    {
        var analytics = app.MapGroup("/api/analytics").WithTags("Analytics");
        analytics.MapGet("/feedback", GetAsync).RequireScope(Scopes.ReviewRead)
            .WithSummary("Acceptance, coverage, counts and a series, with the previous equal period")
            .WithDescription("Scope review:read. acceptance = 👍/(👍+👎); coverage = comments that drew a 👍/👎 over all comments; addressed_rate = comments outdated or resolved by a person over all comments; role = all|maintainers|pr_author restricts whose reactions (and resolutions) count; bucketed by the comment's posting date. from/to default to the last 30 days and may span at most 400 days; bucket = day|week.");
        return app;
    }

    private static async Task<Results<Ok<FeedbackAnalytics>, ProblemHttpResult>> GetAsync(HttpRequest request, AnalyticsQueries analytics,
        TimeProvider time, InstallationLookup installations, CancellationToken ct)
    {
        var q = new QueryArgs(request);
        var repository = q.Repository();
        var to = q.Date("to") ?? time.GetUtcNow();
        var from = q.Date("from") ?? to.AddDays(-30);
        q.Range(from, to, TimeSpan.FromDays(AnalyticsQueries.MaxDays));
        if (from >= to && !q.Errors.ContainsKey("to")) q.Errors["to"] = ["must be after from"];
        var bucket = q.String("bucket") switch
        {
            null or "day" => Bucket.Day,
            "week" => Bucket.Week,
            _ => (Bucket?)null,
        };
        if (bucket is null) q.Errors["bucket"] = ["must be day or week"];
        var role = AnalyticsQueries.ParseRole(q.String("role"));
        if (role is null) q.Errors["role"] = ["must be all, maintainers or pr_author"];
        if (q.Problem is { } problem) return problem;
        if (await KeyReach.Of(request.HttpContext.User).CheckRepositoryFilterAsync(repository, installations, ct) is { } forbidden) return forbidden;

        return TypedResults.Ok(await analytics.GetAsync(repository, from, to, bucket!.Value, ct, role!.Value));
    }
}
