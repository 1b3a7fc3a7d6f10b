using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Bots;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Insights;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeedbackDashboard.Api;

/// <summary>Bot profiles (review bots observed on GitHub without their cooperation) and the bots no profile matches yet.</summary>
public static class BotsApi
{
    public static IEndpointRouteBuilder MapBotsApi(this IEndpointRouteBuilder app)
    {
        var bots = app.MapGroup("/api/bots").WithTags("Bots");
        bots.MapGet("/", ListAsync).RequireScope(Scopes.ReviewRead).WithName("listBots")
            .WithSummary("Bot profiles with what was captured under each")
            .WithDescription("Scope review:read. [{name, logins, body_pattern, runs, comments, pull_requests, first_seen_at, last_seen_at}] by name; runs are those labelled bot=NAME. A key limited to installations gets 403: profiles span every installation.");
        bots.MapGet("/candidates", CandidatesAsync).RequireScope(Scopes.ReviewRead).WithName("listBotCandidates")
            .WithSummary("Bot-type comment authors that match no profile")
            .WithDescription("Scope review:read. [{login, comments, repositories, last_seen_at}], most comments first, as seen by webhooks. A key limited to installations gets 403.");
        bots.MapGet("/leaderboard", LeaderboardAsync).RequireScope(Scopes.ReviewRead).WithName("getBotLeaderboard").WithQuery(ApiQuery.Leaderboard)
            .Problems(400)
            .WithSummary("Bots side by side: each bot's figures and the pull requests each pair shares")
            .WithDescription("Scope review:read. The analytics filters over from/to (default the last 30 days) → {bots: [{bot, pull_requests, ...the figures of a group_by=bot group (key = bot)}], overlap: [{a, b, shared_pull_requests}]}; bots by acceptance_low descending (no reactions last), then comments; overlap has every pair of listed bots (a before b by name), zeros included. A bot is a value of the run label bot (observed runs carry their profile's name). A key limited to installations must pass repository= of one of them.");
        bots.MapPut("/{name}", PutAsync).RequireScope(Scopes.BotsWrite).WithJsonBody<BotProfileInput>().WithName("putBot").Problems(400)
            .WithSummary("Add or update a bot profile")
            .WithDescription("Scope bots:write. {logins: [...] (matched exactly, case-insensitively), body_pattern (optional .NET regex, 1 s timeout)}; 201 when new, 200 when updated. NAME is [a-z0-9_.-]{1,40}.");
        bots.MapDelete("/{name}", DeleteAsync).RequireScope(Scopes.BotsWrite).WithName("deleteBot").Problems(400, 404)
            .WithSummary("Stop observing a bot")
            .WithDescription("Scope bots:write. 204; the bot's runs, comments and feedback stay.");
        return app;
    }

    public sealed record BotSaved(string Name);

    private static ProblemHttpResult? Unlimited(HttpContext http) =>
        KeyReach.Of(http.User) is { Limited: true } reach ? reach.Forbidden("bot profiles span every installation") : null;

    private static async Task<Results<Ok<IReadOnlyList<BotView>>, ProblemHttpResult>> ListAsync(HttpContext http, BotProfiles profiles,
        CancellationToken ct)
    {
        if (Unlimited(http) is { } forbidden) return forbidden;
        return TypedResults.Ok(await profiles.ListAsync(ct));
    }

    private static async Task<Results<Ok<IReadOnlyList<BotCandidate>>, ProblemHttpResult>> CandidatesAsync(HttpContext http, BotProfiles profiles,
        CancellationToken ct)
    {
        if (Unlimited(http) is { } forbidden) return forbidden;
        return TypedResults.Ok(await profiles.CandidatesAsync(ct));
    }

    private static async Task<Results<Ok<BotLeaderboard>, ProblemHttpResult>> LeaderboardAsync(HttpRequest request, BotStandings standings,
        TimeProvider time, InstallationLookup installations, CancellationToken ct)
    {
        var q = new QueryArgs(request);
        var filter = AnalyticsApi.Filter(q);
        var (from, to) = AnalyticsApi.Period(q, time);
        if (q.Problem is { } problem) return problem;
        var reach = KeyReach.Of(request.HttpContext.User);
        if (await reach.CheckRepositoryFilterAsync(filter!.Repository, installations, ct) is { } forbidden) return forbidden;
        return TypedResults.Ok(await standings.LeaderboardAsync(filter with { Installations = reach.RunFilter }, from, to, ct));
    }

    private static async Task<Results<Created<BotSaved>, Ok<BotSaved>, ProblemHttpResult>> PutAsync(string name, HttpRequest request,
        BotProfiles profiles, CancellationToken ct)
    {
        if (Unlimited(request.HttpContext) is { } forbidden) return forbidden;
        if (!BotValidation.IsName(name)) return JsonBody.Bad("name", $"the bot name {BotValidation.NameRule}");
        var (input, problem) = await JsonBody.ReadAsync<BotProfileInput>(request, ct);
        if (problem is not null) return problem;
        var errors = BotValidation.Validate(name, input!);
        if (errors.Count > 0) return JsonBody.Invalid(errors);
        return await profiles.PutAsync(name, input!, ct) == Upsert.Created
            ? TypedResults.Created($"/api/bots/{name}", new BotSaved(name))
            : TypedResults.Ok(new BotSaved(name));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string name, HttpContext http, BotProfiles profiles,
        CancellationToken ct)
    {
        if (Unlimited(http) is { } forbidden) return forbidden;
        if (!BotValidation.IsName(name)) return JsonBody.Bad("name", $"the bot name {BotValidation.NameRule}");
        return await profiles.RemoveAsync(name, ct)
            ? TypedResults.NoContent()
            : TypedResults.Problem(detail: $"no bot profile '{name}'", statusCode: 404, title: "Not Found");
    }
}
