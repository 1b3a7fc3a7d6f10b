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
            o.AddOperationTransformer(async (operation, context, ct) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<JsonRequestBody>().FirstOrDefault() is not { } body) return;
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(body.Type, null, ct) },
                    },
                };
            });
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "FeedbackDashboard API",
                    Version = "v1",
                    Description = "Review runs, the comments a review bot posted, and the 👍/👎 people left on them. " +
                                  "Authenticate with `Authorization: Bearer <api key>` (`FeedbackDashboard keys create`); each endpoint names its scope. " +
                                  "Errors are RFC 9457 problem+json.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API key from `FeedbackDashboard keys create --name NAME --scopes …`",
                };
                document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] }];
                return Task.CompletedTask;
            });
        });

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
