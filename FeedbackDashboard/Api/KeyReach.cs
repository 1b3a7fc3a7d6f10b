using System.Globalization;
using System.Security.Claims;
using FeedbackDashboard.Core.ApiKeys;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeedbackDashboard.Api;

/// <summary>
/// What a key created with `--installations` may touch: runs (and their repositories) of those installations, on
/// reads and writes. Reads that span every repository (run list, export, analytics) need a repository filter that
/// the key reaches; reads about everything (poller health) are refused. Keys without the option reach everything.
/// </summary>
public sealed record KeyReach(IReadOnlySet<long>? Installations)
{
    public static KeyReach Of(ClaimsPrincipal user)
    {
        var claims = user.FindAll(ApiKeyAuthenticationHandler.InstallationClaim).ToList();
        return new KeyReach(claims.Count == 0 ? null : claims.Select(c => long.Parse(c.Value, CultureInfo.InvariantCulture)).ToHashSet());
    }

    public bool Limited => Installations is not null;

    /// <summary>For reads: only rows whose run (tasks.installation_id) is of these installations; null for every row.</summary>
    public long[]? RunFilter => Installations?.Order().ToArray();

    public bool Allows(long? installation) => Installations is null || (installation is { } i && Installations.Contains(i));

    public ProblemHttpResult Forbidden(string what) => TypedResults.Problem(
        detail: $"this key is limited to installation(s) {string.Join(", ", Installations!.Order())}; {what}",
        statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");

    /// <summary>403 when a limited key names a run of another installation (an unknown run is left to the caller's 404).</summary>
    public async Task<ProblemHttpResult?> CheckTaskAsync(Guid taskId, InstallationLookup lookup, CancellationToken ct)
    {
        if (!Limited) return null;
        return await lookup.OfTaskAsync(taskId, ct) is { } installation && !Allows(installation)
            ? Forbidden($"run {taskId} belongs to installation {installation}")
            : null;
    }

    /// <summary>403 unless a limited key names a registered repository of one of its installations.</summary>
    public async Task<ProblemHttpResult?> CheckRepositoryAsync(string repository, InstallationLookup lookup, CancellationToken ct)
    {
        if (!Limited) return null;
        return Allows(await lookup.OfRepositoryAsync(repository, ct))
            ? null
            : Forbidden($"repository {repository} is not registered under one of them");
    }

    /// <summary>For reads across repositories: a limited key must name one of its repositories.</summary>
    public async Task<ProblemHttpResult?> CheckRepositoryFilterAsync(string? repository, InstallationLookup lookup, CancellationToken ct)
    {
        if (!Limited) return null;
        if (repository is null) return Forbidden("pass ?repository=owner/name of one of them");
        return await CheckRepositoryAsync(repository, lookup, ct);
    }
}
