using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace FeedbackDashboard.Api;

/// <summary>The OpenAPI document of the JSON API (/api/openapi.json) and its Scalar reference page (/api/docs).</summary>
public static class OpenApiDocs
{
    /// <summary>
    /// Documents a JSON request body that the handler reads itself (to answer bad JSON with the field's name).
    /// Unlike Accepts&lt;T&gt;, it does not make routing refuse other content types with a bare 415.
    /// </summary>
    public static RouteHandlerBuilder WithJsonBody<T>(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new JsonRequestBody(typeof(T)));

    public sealed record JsonRequestBody(Type Type);

    public static IServiceCollection AddApiDocs(this IServiceCollection services) =>
        services.AddOpenApi("v1", o =>
        {
            o.AddSchemaTransformer(ApiSchemas.TransformAsync);
            o.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (context.Description.RelativePath == "api/github/webhooks") Webhook(operation, context.Document!);
                Describe(operation, metadata, context.Document!);
                return Task.CompletedTask;
            });
            o.AddDocumentTransformer((document, _, _) =>
            {
                Document(document);
                return Task.CompletedTask;
            });
        });

    /// <summary>Problem statuses and what they mean here; each is answered as problem+json.</summary>
    private static readonly Dictionary<int, string> ProblemStatuses = new()
    {
        [400] = "Bad request: `errors` names each bad field (body path or query parameter).",
        [401] = "No API key, or an unknown or revoked one.",
        [403] = "The key lacks the endpoint's scope, or is limited to installations that do not include this one.",
        [404] = "Not found: no such run or repository (for the webhook endpoint: no webhook secret is configured).",
        [405] = "The path exists, but not with this method (`Allow` lists the methods).",
        [409] = "Conflict: the Idempotency-Key was used for another request body.",
        [413] = "The body is too large.",
        [429] = "Too many exports are running; retry after `Retry-After` seconds.",
        [503] = "The data store is unreachable (or the work could not finish in time); retry after `Retry-After` seconds. Nothing was written.",
    };

    private static void Describe(OpenApiOperation operation, IList<object> metadata, OpenApiDocument document)
    {
        var scope = metadata.OfType<RequiredScope>().FirstOrDefault();
        if (metadata.OfType<ApiQuery.Declared>().FirstOrDefault() is { } query)
        {
            operation.Parameters ??= [];
            foreach (var p in query.Parameters)
            {
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = p.Name,
                    In = ParameterLocation.Query,
                    Description = p.Description,
                    Schema = p.Schema(),
                    Style = p.Style ?? ParameterStyle.Form,
                    Explode = true,
                });
            }
        }
        foreach (var path in operation.Parameters?.OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Path) ?? [])
            path.Description ??= path.Name == "id" ? "The run's id (a uuid)." : path.Name == "owner" ? "The repository's owner." : "The repository's name.";

        if (metadata.OfType<IdempotencyKeyHeader>().Any())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = IdempotencyKeys.Header,
                In = ParameterLocation.Header,
                Description = "Makes a retry safe: the same key with the same body within 24 h answers the first answer again (`Idempotent-Replayed: true`) and creates nothing; with another body, 409.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = IdempotencyKeys.MaxLength, Pattern = ApiQuery.NoControlCharacters },
            });
            foreach (var (status, response) in operation.Responses ?? [])
            {
                if (status is not ("200" or "201") || response is not OpenApiResponse r) continue;
                r.Headers ??= new Dictionary<string, IOpenApiHeader>();
                r.Headers["Idempotent-Replayed"] = new OpenApiHeader
                {
                    Description = "`true` when this is the first answer again, for a repeated Idempotency-Key.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [System.Text.Json.Nodes.JsonValue.Create("true")] },
                };
                if (status == "201")
                    r.Headers["Location"] = new OpenApiHeader { Description = "The run: GET /api/tasks/{id}.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
            }
        }
        if (metadata.OfType<JsonRequestBody>().FirstOrDefault() is { } body)
        {
            var isList = body.Type.IsGenericType;
            var name = (isList ? body.Type.GetGenericArguments()[0] : body.Type).Name;
            IOpenApiSchema schema = isList
                ? new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    MinItems = 1,
                    MaxItems = Core.Capture.CaptureValidation.MaxCommentsPerRequest,
                    Items = new OpenApiSchemaReference(name, document),
                }
                : new OpenApiSchemaReference(name, document);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = schema, Example = ApiSchemas.ExampleFor(body.Type) },
                },
            };
        }

        operation.Responses ??= [];
        if (metadata.OfType<ExportEndpoint>().Any())
        {
            operation.Responses["200"] = new OpenApiResponse
            {
                Description = "The reactions, streamed: NDJSON, one ExportRow a line; or, with `format=csv`, " +
                              "CSV (RFC 4180) with a header row of ExportRow's names, labels as a JSON text cell and null as an empty cell.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    // A media type's schema is the whole body, and an NDJSON body is text: validators (Prism) read it as a
                    // string; the row's schema is the content's, which OpenAPI 3.1 has no per-line keyword for.
                    ["application/x-ndjson"] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            Type = JsonSchemaType.String,
                            Description = "Lines of JSON, each an ExportRow.",
                            ContentMediaType = "application/x-ndjson",
                            ContentSchema = new OpenApiSchemaReference("ExportRow", document),
                        },
                    },
                    ["text/csv"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
            };
        }
        var statuses = metadata.OfType<DeclaredProblems>().SelectMany(d => d.Statuses).ToHashSet();
        if (scope is not null)
        {
            statuses.Add(401);
            statuses.Add(403);
            statuses.Add(503);
        }
        statuses.Add(405);
        foreach (var (key, _) in operation.Responses.Where(r => int.TryParse(r.Key, out var s) && s >= 400).ToList())
            statuses.Add(int.Parse(key, System.Globalization.CultureInfo.InvariantCulture));
        foreach (var status in statuses.Order())
        {
            var response = new OpenApiResponse
            {
                Description = ProblemStatuses.GetValueOrDefault(status, "Problem."),
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) },
                },
            };
            if (status is 429 or 503)
            {
                response.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = new OpenApiHeader
                    {
                        Description = "Seconds to wait before retrying.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" },
                    },
                };
            }
            operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = response;
        }
        operation.Security = scope is null
            ? []
            : [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] }];
    }

    /// <summary>The webhook endpoint's body and GitHub's headers (WebhooksApi reads them from the raw request).</summary>
    private static void Webhook(OpenApiOperation operation, OpenApiDocument document)
    {
        operation.OperationId = "receiveGitHubWebhook";
        operation.Parameters =
        [
            new OpenApiParameter
            {
                Name = "X-Hub-Signature-256", In = ParameterLocation.Header, Required = true,
                Description = "`sha256=` and the hex HMAC-SHA256 of the raw body with GITHUB_WEBHOOK_SECRET; 401 when missing or wrong.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^sha256=[0-9a-f]{64}$" },
            },
            new OpenApiParameter
            {
                Name = "X-GitHub-Event", In = ParameterLocation.Header, Required = true, Description = "The event's name (`issue_comment`, `ping`, …).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 100 },
            },
            new OpenApiParameter
            {
                Name = "X-GitHub-Delivery", In = ParameterLocation.Header, Required = true, Description = "The delivery's id: each is applied once.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 100 },
            },
        ];
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = "The payload exactly as GitHub sent it (the signature covers its bytes); at most 25 MB.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = new OpenApiSchemaReference("WebhookDelivery", document) },
            },
        };
        operation.Responses ??= [];
        if (operation.Responses.TryGetValue("200", out var ok)) ok.Description = "Applied, ignored (an event or action not read), failed (recorded), or a replay of a delivery already applied.";
        foreach (var status in new[] { 400, 401, 404, 413, 503 })
            operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse();
    }

    private static void Document(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "FeedbackDashboard API",
            Version = "v1",
            Description = "Review runs, the comments a review bot posted, and the 👍/👎 people left on them. " +
                          "Authenticate with `Authorization: Bearer <api key>` (`FeedbackDashboard keys create`); each endpoint names its scope. " +
                          "Errors are RFC 9457 problem+json. Timestamps in answers are UTC.",
            License = new OpenApiLicense { Name = "Proprietary", Url = new Uri("https://github.com/") },
        };
        // Relative: the document is served by the instance it describes, whatever host name reached it.
        document.Servers = [new OpenApiServer { Url = "/", Description = "The instance serving this document" }];
        document.Tags = new HashSet<OpenApiTag>
        {
            new() { Name = "Tasks", Description = "Review runs, the comments the bot posted on them, review captures, and their feedback." },
            new() { Name = "Feedback", Description = "Every reaction in bulk, for evaluation data sets." },
            new() { Name = "Analytics", Description = "Acceptance, coverage and addressed rates over a period, grouped or compared." },
            new() { Name = "Rules", Description = "The bot's rules judged by the repositories' maintainers." },
            new() { Name = "Bots", Description = "Review bots observed on GitHub without their cooperation: profiles, and bots no profile matches yet." },
            new() { Name = "Maintainers", Description = "Who maintains each repository (read from GitHub)." },
            new() { Name = "Poller", Description = "Health of the scheduled jobs that read GitHub." },
            new() { Name = "Webhooks", Description = "GitHub App deliveries, signed with the webhook secret (no API key)." },
            new() { Name = "Health", Description = "Liveness and readiness probes (no API key)." },
        };
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var (name, build) in ApiSchemas.Components) document.Components.Schemas[name] = build();
        // The generator sees a JsonElement; the column holds the unmatched findings' array.
        if (document.Components.Schemas.TryGetValue("CaptureView", out var capture) && capture is OpenApiSchema { Properties: { } captureProperties })
        {
            captureProperties["unmatched_findings"] = ApiSchemas.UnmatchedFindings();
            document.Components.Schemas.Remove("JsonElement");
        }
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key from `FeedbackDashboard keys create --name NAME --scopes …`",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] }];
    }

    /// <summary>Endpoint metadata: it reads an Idempotency-Key header.</summary>
    public sealed record IdempotencyKeyHeader;

    public static RouteHandlerBuilder WithIdempotencyKeyHeader(this RouteHandlerBuilder builder) => builder.WithMetadata(new IdempotencyKeyHeader());

    /// <summary>Problem statuses an endpoint answers besides those every scoped endpoint does (401, 403, 405, 503).</summary>
    public sealed record DeclaredProblems(params int[] Statuses);

    /// <summary>Declares the problem+json statuses this endpoint answers (the document writes their schema).</summary>
    public static TBuilder Problems<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DeclaredProblems(statuses));

    public static void MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/api/openapi.json").AllowAnonymous();
        // Nothing fetched from other hosts (its default fonts come from a CDN, telemetry reports to its vendor) and
        // none of the vendor's own buttons (deploy, AI chat, MCP, developer tools) on a page about this API.
        app.MapScalarApiReference("/api/docs", o =>
        {
            o.WithTitle("FeedbackDashboard API").WithOpenApiRoutePattern("/api/openapi.json");
            o.DefaultFonts = false;
            o.Telemetry = false;
            o.DotNetFlag = false;
            o.ShowDeveloperTools = DeveloperToolsVisibility.Never;
            o.Agent = new ScalarAgentOptions { Disabled = true };
            o.Mcp = new ScalarMcpOptions { Disabled = true };
        }).AllowAnonymous();
    }
}
