using System.Text.Json;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>Placeholder until the parser-based formula lands: connections (first:) × ids / 100, rounded, at least 1.</summary>
public static class GraphQlCost
{
    public static int Of(string query, JsonElement variables)
    {
        var connections = query.Split("first:").Length - 1;
        var parents = variables.TryGetProperty("ids", out var ids) ? ids.GetArrayLength() : 1;
        return Math.Max(1, (int)Math.Round(connections * parents / 100.0, MidpointRounding.AwayFromZero));
    }
}
