namespace FeedbackDashboard.Components.Shared;

internal static class Format
{
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

    public static string CommentUrl(string webUrl, string repository, int pr, string kind, long id) =>
        kind == "inline"
            ? $"{webUrl}/{repository}/pull/{pr}#discussion_r{id}"
            : $"{webUrl}/{repository}/pull/{pr}#issuecomment-{id}";
}
