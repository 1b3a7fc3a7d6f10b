using FeedbackDashboard.Core.Data;

namespace FeedbackDashboard;

/// <summary>`FeedbackDashboard migrate` and `FeedbackDashboard keys …`.</summary>
internal static class Cli
{
    public static bool IsCommand(string[] args) => args is ["migrate", ..] or ["keys", ..] or ["--help" or "-h" or "help"];

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var config = new ConfigurationBuilder()
                .SetBasePath(AppContext.BaseDirectory)
                .AddJsonFile("appsettings.json", optional: true)
                .AddEnvironmentVariables()
                .Build();
            return args switch
            {
                ["migrate"] => await MigrateAsync(config),
                ["keys", .. var rest] => await KeysCli.RunAsync(rest, DatabaseUrl.ToConnectionString(config["DATABASE_URL"])),
                _ => Usage(),
            };
        }
        catch (Exception e) when (StartupError.Describe(e) is { } line)
        {
            Console.Error.WriteLine($"FeedbackDashboard: {line}");
            return 1;
        }
    }

    private static async Task<int> MigrateAsync(IConfiguration config)
    {
        var applied = await Migrator.MigrateAsync(DatabaseUrl.ToConnectionString(config["DATABASE_URL"]));
        Console.WriteLine(applied.Count == 0 ? "database is up to date" : $"applied {string.Join(", ", applied)}");
        return 0;
    }

    internal static int Usage()
    {
        Console.Error.WriteLine("""
            usage:
              FeedbackDashboard                      serve (ROLE=poller also polls GitHub)
              FeedbackDashboard migrate              apply db/migrations and exit
              FeedbackDashboard keys create --name NAME --scopes review:read,review:write
              FeedbackDashboard keys list
              FeedbackDashboard keys revoke --name NAME
            """);
        return 2;
    }
}
