using System.Text.Json;
using Octokit;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>What the REST clients share: GitHub's page size and casing, repository paths, and the whole-list rule.</summary>
internal static class Rest
{
    public const int PageSize = 100;
    public static readonly ApiOptions AllPages = new() { PageSize = PageSize };

    /// <summary>REST speaks snake_case (GraphQL camelCase).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>owner/name with each part escaped for a URL path.</summary>
    public static string RepoPath(string fullName)
    {
        var slash = fullName.IndexOf('/');
        return $"{Uri.EscapeDataString(fullName[..slash])}/{Uri.EscapeDataString(fullName[(slash + 1)..])}";
    }

    public static (string Owner, string Name) Split(string fullName)
    {
        var slash = fullName.IndexOf('/');
        return (fullName[..slash], fullName[(slash + 1)..]);
    }

    /// <summary>
    /// A list with a null item, an item without its id (Octokit reads an object where a list was due as a one-item list
    /// of defaults) or no list at all is not GitHub's whole answer: fail it, never act on half.
    /// </summary>
    public static IEnumerable<T> Complete<T>(IReadOnlyList<T?>? items, string what, Func<T, bool> valid) where T : class =>
        items is not null && items.All(i => i is not null && valid(i))
            ? items.Select(i => i!)
            : throw new GitHubRequestException(200, $"{what}: {(items is null ? "no list" : "an unreadable item in the list")}");

    public static bool Valid(Account u) => u.Id > 0 && !string.IsNullOrEmpty(u.Login);
}

/// <summary>A REST user as our own reads see it.</summary>
internal sealed record RestUser(long Id, string? Login, string? Type);
