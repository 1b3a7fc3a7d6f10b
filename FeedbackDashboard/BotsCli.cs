using FeedbackDashboard.Core.Bots;
using FeedbackDashboard.Core.Capture;
using Npgsql;

namespace FeedbackDashboard;

/// <summary>`bots add|list|remove`: the bot profiles whose comments are observed on GitHub.</summary>
internal static class BotsCli
{
    public static async Task<int> RunAsync(string[] args, string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var profiles = new BotProfiles(dataSource, TimeProvider.System);
        try
        {
            switch (args)
            {
                case ["add", .. var rest]:
                    return await AddAsync(profiles, rest);
                case ["list"]:
                    Console.WriteLine($"{"NAME",-24} {"LOGINS",-44} {"PATTERN",-24} {"COMMENTS",8} LAST SEEN");
                    foreach (var b in await profiles.ListAsync(CancellationToken.None))
                        Console.WriteLine($"{b.Name,-24} {string.Join(",", b.Logins),-44} {b.BodyPattern ?? "-",-24} {b.Comments,8} {(b.LastSeenAt is { } seen ? seen.ToString("yyyy-MM-dd HH:mm") : "never")}");
                    return 0;
                case ["remove", .. var rest]:
                    return await RemoveAsync(profiles, rest);
                default:
                    return Cli.Usage();
            }
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"FeedbackDashboard: {e.Message}");
            return 2;
        }
    }

    private static async Task<int> AddAsync(BotProfiles profiles, string[] args)
    {
        var name = Option(args, "--name") ?? throw new ArgumentException("bots add needs --name NAME");
        var logins = (Option(args, "--login") ?? throw new ArgumentException("bots add needs --login LOGIN[,LOGIN...]"))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => (string?)l).ToList();
        var input = new BotProfileInput(logins, Option(args, "--body-pattern"));
        var errors = BotValidation.Validate(name, input);
        if (errors.Count > 0)
            throw new ArgumentException(string.Join("; ", errors.Select(e => CliName(e.Key) + " " + string.Join(", ", e.Value))));
        var result = await profiles.PutAsync(name, input, CancellationToken.None);
        var pattern = input.BodyPattern is null ? "" : ", body matching " + input.BodyPattern;
        Console.WriteLine($"{(result == Upsert.Created ? "added" : "updated")} bot '{name}' ({string.Join(",", logins)}{pattern})");
        return 0;
    }

    private static async Task<int> RemoveAsync(BotProfiles profiles, string[] args)
    {
        var name = Option(args, "--name") ?? throw new ArgumentException("bots remove needs --name NAME");
        if (await profiles.RemoveAsync(name, CancellationToken.None))
        {
            Console.WriteLine($"removed bot '{name}' (its runs, comments and feedback stay)");
            return 0;
        }
        Console.Error.WriteLine($"FeedbackDashboard: no bot profile named '{name}'");
        return 1;
    }

    /// <summary>The option a validation error is about, as the command line spells it.</summary>
    private static string CliName(string field) => field switch
    {
        "name" => "--name",
        "body_pattern" => "--body-pattern",
        _ when field.StartsWith("logins", StringComparison.Ordinal) => "--login",
        _ => field,
    };

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
