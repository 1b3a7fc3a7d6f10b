using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Maintainers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeedbackDashboard.Api;

public static class MaintainersApi
{
    /// <summary>Response header with the repository's last successful refresh (empty until the first).</summary>
    public const string RefreshedAtHeader = "X-Maintainers-Refreshed-At";

    public static IEndpointRouteBuilder MapMaintainersApi(this IEndpointRouteBuilder app)
    {
        var repos = app.MapGroup("/api/repos").WithTags("Maintainers");
        repos.MapGet("/{owner}/{name}/maintainers", ListAsync).RequireScope(Scopes.MaintainersRead)
            .WithName("listMaintainers").Problems(400, 404)
            .WithSummary("A repository's live maintainers")
            .WithDescription("Scope maintainers:read. [{github_id, login, association (OWNER|MEMBER|COLLABORATOR), refreshed_at}]; owner/name match case-insensitively; 404 for a repository that is not registered, [] before its first refresh. The X-Maintainers-Refreshed-At header carries the repository's last refresh (empty before the first).");
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<MaintainerView>>, ProblemHttpResult>> ListAsync(string owner, string name,
        HttpResponse response, MaintainersQueries queries, InstallationLookup installations, CancellationToken ct)
    {
        if (!Core.Capture.CaptureValidation.IsRepository($"{owner}/{name}"))
            return JsonBody.Bad("repository", $"'{owner}/{name}' is not an owner/name");
        if (await KeyReach.Of(response.HttpContext.User).CheckRepositoryAsync($"{owner}/{name}", installations, ct) is { } forbidden) return forbidden;
        var repo = await queries.ForRepoAsync(owner, name, ct);
        if (repo is null)
            return TypedResults.Problem(detail: $"repository {owner}/{name} is not registered", statusCode: 404, title: "Not Found");
        response.Headers[RefreshedAtHeader] = repo.RefreshedAt?.ToString("O") ?? "";
        return TypedResults.Ok(repo.Maintainers);
    }
}
