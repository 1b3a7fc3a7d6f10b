using System.Text.Json;
using System.Text.Json.Serialization;
using FeedbackDashboard.Core.Model;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeedbackDashboard.Api;

/// <summary>
/// Reads a JSON body with errors a client can act on: size cap, content type, and the field a parse failed at.
/// (Minimal APIs' own binding answers a bare 400 without naming the field.)
/// </summary>
public static class JsonBody
{
    public const int MaxBytes = 1024 * 1024;

    public static JsonSerializerOptions Options => Core.Model.SnakeCaseJson.Options;

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
            return (default, Bad(field, $"invalid JSON at {field}: {Describe(e.Message, typeof(T), e.Path)}"));
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

    private static ProblemHttpResult TooLarge() => Bad("$", $"the body is larger than {MaxBytes / 1024 / 1024} MiB");

    private static string Describe(string message, Type body, string? path)
    {
        var cut = message.IndexOf(". Path:", StringComparison.Ordinal);
        var sentence = cut > 0 ? message[..cut] : message;
        // The serializer names the .NET type it wanted; a client knows JSON's types, so name the one the field takes.
        if (!sentence.Contains("could not be converted to ", StringComparison.Ordinal)) return sentence;
        return TypeAt(body, path) is { } type ? $"the value has the wrong type: expected {JsonKind(type)}" : "the value has the wrong type";
    }

    /// <summary>The .NET type behind a JSON path such as <c>$.findings[0].line</c> in <paramref name="body"/>.</summary>
    private static Type? TypeAt(Type body, string? path)
    {
        var type = body;
        foreach (System.Text.RegularExpressions.Match segment in System.Text.RegularExpressions.Regex.Matches(path ?? "$", @"\.(\w+)|\['([^']+)'\]|\[\d+\]"))
        {
            type = System.Nullable.GetUnderlyingType(type) ?? type;
            if (segment.Value.StartsWith('['))
            {
                if (segment.Groups[2].Success) type = DictionaryValue(type);
                else type = type.IsArray ? type.GetElementType() : type.IsGenericType ? type.GetGenericArguments()[^1] : null;
            }
            else
            {
                var name = segment.Groups[1].Value;
                type = DictionaryValue(type) ?? type.GetProperties().FirstOrDefault(p => Options.PropertyNamingPolicy!.ConvertName(p.Name) == name)?.PropertyType;
            }
            if (type is null) return null;
        }
        return type;
    }

    private static Type? DictionaryValue(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) ? type.GetGenericArguments()[1] : null;

    private static string JsonKind(Type type)
    {
        type = System.Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(long) || type == typeof(int) || type == typeof(short)) return "an integer";
        if (type == typeof(double) || type == typeof(decimal) || type == typeof(float)) return "a number";
        if (type == typeof(string)) return "a string";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(Guid)) return "a uuid string";
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime)) return "an RFC 3339 date-time string";
        if (DictionaryValue(type) is not null) return "an object";
        return type.IsArray || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>)) ? "an array" : "an object";
    }
}
