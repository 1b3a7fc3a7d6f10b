using System.Text.RegularExpressions;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Tests.Api;

/// <summary>`FeedbackDashboard keys …` run as the built binary, as an operator runs it.</summary>
public sealed class KeysCliTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Keys_list_prints_created_as_an_iso_date_in_utc_whatever_the_culture()
    {
        var name = "cli-" + Guid.NewGuid().ToString("N")[..8];
        await db.Services.GetRequiredService<ApiKeyService>().CreateAsync(name, [Scopes.ReviewRead], ct: TestContext.Current.CancellationToken);

        var (exit, output, error) = await ApiTools.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "FeedbackDashboard.dll"), "keys", "list"],
            AppContext.BaseDirectory,
            new Dictionary<string, string> { ["DATABASE_URL"] = db.ConnectionString, ["LANG"] = "de_DE.UTF-8", ["TZ"] = "Asia/Kolkata" },
            TestContext.Current.CancellationToken);

        Assert.True(exit == 0, output + error);
        var line = output.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        var created = Regex.Match(line, @" (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z) +never +active");
        Assert.True(created.Success, line);
        var at = DateTimeOffset.Parse(created.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Math.Abs((at - DateTimeOffset.UtcNow).TotalMinutes) < 5, line);
    }
}
