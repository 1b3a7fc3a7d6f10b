using System.Net;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>An answer from GitHub. TokenId names the installation token it was answered to (ETags belong to it).</summary>
public sealed record GitHubResponse(int Status, byte[] Body, string? ETag, string? NextLink, string? TokenId = null)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>GitHub no longer has it: 404, or 410 for what it deleted.</summary>
    public bool IsNotFound => Status == (int)HttpStatusCode.NotFound || Status == (int)HttpStatusCode.Gone;

    /// <summary>The Link header's rel="next" target, where a list continues.</summary>
    public static string? NextLinkOf(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var values)) return null;
        foreach (var part in string.Join(",", values).Split(','))
        {
            var pieces = part.Split(';');
            if (pieces.Length > 1 && pieces.Skip(1).Any(p => p.Trim() == "rel=\"next\""))
                return pieces[0].Trim().TrimStart('<').TrimEnd('>');
        }
        return null;
    }
}
