using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>
/// The app's own OpenAPI document (/api/openapi.json) as a checker of its answers: each answer's status must be one the
/// operation declares, and its JSON body must match the declared schema (JsonSchema.Net, draft 2020-12 as OpenAPI 3.1
/// uses it, formats checked). The API tests' clients run every answer through it (<see cref="ApiDocumentCheck"/>).
/// </summary>
public sealed class ApiDocument
{
    private static readonly SemaphoreSlim Loading = new(1, 1);
    private static ApiDocument? shared;

    private const string DefsUri = "https://feedbackdashboard.test/openapi/defs";

    private readonly JsonObject _root;
    private readonly JsonNode _defs;
    private readonly List<(Regex Pattern, string Template)> _paths;
    private readonly ConcurrentDictionary<string, Lazy<JsonSchema>> _schemas = new();
    private readonly SchemaRegistry _registry = new();
    private int _built;

    private ApiDocument(string json)
    {
        // OpenAPI's component references point into one registered schema document holding the components as $defs.
        _root = JsonNode.Parse(json.Replace("#/components/schemas/", DefsUri + "#/$defs/", StringComparison.Ordinal))!.AsObject();
        _defs = _root["components"]?["schemas"] ?? new JsonObject();
        var defs = new JsonObject { ["$schema"] = "https://json-schema.org/draft/2020-12/schema", ["$defs"] = _defs.DeepClone() };
        JsonSchema.Build(JsonSerializer.SerializeToElement(defs), new BuildOptions { SchemaRegistry = _registry }, new Uri(DefsUri));
        _paths = [.. _root["paths"]!.AsObject()
            .Select(p => (new Regex("^" + Regex.Replace(Regex.Escape(p.Key), @"\\\{[^}]+}", "[^/]+") + "$"), p.Key))
            // Literal paths before templated ones where both could match.
            .OrderBy(p => p.Key.Count(c => c == '{'))];
    }

    public JsonObject Root => _root;

    /// <summary>The document as the app serves it, read once a test run (it depends on no setting).</summary>
    public static async Task<ApiDocument> GetAsync(HttpMessageHandler server)
    {
        if (shared is not null) return shared;
        await Loading.WaitAsync();
        try
        {
            if (shared is not null) return shared;
            using var http = new HttpClient(server, disposeHandler: false) { BaseAddress = new Uri("http://localhost") };
            var json = await http.GetStringAsync("/api/openapi.json");
            return shared = new ApiDocument(json);
        }
        finally
        {
            Loading.Release();
        }
    }

    /// <summary>Whether the document describes answers at this path (the API, its health probes).</summary>
    public static bool Covers(string path) =>
        (path.StartsWith("/api/", StringComparison.Ordinal) && path != "/api/openapi.json" && !path.StartsWith("/api/docs", StringComparison.Ordinal))
        || path is "/healthz" or "/readyz";

    /// <summary>What in this answer the document does not describe; empty when it matches. A null body was not read.</summary>
    public IReadOnlyList<string> Check(string method, string path, int status, string? mediaType, string? body)
    {
        var template = _paths.FirstOrDefault(p => p.Pattern.IsMatch(path)).Template;
        JsonNode? responses = null;
        if (template is null)
        {
            // An unknown path is routing's 404.
            if (status != 404) return [$"{method} {path} is not in the document, yet answered {status}"];
        }
        else if (_root["paths"]![template]![method.ToLowerInvariant()] is { } operation) responses = operation["responses"];
        else if (method == "HEAD" && _root["paths"]![template]!["get"] is { } get) responses = get["responses"];
        else if (status != 405) return [$"{method} {template} is not in the document, yet answered {status}"];

        var where = $"{method} {template ?? path} {status}";
        JsonNode? response;
        if (responses is null) response = ProblemResponse(status);
        else
        {
            response = responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            if (response is null) return [$"{where}: status {status} is not declared (declared: {string.Join(", ", responses.AsObject().Select(r => r.Key))})"];
        }
        var content = response?["content"]?.AsObject();
        if (body == "" || method == "HEAD")
            return [];
        if (content is null || content.Count == 0) return [$"{where}: a body ({mediaType}) where the document declares none"];
        if (mediaType is null || content[mediaType] is not { } media)
            return [$"{where}: content type {mediaType} is not declared (declared: {string.Join(", ", content.Select(c => c.Key))})"];
        if (body is null || !mediaType.Contains("json", StringComparison.Ordinal)) return [];
        var schemaNode = media["schema"];
        if (schemaNode is null) return [];
        var key = $"{where} {mediaType}";
        if (mediaType == "application/x-ndjson")
        {
            // The body as a whole is text (as Prism reads it); each line must match the content's schema.
            var whole = Validate(key, schemaNode, JsonSerializer.Serialize(body));
            if (whole.Count > 0) return [.. whole.Select(e => $"{where}: {e}")];
            if (schemaNode["contentSchema"] is not { } line) return [$"{where}: the NDJSON schema names no contentSchema for its lines"];
            return [.. body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(200)
                .SelectMany((text, i) => Validate(key + " line", line, text).Select(e => $"{where} line {i + 1}: {e}"))];
        }
        return [.. Validate(key, schemaNode, body).Select(e => $"{where}: {e}")];
    }

    private JsonNode? ProblemResponse(int status) => _root["paths"]!.AsObject()
        .SelectMany(p => p.Value!.AsObject()).Select(o => o.Value!["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        .FirstOrDefault(r => r?["content"]?["application/problem+json"] is not null);

    /// <summary>The schema errors of one JSON value.</summary>
    public IReadOnlyList<string> Validate(string key, JsonNode schemaNode, string json)
    {
        var schema = _schemas.GetOrAdd(key, _ => new Lazy<JsonSchema>(() =>
        {
            var wrapper = new JsonObject
            {
                ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                ["allOf"] = new JsonArray(schemaNode.DeepClone()),
            };
            var id = Interlocked.Increment(ref _built);
            return JsonSchema.Build(JsonSerializer.SerializeToElement(wrapper), new BuildOptions { SchemaRegistry = _registry },
                new Uri($"https://feedbackdashboard.test/openapi/answer/{id}"));
        })).Value;
        JsonElement instance;
        try
        {
            instance = JsonSerializer.SerializeToElement(Sample(JsonNode.Parse(json)));
        }
        catch (JsonException e)
        {
            return [$"not JSON: {e.Message}"];
        }
        if (schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.Flag, RequireFormatValidation = true }).IsValid) return [];
        var results = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        return [.. (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value} (schema {d.EvaluationPath})"))
            .Distinct().Take(20)];
    }

    /// <summary>
    /// The answer with every array cut to its first items: the shape is the same, and a run with thousands of comments
    /// is checked in milliseconds instead of seconds.
    /// </summary>
    private static JsonNode? Sample(JsonNode? node)
    {
        switch (node)
        {
            case JsonArray array:
                while (array.Count > 25) array.RemoveAt(array.Count - 1);
                foreach (var item in array) Sample(item);
                break;
            case JsonObject obj:
                foreach (var (_, value) in obj) Sample(value);
                break;
        }
        return node;
    }

    /// <summary>The schema of a named component, for checks of bodies that are not answers (an export's lines).</summary>
    public JsonNode Component(string name) => _defs[name] ?? throw new KeyNotFoundException(name);
}

/// <summary>Thrown where a test's request received an answer the document does not describe.</summary>
public sealed class ApiDocumentDriftException(string message) : Exception(message);

/// <summary>
/// A client handler that checks every answer of the API against the app's OpenAPI document, so a drift between the two
/// fails the test that saw it. Streamed bodies (the export) are checked for status and content type only; their
/// lines are checked where a test reads them whole.
/// </summary>
public sealed class ApiDocumentCheck(HttpMessageHandler server) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var path = request.RequestUri!.AbsolutePath;
        if (!ApiDocument.Covers(path)) return response;
        var document = await ApiDocument.GetAsync(server);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var streamed = mediaType is "application/x-ndjson" or "text/csv";
        string? body = null;
        if (!streamed)
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        var problems = document.Check(request.Method.Method, path, (int)response.StatusCode, mediaType, body);
        if (problems.Count > 0)
        {
            throw new ApiDocumentDriftException($"the answer to {request.Method} {request.RequestUri.PathAndQuery} does not match /api/openapi.json:\n  " +
                                                string.Join("\n  ", problems) + $"\nbody: {(body is { Length: > 2000 } ? body[..2000] + "…" : body)}");
        }
        return response;
    }
}
