using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeedbackDashboard.Api;

/// <summary>Parses query-string and route values, collecting a clear message per bad field.</summary>
public sealed partial class QueryArgs(HttpRequest request)
{
    /// <summary>How far ahead a date filter may reach (a period that ends later this year), against the app's clock.</summary>
    public static readonly TimeSpan FilterMaxAhead = TimeSpan.FromDays(366);

    public Dictionary<string, string[]> Errors { get; } = new();

    public ProblemHttpResult? Problem => Errors.Count == 0 ? null : JsonBody.Invalid(Errors);

    public string? String(string name) => request.Query[name] is { Count: > 0 } v && !string.IsNullOrWhiteSpace(v[0]) ? v[0]!.Trim() : null;

    public int Int(string name, int fallback, int min, int max)
    {
        var raw = String(name);
        if (raw is null) return fallback;
        if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max) return v;
        Errors[name] = [$"must be a whole number from {min} to {max}"];
        return fallback;
    }

    /// <summary>
    /// A date filter: any RFC 3339 offset, converted to UTC here (PostgreSQL's timestamptz parameters take UTC only),
    /// from 2008 to a year ahead of the app's clock.
    /// </summary>
    public DateTimeOffset? Date(string name)
    {
        var raw = String(name);
        if (raw is null) return null;
        // A + left unencoded in a URL arrives as a space: "…T00:00:00 02:00" is read with the offset it was sent with.
        raw = UnencodedPlusOffset().Replace(raw, "+$1");
        if (!DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var v))
        {
            Errors[name] = ["must be an ISO 8601 date or date-time"];
            return null;
        }
        var utc = v.ToUniversalTime();
        var latest = request.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow() + FilterMaxAhead;
        if (utc >= Core.Capture.CaptureValidation.EarliestTimestamp && utc <= latest) return utc;
        Errors[name] = [$"must be from {Core.Capture.CaptureValidation.EarliestTimestamp:yyyy-MM-dd} to a year from now"];
        return null;
    }

    [GeneratedRegex(@"(?<=T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})\z")]
    private static partial Regex UnencodedPlusOffset();

    public bool Bool(string name)
    {
        var raw = String(name);
        if (raw is null) return false;
        if (bool.TryParse(raw, out var v)) return v;
        Errors[name] = ["must be true or false"];
        return false;
    }

    public string? Repository(string name = "repository")
    {
        var raw = String(name);
        if (raw is null || Core.Capture.CaptureValidation.IsRepository(raw)) return raw;
        Errors[name] = ["must be \"owner/name\""];
        return null;
    }

    /// <summary>
    /// label.KEY=VALUE filters, or label[KEY]=VALUE (OpenAPI's deepObject form, what generated clients send): keys as
    /// a run's labels allow them, values up to 200 characters.
    /// </summary>
    public Dictionary<string, string>? Labels()
    {
        Dictionary<string, string>? labels = null;
        foreach (var (name, values) in request.Query)
        {
            string key;
            if (name.StartsWith("label.", StringComparison.Ordinal)) key = name["label.".Length..];
            else if (name.StartsWith("label[", StringComparison.Ordinal) && name.EndsWith(']')) key = name["label[".Length..^1];
            else continue;
            var value = values.Count > 0 ? values[0]?.Trim() : null;
            if (!Core.Capture.CaptureValidation.IsLabelKey(key)) Errors[name] = ["the label key must be 1-40 of a-z 0-9 _ . -"];
            else if (string.IsNullOrEmpty(value)) Errors[name] = ["needs a value"];
            else if (Core.Capture.CaptureValidation.Text(Errors, name, value, Core.Capture.CaptureValidation.Limits.LabelValue))
                (labels ??= [])[key] = value;
        }
        return labels;
    }

    /// <summary>A text filter (rule, category, a label value) checked like the captured field it matches.</summary>
    public string? Text(string name, int max)
    {
        var raw = String(name);
        return raw is null || Core.Capture.CaptureValidation.Text(Errors, name, raw, max) ? raw : null;
    }

    public void Range(DateTimeOffset? from, DateTimeOffset? to, TimeSpan? max = null)
    {
        if (from is { } f && to is { } t)
        {
            if (t <= f) Errors["to"] = ["must be after from"];
            else if (max is { } m && t - f > m) Errors["to"] = [$"the range may span at most {m.TotalDays:0} days"];
        }
    }

    public static Guid? TaskId(string raw, out ProblemHttpResult? problem)
    {
        problem = null;
        if (Guid.TryParse(raw, out var id) && id != Guid.Empty) return id;
        problem = JsonBody.Bad("id", $"the task id must be a uuid, not '{Truncate(raw)}'");
        return null;
    }

    private static string Truncate(string s) => s.Length > 60 ? s[..60] + "…" : s;
}
