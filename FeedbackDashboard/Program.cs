using FeedbackDashboard;

// Command-line verbs (migrate, keys …) run and exit; anything else serves.
if (Cli.IsCommand(args)) return await Cli.RunAsync(args);

try
{
    // The app's own folder, not the current directory, holds appsettings.json and wwwroot: started from elsewhere
    // (`dotnet /opt/app/FeedbackDashboard.dll`) it read no settings and logged every request at Information.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddFeedbackDashboard();

    var app = builder.Build();
    await app.MigrateDatabaseAsync();
    if (args.Contains("--demo")) await app.SeedDemoDataAsync();
    app.UseFeedbackDashboard();
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (StartupError.Describe(e) is { } line)
{
    // One clear line for the operator, not a wall of stack trace.
    Console.Error.WriteLine($"FeedbackDashboard: {line}");
    return 1;
}

public partial class Program;
