namespace FeedbackDashboard.Components.Shared;

internal static class Format
{
    /// <summary>
    /// MudLink's look for a plain &lt;a&gt;, in lists that repeat per row (the Runs grid, samples): a MudLink is a
    /// component, held by every open page for every row.
    /// </summary>
    public const string Link = "mud-typography mud-link mud-primary-text mud-link-underline-hover";

    /// <summary>The same for a run, file or comment reference, set in the monospace face.</summary>
    public const string MonoLink = Link + " fd-mono";

    /// <summary>
    /// A run's short name: the id's last 8 hex digits. Its first ones are a UUIDv7's timestamp, shared by runs created
    /// within a minute or so; the last ones are random.
    /// </summary>
    public static string ShortId(Guid id) => id.ToString("N")[^8..];

    public static string Percent(double? value) => value is { } v ? $"{v:P0}" : "–";

    public static string When(DateTimeOffset? at) => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm") + " UTC" : "never";

    public static string Ago(DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is not { } t) return "never";
        var span = now - t;
        return span.TotalSeconds < 90 ? $"{Math.Max(0, (int)span.TotalSeconds)} s ago"
            : span.TotalMinutes < 90 ? $"{(int)span.TotalMinutes} min ago"
            : span.TotalHours < 48 ? $"{(int)span.TotalHours} h ago"
            : $"{(int)span.TotalDays} days ago";
    }

    /// <summary>The first <paramref name="lines"/> lines of a text (at most 400 characters), and whether there is more.</summary>
    public static (string Preview, bool More) FirstLines(string text, int lines)
    {
        var end = 0;
        for (var n = 0; n < lines && end >= 0; n++) end = text.IndexOf('\n', end == 0 && n == 0 ? 0 : end + 1);
        var cut = Math.Min(end < 0 ? text.Length : end, 400);
        return cut >= text.TrimEnd().Length ? (text, false) : (text[..cut].TrimEnd() + " …", true);
    }

    public static string CommentUrl(string webUrl, string repository, int pr, string kind, long id) =>
        kind == "inline"
            ? $"{webUrl}/{repository}/pull/{pr}#discussion_r{id}"
            : $"{webUrl}/{repository}/pull/{pr}#issuecomment-{id}";

    /// <summary>
    /// A commit of the repository on GitHub: on the host of the comment's own link when GitHub gave one (so an Enterprise
    /// Server's comments link to it), else on the configured web URL.
    /// </summary>
    public static string CommitUrl(string? commentHtmlUrl, string webUrl, string repository, string sha)
    {
        var root = $"{webUrl}/{repository}";
        if (Uri.TryCreate(commentHtmlUrl, UriKind.Absolute, out var link) && link.Scheme is "https" or "http"
            && link.AbsolutePath.IndexOf("/pull/", StringComparison.Ordinal) is > 0 and var pull)
            root = link.GetLeftPart(UriPartial.Authority) + link.AbsolutePath[..pull];
        return $"{root}/commit/{sha}";
    }
}
