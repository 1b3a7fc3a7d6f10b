using FeedbackDashboard.Core.Data;

namespace FeedbackDashboard;

/// <summary>`FeedbackDashboard migrate` and `FeedbackDashboard keys …`.</summary>
internal static class Cli
{
    public static bool IsCommand(string[] args) =>
        args is ["migrate", ..] or ["keys", ..] or ["bots", ..] or ["healthcheck", ..] or ["--help" or "-h" or "help"];

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
                ["healthcheck", .. var target] => await HealthcheckAsync(target.FirstOrDefault() ?? LocalUrl(config)),
                ["keys", .. var rest] => await KeysCli.RunAsync(rest, DatabaseUrl.ToConnectionString(config["DATABASE_URL"])),
                ["bots", .. var rest] => await BotsCli.RunAsync(rest, DatabaseUrl.ToConnectionString(config["DATABASE_URL"])),
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

    /// <summary>The container HEALTHCHECK: GET /healthz on this instance (the runtime image has no curl).</summary>
    private static async Task<int> HealthcheckAsync(string baseUrl)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(4) };
        try
        {
            var response = await http.GetAsync(baseUrl.TrimEnd('/') + "/healthz");
            Console.WriteLine($"{(int)response.StatusCode} {baseUrl}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"FeedbackDashboard: {baseUrl} did not answer: {e.Message}");
            return 1;
        }
    }

    private static string LocalUrl(IConfiguration config)
    {
        var first = (config["ASPNETCORE_URLS"] ?? Hosting.DefaultUrl).Split(';')[0];
        return first.Replace("://+", "://127.0.0.1").Replace("://*", "://127.0.0.1").Replace("://0.0.0.0", "://127.0.0.1");
    }

    internal static int Usage()
    {
        Console.Error.WriteLine("""
            usage:
              FeedbackDashboard                      serve (ROLE=poller also polls GitHub)
              FeedbackDashboard migrate              apply db/migrations and exit
              FeedbackDashboard healthcheck [URL]    GET /healthz of this instance (container HEALTHCHECK)
              FeedbackDashboard keys create --name NAME --scopes review:read,review:write,maintainers:read,bots:write [--installations 1,2]
              FeedbackDashboard keys list
              FeedbackDashboard keys revoke --name NAME
              FeedbackDashboard bots add --name NAME --login LOGIN[,LOGIN...] [--body-pattern REGEX]
              FeedbackDashboard bots list
              FeedbackDashboard bots remove --name NAME
            """);
        return 2;
    }
}
