using System.Diagnostics;
using System.Text.Json;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>
/// Runs FeedbackDashboard.Tests/GitHubSchema/check.mjs, which reads GitHub's published API descriptions from npm
/// packages installed outside git (test.sh installs them; FD_NPM_TOOLS names the folder, .tools/npm by default).
/// One node process per call: callers batch what they ask and cache the answer.
/// </summary>
public static class GitHubSchemaNode
{
    public const string ToolsVariable = "FD_NPM_TOOLS";


    public static string ToolsDir =>
        Environment.GetEnvironmentVariable(ToolsVariable) is { Length: > 0 } dir ? dir : Path.Combine(Repo.Root, ".tools", "npm");

    /// <summary>Sends <paramref name="request"/> (serialized as JSON) to check.mjs and returns its JSON answer.</summary>
    /// <remarks>
    /// A missing install is a failure, never a skip (under CI as anywhere): a check that silently does not run would
    /// let the fake drift from GitHub again.
    /// </remarks>
    public static async Task<JsonElement> RunAsync(object request, CancellationToken ct = default)
    {
        var tools = ToolsDir;
        foreach (var package in new[] { "@octokit/graphql-schema", "@octokit/openapi", "graphql", "ajv", "ajv-formats" })
        {
            if (!Directory.Exists(Path.Combine(tools, "node_modules", package)))
                throw new InvalidOperationException(
                    $"npm package {package} is not installed in {tools}: run FeedbackDashboard.Tests/GitHubSchema/install.sh " +
                    $"once (test.sh does), or point {ToolsVariable} at the folder holding its node_modules.");
        }

        var script = Path.Combine(Repo.Root, "FeedbackDashboard.Tests", "GitHubSchema", "check.mjs");
        var psi = new ProcessStartInfo("node")
        {
            ArgumentList = { script, tools },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(request).AsMemory(), ct);
        process.StandardInput.Close();
        await process.WaitForExitAsync(ct);
        var stdout = await output;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"node check.mjs exited {process.ExitCode}: {await error}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
