namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>The repository the tests were built from.</summary>
public static class Repo
{
    /// <summary>The folder holding FeedbackDashboard.sln, above the test binaries (found once).</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FeedbackDashboard.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
