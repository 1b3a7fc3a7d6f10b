using System.Diagnostics;

namespace FeedbackDashboard.Tests.Benchmarks;

/// <summary>The command-line tools the benchmarks drive (wrk, pgbench, dotnet-trace): found, run, their output read.</summary>
internal static class BenchTools
{
    /// <summary>An executable on PATH, or among the user's dotnet global tools (where `dotnet tool install -g` puts them).</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Append(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"))
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>Runs it to the end; its stdout and stderr, or an exception carrying them when it exits non-zero.</summary>
    public static async Task<string> RunAsync(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = await stdout + await stderr;
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} exited {process.ExitCode}: {text}");
        return text;
    }
}
