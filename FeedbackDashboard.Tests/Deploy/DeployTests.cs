using System.Diagnostics;
using System.Text.RegularExpressions;
using FeedbackDashboard.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace FeedbackDashboard.Tests.Deploy;

/// <summary>The deploy files checked offline: Kustomize overlays rendered by kubectl, the Dockerfile's paths and build.</summary>
public sealed partial class DeployTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        var output = p.StandardOutput.ReadToEndAsync(Ct);
        var error = p.StandardError.ReadToEndAsync(Ct);
        await p.WaitForExitAsync(Ct);
        return (p.ExitCode, await output, await error);
    }

    private static async Task<List<YamlMappingNode>> RenderAsync(string overlay)
    {
        var (code, yaml, err) = await RunAsync("kubectl", "kustomize", $"deploy/k8s/overlays/{overlay}");
        Assert.True(code == 0, $"kubectl kustomize {overlay} failed: {err}");
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    private static string? Scalar(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(key, out var child)) return null;
            node = child;
        }
        return (node as YamlScalarNode)?.Value;
    }

    private static YamlNode? Node(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(key, out var child)) return null;
            node = child;
        }
        return node;
    }

    private static IEnumerable<YamlMappingNode> Containers(YamlMappingNode workload) =>
        (Node(workload, "spec", "template", "spec", "containers") as YamlSequenceNode)?.Children.Cast<YamlMappingNode>() ?? [];

    private static string Env(YamlMappingNode container, string name) =>
        (Node(container, "env") as YamlSequenceNode)?.Children.Cast<YamlMappingNode>()
        .FirstOrDefault(e => Scalar(e, "name") == name) is { } e ? Scalar(e, "value") ?? "(from secret)" : "";

    private static string Text(YamlNode node)
    {
        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    [Theory]
    [InlineData("local")]
    [InlineData("production")]
    public async Task Every_overlay_keeps_the_invariants(string overlay)
    {
        var docs = await RenderAsync(overlay);
        var deployments = docs.Where(d => Scalar(d, "kind") == "Deployment").ToDictionary(d => Scalar(d, "metadata", "name")!);

        var poller = deployments["feedback-dashboard-poller"];
        Assert.Equal("1", Scalar(poller, "spec", "replicas"));
        Assert.Equal("Recreate", Scalar(poller, "spec", "strategy", "type"));
        Assert.Equal("poller", Env(Containers(poller).Single(), "ROLE"));

        var serve = deployments["feedback-dashboard-serve"];
        Assert.All(Containers(serve), c => Assert.NotEqual("poller", Env(c, "ROLE")));
        Assert.True(int.Parse(Scalar(serve, "spec", "replicas")!) >= 1);
        // No other workload may run as a poller.
        Assert.Single(docs, d => Containers(d).Any(c => Env(c, "ROLE") == "poller"));

        // The App key Secret is referenced by the poller alone.
        var referencing = docs.Where(d => Text(d).Contains("feedback-dashboard-github-app")).Select(d => Scalar(d, "metadata", "name")).ToList();
        Assert.Equal(["feedback-dashboard-poller"], referencing);
        // The webhook secret reaches serve (deliveries arrive there) and the poller (redelivery at start).
        Assert.Equal("(from secret)", Env(Containers(serve).Single(), "GITHUB_WEBHOOK_SECRET"));
        Assert.Equal("(from secret)", Env(Containers(poller).Single(), "GITHUB_WEBHOOK_SECRET"));

        // Probes on every long-running container.
        foreach (var (name, deployment) in deployments)
        {
            foreach (var c in Containers(deployment))
            {
                Assert.True(Node(c, "livenessProbe") is not null, $"{name}/{Scalar(c, "name")} has no liveness probe");
                Assert.True(Node(c, "readinessProbe") is not null, $"{name}/{Scalar(c, "name")} has no readiness probe");
            }
        }
        foreach (var c in deployments.Where(d => d.Key.StartsWith("feedback-dashboard")).SelectMany(d => Containers(d.Value)))
        {
            Assert.Equal("/healthz", Scalar(c, "livenessProbe", "httpGet", "path"));
            Assert.Equal("/readyz", Scalar(c, "readinessProbe", "httpGet", "path"));
            Assert.NotNull(Node(c, "resources", "requests"));
        }

        // DATABASE_URL comes from a Secret; a migration Job runs `migrate`; serve has a PDB and sticky sessions.
        Assert.Contains("feedback-dashboard-database", Text(serve));
        var job = docs.Single(d => Scalar(d, "kind") == "Job");
        Assert.Contains("migrate", Text(Node(Containers(job).Single(), "args")!));
        Assert.Contains(docs, d => Scalar(d, "kind") == "PodDisruptionBudget");
        Assert.Equal("ClientIP", Scalar(docs.Single(d => Scalar(d, "kind") == "Service" && Scalar(d, "metadata", "name") == "feedback-dashboard"), "spec", "sessionAffinity"));
        Assert.Contains(docs, d => Scalar(d, "kind") == "Ingress");
    }

    [Fact]
    public async Task Local_runs_one_of_each_without_sign_in_and_production_scales_serve()
    {
        var local = await RenderAsync("local");
        Assert.Equal("1", Scalar(local.Single(d => Scalar(d, "metadata", "name") == "feedback-dashboard-serve" && Scalar(d, "kind") == "Deployment"), "spec", "replicas"));
        Assert.Equal("none", Scalar(local.Single(d => Scalar(d, "kind") == "ConfigMap"), "data", "DASHBOARD_AUTH"));

        var production = await RenderAsync("production");
        Assert.Equal("3", Scalar(production.Single(d => Scalar(d, "metadata", "name") == "feedback-dashboard-serve" && Scalar(d, "kind") == "Deployment"), "spec", "replicas"));
        Assert.Contains(production, d => Scalar(d, "kind") == "HorizontalPodAutoscaler");
        Assert.Null(Scalar(production.Single(d => Scalar(d, "kind") == "ConfigMap"), "data", "DASHBOARD_AUTH"));
    }

    [Theory]
    [InlineData("local")]
    [InlineData("production")]
    public async Task Serve_pods_require_the_allowed_orgs_and_no_overlay_ships_an_empty_list_with_sign_in(string overlay)
    {
        var docs = await RenderAsync(overlay);
        var serve = docs.Single(d => Scalar(d, "kind") == "Deployment" && Scalar(d, "metadata", "name") == "feedback-dashboard-serve");
        var env = (Node(Containers(serve).Single(), "env") as YamlSequenceNode)!.Children.Cast<YamlMappingNode>()
            .Single(e => Scalar(e, "name") == "DASHBOARD_ALLOWED_ORGS");
        Assert.Equal("DASHBOARD_ALLOWED_ORGS", Scalar(env, "valueFrom", "configMapKeyRef", "key"));
        Assert.NotEqual("true", Scalar(env, "valueFrom", "configMapKeyRef", "optional"));

        var config = docs.Single(d => Scalar(d, "kind") == "ConfigMap" && Scalar(d, "metadata", "name") == "feedback-dashboard-config");
        var orgs = Scalar(config, "data", "DASHBOARD_ALLOWED_ORGS");
        // An empty list is acceptable only where there is no sign-in at all.
        if (Scalar(config, "data", "DASHBOARD_AUTH") != "none") Assert.True(orgs is null or { Length: > 0 }, $"{overlay} ships DASHBOARD_ALLOWED_ORGS empty");
        if (overlay == "production") Assert.Null(orgs); // the operator must name their organisation
    }

    [GeneratedRegex(@"^COPY\s+(?!--from)(?<src>.+?)\s+\S+\s*$", RegexOptions.Multiline)]
    private static partial Regex CopyLine();

    [Fact]
    public async Task Dockerfile_copies_real_paths_and_its_publish_command_builds()
    {
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "deploy/Dockerfile"), Ct);
        var sources = CopyLine().Matches(dockerfile).SelectMany(m => m.Groups["src"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.NotEmpty(sources);
        foreach (var source in sources)
            Assert.True(File.Exists(Path.Combine(Repo.Root, source)) || Directory.Exists(Path.Combine(Repo.Root, source)), $"COPY {source}: no such path");

        var publish = Regex.Match(dockerfile, @"RUN dotnet publish (?<project>\S+)");
        Assert.True(publish.Success);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"FeedbackDashboard.dll\"]", dockerfile);
        Assert.Contains("USER $APP_UID", dockerfile);

        var output = Path.Combine(Path.GetTempPath(), "fd-publish-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var (code, stdout, stderr) = await RunAsync("dotnet", "publish", publish.Groups["project"].Value, "-c", "Release", "-o", output, "-nologo", "-v", "q");
            Assert.True(code == 0, $"dotnet publish failed: {stdout} {stderr}");
            Assert.True(File.Exists(Path.Combine(output, "FeedbackDashboard.dll")));
            Assert.True(Directory.Exists(Path.Combine(output, "wwwroot")), "the publish output has no wwwroot");
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }
}
