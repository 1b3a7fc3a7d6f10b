using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FeedbackDashboard.Tests.Benchmarks;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>The built FeedbackDashboard started as a real process on a free loopback port (what a browser test drives).</summary>
public sealed class RunningApp : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output;
    public Uri Url { get; }
    public int ProcessId => _process.Id;

    /// <summary>What the process has written to stdout and stderr so far (its log).</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    private RunningApp(Process process, Uri url, System.Text.StringBuilder output)
    {
        _process = process;
        Url = url;
        _output = output;
    }

    public static Task<RunningApp> StartAsync(string connectionString, IDictionary<string, string>? environment = null) =>
        StartAsync(AppContext.BaseDirectory, connectionString, environment);

    /// <summary>
    /// The app as the image runs it: <c>dotnet publish</c> of this build into <paramref name="folder"/>, in Production
    /// (deploy/Dockerfile). A build's output is not quite the same program: it serves static assets
    /// through ASP.NET Core's development handler, whose catch-all route checks the disk for a file on every request.
    /// </summary>
    public static async Task<RunningApp> StartPublishedAsync(string folder, string connectionString)
    {
        var project = Path.Combine(Repo.Root, "FeedbackDashboard", "FeedbackDashboard.csproj");
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        await BenchTools.RunAsync("dotnet", ["publish", project, "-c", configuration, "--no-build", "-nologo", "-v", "quiet", "-o", folder]);
        return await StartAsync(folder, connectionString, new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });
    }

    private static async Task<RunningApp> StartAsync(string folder, string connectionString, IDictionary<string, string>? environment)
    {
        var port = FreePort();
        var url = new Uri($"http://127.0.0.1:{port}/");
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(folder, "FeedbackDashboard.dll")])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["DATABASE_URL"] = connectionString,
                ["ASPNETCORE_URLS"] = url.ToString().TrimEnd('/'),
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["Logging__LogLevel__Default"] = "Warning",
                ["Logging__LogLevel__Microsoft.AspNetCore.DataProtection"] = "Error",
            },
        };
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var process = Process.Start(psi)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"the app exited ({process.ExitCode}): {output}");
            try
            {
                if ((await http.GetAsync(new Uri(url, "readyz"))).StatusCode == HttpStatusCode.OK) return new RunningApp(process, url, output);
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"the app did not become ready at {url}: {output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
