using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Insights;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeedbackDashboard.Api;

/// <summary>The bot's rules judged by maintainers: what a bot asks before posting, to skip or soften a noisy rule.</summary>
public static class RulesApi
{
    public const int DefaultDays = 90;

    public static IEndpointRouteBuilder MapRulesApi(this IEndpointRouteBuilder app)
    {
        var rules = app.MapGroup("/api").WithTags("Rules").ProducesProblem(400).ProducesProblem(401).ProducesProblem(403);
        const string description = "Scope review:read. Per rule, noisiest first: comments, 👍/👎 by everyone, maintainer_up/maintainer_down (roles resolved now: the live maintainers table wins), acceptance among maintainers with its Wilson 95 % interval, addressed_rate, suggestions, applied and applied_rate (applied / suggestions), reraised and reraise_rate (re-raised comments / comments), reraised_after_down (re-raises of a finding that had drawn a 👎 before), and verdict keep|noisy|not_enough_data (noisy: the interval's upper end is under 0.5, or at least 2 re-raises after a 👎; otherwise under 10 maintainer reactions: not_enough_data). from/to default to the last 90 days (at most 400); min_reactions (default 0) leaves out rules with fewer maintainer reactions.";
        rules.MapGet("/repos/{owner}/{name}/rules", RepositoryAsync).RequireScope(Scopes.ReviewRead)
            .WithName("listRepositoryRules").WithQuery(ApiQuery.Rules)
            .WithSummary("A repository's rules ranked by maintainers' rejection").WithDescription(description);
        rules.MapGet("/rules", AllAsync).RequireScope(Scopes.ReviewRead)
            .WithName("listRules").WithQuery([ApiQuery.Repository], ApiQuery.Rules)
            .WithSummary("Rules across repositories ranked by maintainers' rejection").WithDescription(description + " A key limited to installations needs ?repository=.");
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<RuleFigures>>, ProblemHttpResult>> RepositoryAsync(string owner, string name,
        HttpRequest request, RulesQueries rules, TimeProvider time, InstallationLookup installations, CancellationToken ct)
    {
        var repository = $"{owner}/{name}";
        if (!CaptureValidation.IsRepository(repository)) return JsonBody.Bad("repository", "owner/name must be a repository name as GitHub allows it");
        return await RankAsync(request, repository, rules, time, installations, ct);
    }

    private static async Task<Results<Ok<IReadOnlyList<RuleFigures>>, ProblemHttpResult>> AllAsync(HttpRequest request, RulesQueries rules,
        TimeProvider time, InstallationLookup installations, CancellationToken ct)
    {
        var q = new QueryArgs(request);
        var repository = q.Repository();
        if (q.Problem is { } problem) return problem;
        return await RankAsync(request, repository, rules, time, installations, ct);
    }

    private static async Task<Results<Ok<IReadOnlyList<RuleFigures>>, ProblemHttpResult>> RankAsync(HttpRequest request, string? repository,
        RulesQueries rules, TimeProvider time, InstallationLookup installations, CancellationToken ct)
    {
        var q = new QueryArgs(request);
        var to = q.Date("to") ?? time.GetUtcNow();
        var from = q.Date("from") ?? to.AddDays(-DefaultDays);
        if (from >= to) q.Errors["to"] = ["must be after from"];
        q.Range(from, to, TimeSpan.FromDays(AnalyticsQueries.MaxDays));
        var minReactions = q.Int("min_reactions", 0, 0, 1_000_000);
        if (q.Problem is { } problem) return problem;
        var reach = KeyReach.Of(request.HttpContext.User);
        if (await reach.CheckRepositoryFilterAsync(repository, installations, ct) is { } forbidden) return forbidden;
        return TypedResults.Ok(await rules.RankAsync(repository, from, to, minReactions, ct, reach.RunFilter));
    }
}
