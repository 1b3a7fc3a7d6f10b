using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FeedbackDashboard.Core.Data;

public static class DataServices
{
    /// <summary>The data source every folder writes through, and EF Core over it for the API keys.</summary>
    public static IServiceCollection AddData(this IServiceCollection services, NpgsqlDataSource dataSource)
    {
        services.AddSingleton(dataSource);
        // EF Core logs each command at Information: an API call would write its SQL to the production log. It is
        // logged at Debug instead; ask for it with Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command=Debug.
        services.AddDbContextFactory<FeedbackDb>(o => o.UseNpgsql(dataSource)
            .ConfigureWarnings(w => w.Log((RelationalEventId.CommandExecuted, LogLevel.Debug), (RelationalEventId.CommandCreated, LogLevel.Debug))));
        return services;
    }
}
