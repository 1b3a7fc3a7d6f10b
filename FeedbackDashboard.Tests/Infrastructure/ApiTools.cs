using System.Diagnostics;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>
/// The npm tools that read the API's own document (Redocly's linter, openapi-typescript, tsc), installed outside git by
/// FeedbackDashboard.Tests/ApiDocument/install.sh (test.sh runs it; FD_NPM_API_TOOLS names the folder, .tools/npm-api by default).
/// </summary>
public static class ApiTools
{
    public const string ToolsVariable = "FD_NPM_API_TOOLS";

    public static string ToolsDir =>
        Environment.GetEnvironmentVariable(ToolsVariable) is { Length: > 0 } dir ? dir : Path.Combine(Repo.Root, ".tools", "npm-api");

    /// <summary>The path of an installed package's command; a missing install fails (never skips) the test.</summary>
    public static string Bin(string name)
    {
        var path = Path.Combine(ToolsDir, "node_modules", ".bin", name);
        if (!File.Exists(path))
            throw new InvalidOperationException($"{name} is not installed in {ToolsDir}: run FeedbackDashboard.Tests/ApiDocument/install.sh " +
                                                $"once (test.sh does), or point {ToolsVariable} at the folder holding its node_modules.");
        return path;
    }

    /// <summary>Runs a command to its end: its exit code, what it printed and what it printed as errors.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string file, IEnumerable<string> args, string workingDirectory,
        IDictionary<string, string>? environment = null, CancellationToken ct = default)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await output, await error);
    }
}
