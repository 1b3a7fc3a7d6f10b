using System.Text.Json;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>
/// Checks that a JSON body has the shape GitHub documents for an operation's answer: ajv against the response schema
/// in @octokit/openapi's description of api.github.com, with its <c>$ref</c>s resolved and its formats checked.
/// For the fake GitHub's tests: give GitHub's path template (<c>/repos/{owner}/{repo}/…</c>, no <c>/api/v3</c>).
/// </summary>
/// <remarks>Each call starts node and reads the 13 MB description (about a second): ask for many at once.</remarks>
public static class OpenApiShapes
{
    public sealed record Sample(string Method, string PathTemplate, int Status, string Json);

    /// <summary>The schema errors of <paramref name="json"/>; empty when it has GitHub's shape.</summary>
    public static async Task<IReadOnlyList<string>> ValidateAsync(string method, string pathTemplate, int status, string json,
        CancellationToken ct = default) =>
        (await ValidateManyAsync([new Sample(method, pathTemplate, status, json)], ct))[0];

    /// <summary>The schema errors of each sample, in order, from one node run.</summary>
    public static async Task<IReadOnlyList<IReadOnlyList<string>>> ValidateManyAsync(IReadOnlyList<Sample> samples,
        CancellationToken ct = default)
    {
        var answer = await GitHubSchemaNode.RunAsync(new
        {
            restShapes = samples.Select(s => new { method = s.Method, path = s.PathTemplate, status = s.Status, json = s.Json }),
        }, ct);
        return [.. answer.GetProperty("restShapes").EnumerateArray()
            .Select(r => (IReadOnlyList<string>)[.. r.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!)])];
    }

    /// <summary>Fails the test with every error unless each sample has GitHub's shape.</summary>
    public static async Task AssertValidAsync(IReadOnlyList<Sample> samples, CancellationToken ct = default)
    {
        var results = await ValidateManyAsync(samples, ct);
        var failures = samples.Zip(results)
            .Where(p => p.Second.Count > 0)
            .Select(p => $"{p.First.Method} {p.First.PathTemplate} {p.First.Status}:\n  " + string.Join("\n  ", p.Second))
            .ToList();
        Assert.True(failures.Count == 0, "answers without GitHub's shape:\n" + string.Join("\n", failures));
    }

    /// <summary>For each (method, template): whether GitHub documents it, and documented templates with the same shape.</summary>
    public static async Task<IReadOnlyList<(string Method, string Path, bool Exists, IReadOnlyList<string> Similar)>> PathsAsync(
        IReadOnlyList<(string Method, string Path)> operations, CancellationToken ct = default)
    {
        var answer = await GitHubSchemaNode.RunAsync(new
        {
            restPaths = operations.Select(o => new { method = o.Method, path = o.Path }),
        }, ct);
        return [.. answer.GetProperty("restPaths").EnumerateArray().Select(r => (
            r.GetProperty("method").GetString()!,
            r.GetProperty("path").GetString()!,
            r.GetProperty("exists").GetBoolean(),
            (IReadOnlyList<string>)[.. r.GetProperty("similar").EnumerateArray().Select(e => e.GetString()!)]))];
    }
}
