using System.Text.Json;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>The installation's budgets as GitHub reports them.</summary>
public sealed class RateLimitClient(GitHubConnection connection)
{
    /// <summary>
    /// GET /rate_limit, which GitHub does not charge: what the budget schedulers plan with before any answer of their
    /// own has told them.
    /// </summary>
    public async Task<IReadOnlyDictionary<RateBucket, RateLimitState>> GetAsync(GitHubUsage usage, long installationId,
        CancellationToken ct)
    {
        var response = await connection.SendAsync(usage, installationId, HttpMethod.Get, "rate_limit", ct: ct);
        if (!response.IsSuccess) throw new GitHubRequestException(response.Status, $"GET rate_limit answered {response.Status}");
        try
        {
            var resources = JsonSerializer.Deserialize<RestRateLimits>(response.Body, Rest.Json)?.Resources
                            ?? throw new JsonException("no resources");
            var states = new Dictionary<RateBucket, RateLimitState>();
            if (resources.Core is { } core) states[RateBucket.Core] = core.State;
            if (resources.Graphql is { } graphql) states[RateBucket.GraphQl] = graphql.State;
            return states;
        }
        catch (JsonException e)
        {
            throw new GitHubRequestException(response.Status, $"GET rate_limit: unreadable answer ({e.Message})");
        }
    }

    private sealed record RestRateResource(int Limit, int Remaining, long Reset)
    {
        public RateLimitState State => new(Limit, Remaining, DateTimeOffset.FromUnixTimeSeconds(Reset));
    }
    private sealed record RestRateResources(RestRateResource? Core, RestRateResource? Graphql);
    private sealed record RestRateLimits(RestRateResources? Resources);
}
