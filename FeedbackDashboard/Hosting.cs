using FeedbackDashboard.Api;
using FeedbackDashboard.Components;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.Feedback;
using Microsoft.EntityFrameworkCore;
using MudBlazor.Services;
using Npgsql;

namespace FeedbackDashboard;

/// <summary>All registrations of the host, so Program.cs stays a page long.</summary>
public static class Hosting
{
    public static WebApplicationBuilder AddFeedbackDashboard(this WebApplicationBuilder builder)
    {
        var settings = FeedbackSettings.From(builder.Configuration);
        var connectionString = DatabaseUrl.ToConnectionString(builder.Configuration["DATABASE_URL"]);

        if (string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]) && string.IsNullOrEmpty(builder.Configuration["urls"]))
            builder.WebHost.UseUrls("http://127.0.0.1:5000");

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddFeedbackCore(connectionString);

        builder.Services.AddProblemDetails();
        builder.Services.AddApiKeyAuth();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
        });

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        return builder;
    }

    public static IServiceCollection AddFeedbackCore(this IServiceCollection services, string connectionString)
    {
        var dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
        services.AddSingleton(dataSource);
        services.AddDbContextFactory<FeedbackDb>(o => o.UseNpgsql(dataSource));
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<CaptureService>();
        services.AddSingleton<FeedbackQueries>();
        return services;
    }

    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        var applied = await Migrator.MigrateAsync(dataSource.ConnectionString, app.Lifetime.ApplicationStopping);
        if (applied.Count > 0)
            app.Logger.LogInformation("Applied migrations {Migrations}", string.Join(", ", applied));
    }

    public static WebApplication UseFeedbackDashboard(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets();

        app.MapHealthApi();
        app.MapTasksApi();
        app.MapFeedbackApi();

        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
