using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Deploy;

/// <summary>
/// The first thing a new user does: `git clone … ~/fd && cd ~/fd && ./run.sh`, often as root in a private (mode 700)
/// home folder. Run in a fresh clone of this repository's HEAD, exactly as that user would.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RunScriptTests : IAsyncLifetime
{
    private const string DefaultRootCluster = "/var/lib/feedback-dashboard";

    private readonly string _home = Path.Combine(Path.GetTempPath(), "fd-home-" + Guid.NewGuid().ToString("N")[..8]);
    private string Clone => Path.Combine(_home, "fd");
    private string? _pgDir;
    private bool _createdDefaultCluster;

    private static bool IsRoot => Environment.UserName == "root";


    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_home);
        File.SetUnixFileMode(_home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); // 700
        var clone = await RunAsync("git", ["clone", "--quiet", Repo.Root, Clone], Repo.Root, new Dictionary<string, string?>(), TimeSpan.FromMinutes(2));
        Assert.True(clone.Code == 0, clone.Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (_pgDir is not null && File.Exists(Path.Combine(Clone, "db/dev-postgres.sh")))
            await RunAsync(Path.Combine(Clone, "db/dev-postgres.sh"), ["stop", "--dir", _pgDir], Clone, new Dictionary<string, string?>(), TimeSpan.FromMinutes(1));
        if (_createdDefaultCluster) Directory.Delete(DefaultRootCluster, recursive: true);
        else if (_pgDir is not null && Directory.Exists(_pgDir)) Directory.Delete(Path.GetDirectoryName(_pgDir)!, recursive: true);
        Directory.Delete(_home, recursive: true);
    }

    [Fact]
    public async Task Run_sh_in_a_private_folder_serves_the_dashboard_and_stops_cleanly()
    {
        var appPort = FreePort();
        var env = CleanEnvironment();
        env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{appPort}";
        env["FD_PG_PORT"] = FreePort().ToString();
        // In a clean CI machine root uses the real default (/var/lib/feedback-dashboard/pg); elsewhere a throwaway
        // folder outside the private home, so nobody's local dashboard data is touched.
        if (IsRoot && !Directory.Exists(DefaultRootCluster))
        {
            _createdDefaultCluster = true;
            _pgDir = Path.Combine(DefaultRootCluster, "pg");
        }
        else
        {
            _pgDir = IsRoot ? Path.Combine(Path.GetTempPath(), "fd-runsh-" + Guid.NewGuid().ToString("N")[..8], "pg") : Path.Combine(Clone, ".data/pg");
            env["FD_PG_DIR"] = _pgDir;
        }

        var psi = Start(Path.Combine(Clone, "run.sh"), [], env);
        using var process = Process.Start(psi)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddMinutes(6);
            HttpStatusCode? status = null;
            while (DateTime.UtcNow < deadline && !process.HasExited)
            {
                try
                {
                    status = (await http.GetAsync($"http://127.0.0.1:{appPort}/", Ct)).StatusCode;
                    if (status == HttpStatusCode.OK) break;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }
                await Task.Delay(500, Ct);
            }
            Assert.True(status == HttpStatusCode.OK, $"./run.sh did not serve http://127.0.0.1:{appPort}/ (exited: {process.HasExited}):\n{output}");
            Assert.True(File.Exists(Path.Combine(_pgDir, "PG_VERSION")), $"no cluster in {_pgDir}");
            if (IsRoot) Assert.False(_pgDir.StartsWith(_home), "root's cluster must live outside the private folder");

            // run.sh execs the app: SIGTERM is a clean shutdown.
            Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
            await process.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}:\n{output}");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        Assert.DoesNotContain("unbound variable", output.ToString());
    }

    [Fact]
    public async Task A_failure_is_one_line_naming_what_failed_and_how_to_fix_it()
    {
        var env = CleanEnvironment();
        env["FD_PG_PORT"] = FreePort().ToString();
        // As root: a cluster inside the private folder, which the postgres account cannot reach (the old default).
        // As anyone: a folder that cannot be created.
        env["FD_PG_DIR"] = IsRoot ? Path.Combine(Clone, ".data/pg") : "/proc/fd-cannot-create/pg";
        var result = await RunAsync(Path.Combine(Clone, "run.sh"), [], Clone, env, TimeSpan.FromMinutes(2));

        Assert.NotEqual(0, result.Code);
        Assert.DoesNotContain("unbound variable", result.Output);
        var last = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        Assert.StartsWith("run.sh: the local PostgreSQL did not start", last);
        Assert.Contains(IsRoot ? "postgres account cannot reach" : "cannot create", last);
        Assert.Contains("DATABASE_URL", last);
    }

    [Fact]
    public async Task Stop_without_dir_stops_the_cluster_run_sh_started_and_fails_loudly_when_there_is_none()
    {
        // The folder run.sh would use (FD_PG_DIR), outside the private home so that root's postgres account reaches it.
        _pgDir = IsRoot ? Path.Combine(Path.GetTempPath(), "fd-stop-" + Guid.NewGuid().ToString("N")[..8], "pg") : Path.Combine(Clone, ".data/pg");
        var env = CleanEnvironment();
        env["FD_PG_DIR"] = _pgDir;
        var script = Path.Combine(Clone, "db/dev-postgres.sh");
        var start = await RunAsync(script, ["start", "--dir", _pgDir, "--port", FreePort().ToString()], Clone, env, TimeSpan.FromMinutes(2));
        Assert.True(start.Code == 0, start.Output);
        Assert.True(File.Exists(Path.Combine(_pgDir, "postmaster.pid")), "the cluster is not running");

        var stop = await RunAsync(script, ["stop"], Clone, env, TimeSpan.FromMinutes(1));
        Assert.True(stop.Code == 0, stop.Output);
        Assert.False(File.Exists(Path.Combine(_pgDir, "postmaster.pid")), $"`stop` left the cluster in {_pgDir} running");

        // Nothing where it looks: an error naming the folder and --dir, not a silent success.
        env["FD_PG_DIR"] = Path.Combine(_home, "no-cluster-here");
        var none = await RunAsync(script, ["stop"], Clone, env, TimeSpan.FromMinutes(1));
        Assert.NotEqual(0, none.Code);
        Assert.Contains("no PostgreSQL cluster in " + env["FD_PG_DIR"], none.Output);
        Assert.Contains("--dir", none.Output);
    }

    private static Dictionary<string, string?> CleanEnvironment() => new()
    {
        ["DATABASE_URL"] = null,
        ["FD_TEST_DATABASE_URL"] = null,
        ["ASPNETCORE_URLS"] = null,
        ["ASPNETCORE_ENVIRONMENT"] = null,
        ["FD_PG_DIR"] = null,
    };

    private ProcessStartInfo Start(string file, string[] args, Dictionary<string, string?> env)
    {
        var psi = new ProcessStartInfo(file, args) { WorkingDirectory = Clone, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in env)
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }
        return psi;
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] args, string dir, Dictionary<string, string?> env, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in env)
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} took longer than {timeout}");
        }
        return (p.ExitCode, await stdout + await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
