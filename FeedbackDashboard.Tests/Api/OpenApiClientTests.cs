using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Tests.Api;

/// <summary>
/// A TypeScript client generated from the served document (openapi-typescript + openapi-fetch) compiled with tsc --strict
/// and run with node against the real app: the README's walkthrough (FeedbackDashboard.Tests/ApiDocument/walkthrough.ts).
/// </summary>
public sealed class OpenApiClientTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_generated_typescript_client_runs_the_readme_walkthrough_with_typed_filters_and_no_casts()
    {
        var source = Path.Combine(Repo.Root, "FeedbackDashboard.Tests", "ApiDocument", "walkthrough.ts");
        var script = await File.ReadAllTextAsync(source, Ct);
        Assert.DoesNotMatch(@"\bas\s+(any|unknown|[A-Z{])|<any>|@ts-", script);

        await using var app = await RunningApp.StartAsync(db.ConnectionString);
        var key = await db.Services.GetRequiredService<ApiKeyService>().CreateAsync("ts-client", [Scopes.ReviewRead, Scopes.ReviewWrite], Ct);
        var dir = Directory.CreateTempSubdirectory("fd-ts-client-");
        try
        {
            using var http = new HttpClient { BaseAddress = app.Url };
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "openapi.json"), await http.GetStringAsync("/api/openapi.json", Ct), Ct);
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "package.json"), """{"type":"module"}""", Ct);
            File.Copy(source, Path.Combine(dir.FullName, "walkthrough.ts"));
            Directory.CreateSymbolicLink(Path.Combine(dir.FullName, "node_modules"), Path.Combine(ApiTools.ToolsDir, "node_modules"));

            async Task RunAsync(string file, params string[] args)
            {
                var (exit, output, error) = await ApiTools.RunAsync(file, args, dir.FullName, new Dictionary<string, string>
                {
                    ["BASE_URL"] = app.Url.ToString().TrimEnd('/'),
                    ["API_KEY"] = key,
                }, Ct);
                Assert.True(exit == 0, $"{Path.GetFileName(file)} {string.Join(' ', args)} exited {exit}:\n{output}\n{error}");
            }

            await RunAsync(ApiTools.Bin("openapi-typescript"), "openapi.json", "-o", "api.d.ts");
            await RunAsync(ApiTools.Bin("tsc"), "--strict", "--noUncheckedIndexedAccess", "--target", "es2022", "--module", "nodenext",
                "--moduleResolution", "nodenext", "--skipLibCheck", "--types", "node", "--outDir", "out", "walkthrough.ts");
            var (exit, output, error) = await ApiTools.RunAsync("node", [Path.Combine("out", "walkthrough.js")], dir.FullName, new Dictionary<string, string>
            {
                ["BASE_URL"] = app.Url.ToString().TrimEnd('/'),
                ["API_KEY"] = key,
            }, Ct);
            Assert.True(exit == 0, $"node walkthrough exited {exit}:\n{output}\n{error}");
            Assert.Contains("walkthrough ok: 2 runs, 2 comments, verdict not_enough_data", output);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
