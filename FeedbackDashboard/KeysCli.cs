using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FeedbackDashboard;

/// <summary>`keys create|list|revoke`: the only way to mint an API key.</summary>
internal static class KeysCli
{
    /// <summary>ISO 8601 in UTC to the minute, whatever the machine's culture and zone.</summary>
    private static string Iso(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<int> RunAsync(string[] args, string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var services = new ServiceCollection()
            .AddDbContextFactory<FeedbackDb>(o => o.UseNpgsql(dataSource))
            .BuildServiceProvider();
        var keys = new ApiKeyService(services.GetRequiredService<IDbContextFactory<FeedbackDb>>(), TimeProvider.System);

        try
        {
            switch (args)
            {
                case ["create", .. var rest]:
                    var name = Option(rest, "--name") ?? throw new ArgumentException("keys create needs --name NAME");
                    var scopes = (Option(rest, "--scopes") ?? throw new ArgumentException("keys create needs --scopes a,b"))
                        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var installations = Option(rest, "--installations")?
                        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(i => long.TryParse(i, out var id) && id > 0 ? id : throw new ArgumentException($"--installations: '{i}' is not an installation id"))
                        .ToList();
                    var key = await keys.CreateAsync(name, scopes, installations);
                    var reach = installations is null ? "every installation" : $"installation(s) {string.Join(",", installations)}";
                    Console.Error.WriteLine($"Created key '{name}' with {string.Join(",", scopes)} for {reach}. It is shown once; store it now:");
                    Console.WriteLine(key);
                    return 0;
                case ["list"]:
                    Console.WriteLine($"{"NAME",-24} {"PREFIX",-12} {"SCOPES",-44} {"INSTALLATIONS",-16} {"CREATED",-20} {"LAST USED",-20} STATE");
                    foreach (var k in await keys.ListAsync())
                        Console.WriteLine($"{k.Name,-24} {k.Prefix,-12} {string.Join(",", k.Scopes),-44} {(k.Installations is { } i ? string.Join(",", i) : "all"),-16} {Iso(k.CreatedAt),-20} {(k.LastUsedAt is { } u ? Iso(u) : "never"),-20} {(k.RevokedAt is null ? "active" : "revoked")}");
                    return 0;
                case ["revoke", .. var rest]:
                    var revokeName = Option(rest, "--name") ?? throw new ArgumentException("keys revoke needs --name NAME");
                    if (await keys.RevokeAsync(revokeName)) { Console.WriteLine($"revoked '{revokeName}'"); return 0; }
                    Console.Error.WriteLine($"FeedbackDashboard: no active key named '{revokeName}'");
                    return 1;
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

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
