using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Insights;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeedbackDashboard.Api;

public static class AnalyticsApi
{
    public static IEndpointRouteBuilder MapAnalyticsApi(this IEndpointRouteBuilder app)
    {
        var analytics = app.MapGroup("/api/analytics").WithTags("Analytics").ProducesProblem(400).ProducesProblem(401).ProducesProblem(403);
        analytics.MapGet("/feedback", GetAsync).RequireScope(Scopes.ReviewRead).WithName("getAnalytics").WithQuery(ApiQuery.Analytics)
            .WithSummary("Acceptance, coverage, counts and a series, with the previous equal period")
            .WithDescription("Scope review:read. acceptance = 👍/(👍+👎); coverage = comments that drew a 👍/👎 over all comments; addressed_rate = comments outdated or resolved by a person over all comments; applied_rate = suggestions a later commit applied over suggestions; reraise_rate = comments raising again a finding a person had 👎'd or resolved over all comments; dispositions counts applied|addressed|dismissed|open; every rate has its Wilson 95 % interval (*_low, *_high) and enough_data is false under 10 reactions; role = all|maintainers|pr_author restricts whose reactions (and resolutions) count; label.KEY=VALUE, rule and category filter on what produced the comments; group_by = repository|rule|category|severity|label:KEY adds groups, largest first; bucketed by the comment's posting date. from/to default to the last 30 days and may span at most 400 days; bucket = day|week.");
        analytics.MapGet("/compare", CompareAsync).RequireScope(Scopes.ReviewRead).WithName("compare").WithQuery(ApiQuery.Compare)
            .WithSummary("Compare two label values, or two periods, with a significance test")
            .WithDescription("Scope review:read. label=KEY&a=V1&b=V2 over from/to, or a_from,a_to,b_from,b_to for two periods; the analytics filters apply to both sides. Each *_diff is a − b (applied_diff on the applied rate; it does not decide the verdict); p-values are two-sided (pooled two-proportion z-test, Fisher's exact test when an expected count is under 5); verdict a_better|b_better|no_difference|not_enough_data at 95 % (under 10 reactions on a side: not_enough_data). paired=true (with label only) counts only the pull requests on which both values commented in the period; pull_requests is the number of distinct pull requests holding the compared comments (either side's; under paired, the shared ones).");
        return app;
    }

    /// <summary>The filters the analytics endpoints share; null when a field is bad (the errors are in q).</summary>
    internal static AnalyticsFilter? Filter(QueryArgs q)
    {
        var repository = q.Repository();
        var role = AnalyticsQueries.ParseRole(q.String("role"));
        if (role is null) q.Errors["role"] = ["must be all, maintainers or pr_author"];
        var labels = q.Labels();
        // bot=NAME is label.bot=NAME: observed runs carry their profile's name there.
        if (q.String("bot") is { } bot)
        {
            if (!Core.Bots.BotValidation.IsName(bot)) q.Errors["bot"] = [$"the bot name {Core.Bots.BotValidation.NameRule}"];
            else if (labels is not null && labels.TryGetValue("bot", out var other) && other != bot) q.Errors["bot"] = ["contradicts label.bot"];
            else (labels ??= [])["bot"] = bot;
        }
        var rule = q.Text("rule", CaptureValidation.Limits.Rule);
        var category = q.Text("category", CaptureValidation.Limits.Category);
        return role is null ? null : new AnalyticsFilter(repository, role.Value, labels, rule, category);
    }

    private static Bucket? ParseBucket(QueryArgs q)
    {
        var bucket = q.String("bucket") switch
        {
            null or "day" => Bucket.Day,
            "week" => Bucket.Week,
            _ => (Bucket?)null,
        };
        if (bucket is null) q.Errors["bucket"] = ["must be day or week"];
        return bucket;
    }

    internal static (DateTimeOffset From, DateTimeOffset To) Period(QueryArgs q, TimeProvider time, string fromName = "from", string toName = "to")
    {
        var to = q.Date(toName) ?? time.GetUtcNow();
        var from = q.Date(fromName) ?? to.AddDays(-30);
        if (from >= to) q.Errors[toName] = [$"must be after {fromName}"];
        else if (to - from > TimeSpan.FromDays(AnalyticsQueries.MaxDays)) q.Errors[toName] = [$"the range may span at most {AnalyticsQueries.MaxDays} days"];
        return (from, to);
    }

    private static async Task<Results<Ok<FeedbackAnalytics>, ProblemHttpResult>> GetAsync(HttpRequest request, AnalyticsQueries analytics,
        TimeProvider time, InstallationLookup installations, CancellationToken ct)
    {
        var q = new QueryArgs(request);
        var filter = Filter(q);
        var (from, to) = Period(q, time);
        var bucket = ParseBucket(q);
        var groupBy = q.String("group_by");
        if (groupBy == "bot") groupBy = "label:bot";
        if (groupBy is not null && !GroupDims.IsValid(groupBy))
            q.Errors["group_by"] = ["must be repository, rule, category, severity, bot or label:KEY (KEY 1-40 of a-z 0-9 _ . -)"];
        if (q.Problem is { } problem) return problem;
        var reach = KeyReach.Of(request.HttpContext.User);
        if (await reach.CheckRepositoryFilterAsync(filter!.Repository, installations, ct) is { } forbidden) return forbidden;

        return TypedResults.Ok(await analytics.QueryAsync(filter with { Installations = reach.RunFilter }, from, to, bucket!.Value, ct, groupBy));
    }

    private static async Task<Results<Ok<Comparison>, ProblemHttpResult>> CompareAsync(HttpRequest request, AnalyticsQueries analytics,
        TimeProvider time, InstallationLookup installations, CancellationToken ct)
    {
        var q = new QueryArgs(request);
        var filter = Filter(q);
        var bucket = ParseBucket(q);
        var label = q.String("label");
        CompareSides? sides = null;
        var paired = q.Bool("paired");
        if (paired && label is null) q.Errors["paired"] = ["needs label=KEY&a=V1&b=V2: two periods share no pull requests to pair"];
        if (label is not null)
        {
            if (!CaptureValidation.IsLabelKey(label)) q.Errors["label"] = ["must be 1-40 of a-z 0-9 _ . -"];
            var a = q.Text("a", CaptureValidation.Limits.LabelValue);
            var b = q.Text("b", CaptureValidation.Limits.LabelValue);
            if (a is null && !q.Errors.ContainsKey("a")) q.Errors["a"] = ["is required with label: the first label value"];
            if (b is null && !q.Errors.ContainsKey("b")) q.Errors["b"] = ["is required with label: the second label value"];
            if (a is not null && a == b) q.Errors["b"] = ["must differ from a"];
            if (filter?.Labels?.ContainsKey(label) == true) q.Errors[$"label.{label}"] = ["cannot filter on the label being compared"];
            var (from, to) = Period(q, time);
            sides = new CompareSides(label, a ?? "", b ?? "", from, to, from, to);
        }
        else if (q.String("a_from") is not null || q.String("b_from") is not null)
        {
            foreach (var name in new[] { "a_from", "a_to", "b_from", "b_to" })
                if (q.String(name) is null) q.Errors[name] = ["is required to compare two periods (a_from, a_to, b_from, b_to)"];
            var (aFrom, aTo) = Period(q, time, "a_from", "a_to");
            var (bFrom, bTo) = Period(q, time, "b_from", "b_to");
            sides = new CompareSides(null, $"{aFrom:yyyy-MM-dd}..{aTo:yyyy-MM-dd}", $"{bFrom:yyyy-MM-dd}..{bTo:yyyy-MM-dd}", aFrom, aTo, bFrom, bTo);
        }
        else q.Errors["label"] = ["pass label=KEY&a=V1&b=V2, or a_from, a_to, b_from and b_to"];
        if (q.Problem is { } problem) return problem;
        var reach = KeyReach.Of(request.HttpContext.User);
        if (await reach.CheckRepositoryFilterAsync(filter!.Repository, installations, ct) is { } forbidden) return forbidden;

        filter = filter with { Installations = reach.RunFilter, Paired = paired ? new PairedSides(sides!.LabelKey!, sides.A, sides.B) : null };
        return TypedResults.Ok(await analytics.CompareAsync(filter, sides!, bucket!.Value, ct));
    }
}
