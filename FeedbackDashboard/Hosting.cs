using FeedbackDashboard.Api;
using FeedbackDashboard.Components;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.Demo;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Jobs;
using Microsoft.AspNetCore.HttpOverrides;
using MudBlazor.Services;
using Npgsql;
using Prometheus;

namespace FeedbackDashboard;

/// <summary>All registrations of the host, so Program.cs stays a page long.</summary>
public static class Hosting
{
    /// <summary>Where the app listens when the configuration names no address (loopback only: safe by default).</summary>
    public const string DefaultUrl = "http://127.0.0.1:5000";

    private const int ConnectionReadAhead = 64 * 1024;

    public static WebApplicationBuilder AddFeedbackDashboard(this WebApplicationBuilder builder)
    {
        var settings = FeedbackSettings.From(builder.Configuration);
        var connectionString = DatabaseUrl.ToConnectionString(builder.Configuration["DATABASE_URL"]);

        if (!DashboardAuth.NamesAnAddress(builder.Configuration))
            builder.WebHost.UseUrls(DefaultUrl);

        // What Kestrel reads ahead of the app per connection: with its default, many clients sending big bodies faster
        // than they are read (a flood of unsigned webhooks) each pin memory the GC cannot move or return.
        builder.WebHost.UseSockets(o => o.MaxReadBufferSize = ConnectionReadAhead);
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBufferSize = ConnectionReadAhead);

        // Serve library assets (MudBlazor's CSS/JS) from the build output too, not only from a publish folder:
        // ./run.sh runs the build. A published app has no manifest for this, and it does nothing there.
        builder.WebHost.UseStaticWebAssets();
        // MapStaticAssets would otherwise treat the build's manifest as a hot-reload session: it re-gzips changed-looking
        // files at no compression and sends no-cache, so the build served MudBlazor's stylesheet whole on every visit.
        builder.Configuration["ReloadStaticAssetsAtRuntime"] ??= "false";

        ExportOnlyCheapMetrics();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddFeedbackCore(connectionString).AddExportDataSource(connectionString);
        // Only the poller holds the GitHub App key and runs jobs; a serve instance never reads either.
        if (settings.Role == Role.Poller) builder.Services.AddPollerJobs(settings);

        // Structured JSON logs (with scopes: cycle, installation, repository) when not on a terminal, as in a pod.
        if (Console.IsOutputRedirected)
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            // Exception text (messages, stack, SQL) is for the log only, even in Development.
            ctx.ProblemDetails.Extensions.Remove("exception");
            if (DataStore.IsUnreachable(ctx.Exception))
            {
                // Nothing was written (each write is one transaction); the client may retry as it is.
                ctx.HttpContext.Response.Headers.RetryAfter = DataStore.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                ctx.ProblemDetails.Title = "Service Unavailable";
                ctx.ProblemDetails.Detail = $"the data store is unreachable; nothing was written; retry after {DataStore.RetryAfterSeconds} s";
            }
            else if (ctx.Exception is not null) ctx.ProblemDetails.Detail = "an unexpected error occurred; it has been logged";
            // Every problem names its kind (the document requires it); statuses ASP.NET Core has no link for get RFC 9110's.
            ctx.ProblemDetails.Type ??= ctx.ProblemDetails.Status switch
            {
                413 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14",
                429 => "https://www.rfc-editor.org/rfc/rfc6585#section-4",
                var status => $"https://www.rfc-editor.org/rfc/rfc9110#status.{status}",
            };
        });
        builder.Services.AddApiDocs();
        builder.Services.AddApiKeyAuth();
        builder.Services.AddExportLimits();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            Core.Model.SnakeCaseJson.Configure(o.SerializerOptions);
            // The hot reads' answers are written by source-generated code (same names, no reflection).
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
        });

        // A circuit's first message carries the prerendered pages' state (the Overview's series with every rate and its
        // interval), which outgrows SignalR's 32 KB default with a few months of data.
        builder.Services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(o => o.MaximumReceiveMessageSize = 256 * 1024);
        builder.Services.AddMudServices();
        // The pages' HTML compressed (static assets come precompressed from MapStaticAssets). Also behind TLS: every secret
        // in a page (antiforgery token, circuit descriptors, persisted state) is data-protected anew for each answer, so a
        // compressed length tells an eavesdropper nothing that repeats (BREACH).
        builder.Services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.MimeTypes = ["text/html"];
        });
        // After the Razor components: sign-in replaces their authentication state provider with a revalidating one.
        builder.AddDashboardAuth(settings);
        return builder;
    }

    /// <summary>
    /// Exports hold a connection while a (possibly slow) client reads: they get their own small pool, so they can
    /// never take the connections the pages and the rest of the API need.
    /// </summary>
    private static IServiceCollection AddExportDataSource(this IServiceCollection services, string connectionString)
    {
        var exportSource = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = ExportLimits.Total,
            ApplicationName = "FeedbackDashboard export",
        }.ConnectionString).Build();
        return services.AddKeyedSingleton(ExportLimits.Key, (_, _) => new FeedbackQueries(exportSource));
    }

    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        var applied = await Migrator.MigrateAsync(dataSource.ConnectionString, app.Lifetime.ApplicationStopping);
        if (applied.Count > 0)
            app.Logger.LogInformation("Applied migrations {Migrations}", string.Join(", ", applied));
    }

    /// <summary>./run.sh --demo: fills an empty database with the labelled demo set; never touches real data.</summary>
    public static async Task SeedDemoDataAsync(this WebApplication app)
    {
        var seeded = await app.Services.GetRequiredService<DemoData>().SeedIfEmptyAsync(app.Lifetime.ApplicationStopping);
        app.Logger.LogInformation(seeded ? "Demo data loaded (repositories under demo/)" : "The database has runs already; demo data not loaded");
    }

    private static int metricsConfigured;

    /// <summary>
    /// prometheus-net adapts every .NET meter and event counter by default, and that cost a tenth of the app's CPU per
    /// API request under wrk (perf, 32 connections): each measurement of ASP.NET Core's, Kestrel's and Npgsql's own
    /// per-request instruments was sorted, relabelled and leased into a Prometheus child, and the event-counter listener
    /// switched on those libraries' per-request events. /metrics keeps what operators read: the product's meter,
    /// every observable instrument (read only when scraped: the runtime's GC and thread-pool figures, Npgsql's pool),
    /// the process figures, and the HTTP request counts and durations from <c>UseHttpMetrics</c>.
    /// </summary>
    private static void ExportOnlyCheapMetrics()
    {
        // The default registry is process-wide and takes this before its first scrape only (tests host several apps).
        if (Interlocked.Exchange(ref metricsConfigured, 1) == 1) return;
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true });
        Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate = instrument =>
            instrument.Meter.Name == Telemetry.MeterName || instrument.IsObservable);
    }

    public static WebApplication UseFeedbackDashboard(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<FeedbackSettings>();
        // Behind an ingress that terminates TLS: trust its X-Forwarded-Proto/For, so OAuth redirects and
        // Secure cookies see https. The pod is only reachable through the cluster network.
        var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        forwarded.KnownIPNetworks.Clear();
        forwarded.KnownProxies.Clear();
        app.UseForwardedHeaders(forwarded);
        // Only this site may frame the pages (clickjacking). Blazor sends this on its circuit WebSocket only when it
        // compresses it, which it does not here (below); every answer carries it instead.
        app.Use((http, next) =>
        {
            http.Response.Headers.ContentSecurityPolicy = "frame-ancestors 'self'";
            return next(http);
        });
        app.UseResponseCompression();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => DataStore.IsUnreachable(e) ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        // A person who types a wrong address gets the dashboard's own 404 page; the API keeps its problem+json.
        app.UseWhen(http => !http.Request.Path.StartsWithSegments("/api"),
            pages => pages.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
        // Routing after the status pages, so the re-executed request is routed again to the 404 page.
        app.UseRouting();
        app.UseHttpMetrics();
        app.UseAuthentication();
        app.UseAuthorization();
        // After authorization: the export limit is partitioned by the API key that authorization resolved. Only exports
        // pass through the limiter: on every other request its partition lookup took a lock, contended under load.
        app.UseWhen(http => http.GetEndpoint()?.Metadata.GetMetadata<ExportEndpoint>() is not null, export => export.UseRateLimiter());
        // Forms are the pages' business; the JSON API takes bearer keys, never cookies, so it has nothing to check.
        app.UseWhen(http => !http.Request.Path.StartsWithSegments("/api"), pages => pages.UseAntiforgery());
        app.MapStaticAssets();

        app.MapHealthApi();
        app.MapMetrics("/metrics").AllowAnonymous();
        app.MapApiDocs();
        app.MapTasksApi();
        app.MapFeedbackApi();
        app.MapPollerApi();
        app.MapMaintainersApi();
        app.MapAnalyticsApi();
        app.MapRulesApi();
        app.MapBotsApi();
        app.MapWebhooksApi();
        if (settings.Role == Role.Poller) app.Services.UsePollerJobs(settings);

        app.MapDashboardAuth(settings);
        // No permessage-deflate on the circuits' WebSockets: browsers ask for it and Blazor grants it by default, which
        // keeps a zlib compressor of native memory per open page and costs CPU per refresh, to shrink render batches of
        // a few kB.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.DisableWebSocketCompression = true).RequireAuthorization(DashboardAuth.Policy);
        return app;
    }
}
