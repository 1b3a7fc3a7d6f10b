using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeedbackDashboard.Api;

/// <summary>
/// Reads a JSON body with errors a client can act on: size cap, content type, and the field a parse failed at.
/// (Minimal APIs' own binding answers a bare 400 without naming the field.)
/// </summary>
public static class JsonBody
{
    public const int MaxBytes = 1024 * 1024;

    public static JsonSerializerOptions Options => Core.SnakeCaseJson.Options;

    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBytes) return (default, TooLarge());
        if (request.ContentType is { } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
            return (default, Bad("$", $"the body must be JSON (Content-Type: application/json), not {type}"));

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBytes) return (default, TooLarge());
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) return (default, Bad("$", "a JSON body is required"));

        try
        {
            var value = JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), Options);
            return value is null ? (default, Bad("$", "the body must not be null")) : (value, null);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "$" : e.Path.TrimStart('$', '.');
            return (default, Bad(field, $"invalid JSON at {field}: {Describe(e.Message)}"));
        }
    }

    public static ProblemHttpResult Bad(string field, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: 400, title: "Bad request",
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [detail] } });

    public static ProblemHttpResult Invalid(Dictionary<string, string[]> errors) =>
        TypedResults.Problem(
            detail: string.Join("; ", errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}")),
            statusCode: 400, title: "Invalid request",
            extensions: new Dictionary<string, object?> { ["errors"] = errors });

    private static ProblemHttpResult TooLarge()
    {
        var detail = $"the body is larger than {MaxBytes / 1024 / 1024} MiB";
        return TypedResults.Problem(detail: detail, statusCode: 413, title: "Content Too Large", type: "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14",
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["$"] = [detail] } });
    }

    private static string Describe(string message)
    {
        var cut = message.IndexOf(". Path:", StringComparison.Ordinal);
        var sentence = cut > 0 ? message[..cut] : message;
        // The serializer names the .NET type it wanted; a client knows JSON's types, not ours.
        const string converted = "could not be converted to ";
        var at = sentence.IndexOf(converted, StringComparison.Ordinal);
        return at < 0 ? sentence : $"the value has the wrong type: expected {JsonKind(sentence[(at + converted.Length)..])}";
    }

    private static string JsonKind(string dotnetType)
    {
        var type = dotnetType.StartsWith("System.Nullable`1[", StringComparison.Ordinal) ? dotnetType["System.Nullable`1[".Length..].TrimEnd(']') : dotnetType;
        return type switch
        {
            "System.Int64" or "System.Int32" or "System.Int16" => "an integer",
            "System.Double" or "System.Decimal" or "System.Single" => "a number",
            "System.String" => "a string",
            "System.Boolean" => "true or false",
            "System.Guid" => "a uuid string",
            "System.DateTimeOffset" or "System.DateTime" => "an RFC 3339 date-time string",
            _ when type.StartsWith("System.Collections.Generic.List", StringComparison.Ordinal) || type.EndsWith("[]", StringComparison.Ordinal) => "an array",
            _ => "an object",
        };
    }
}
