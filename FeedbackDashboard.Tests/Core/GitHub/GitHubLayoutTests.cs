using System.Text.RegularExpressions;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Core.GitHub;

/// <summary>
/// GitHub/ is one namespace cut in three folders, as Octokit's is: Http/ at the bottom, GraphQl/ on it, Clients/ on
/// both. One namespace cannot show the layering in its usings, so this reads the folders' sources instead.
/// </summary>
public sealed partial class GitHubLayoutTests
{
    private static readonly string GitHubFolder = Path.Combine(Repo.Root, "FeedbackDashboard.Core", "GitHub");

    [Theory]
    [InlineData("Http", "Clients")]
    [InlineData("Http", "GraphQl")]
    [InlineData("GraphQl", "Clients")]
    public void A_lower_folder_names_no_type_of_a_higher_one(string lower, string higher)
    {
        var higherTypes = Sources(higher).SelectMany(s => DeclaredType().Matches(s.Code).Select(m => m.Groups[1].Value)).ToHashSet();
        Assert.NotEmpty(higherTypes);
        var lowerSources = Sources(lower);
        Assert.NotEmpty(lowerSources);

        // A name after a dot or "::" is another namespace's (global::Octokit.GitHubClient), not ours.
        var uses = from source in lowerSources
                   from type in higherTypes
                   where Regex.IsMatch(source.Code, $@"(?<![\w.:]){type}\b")
                   select $"{lower}/{source.File} names {higher}/{type}";
        Assert.Empty(uses);
    }

    private static List<(string File, string Code)> Sources(string folder) =>
        [.. Directory.GetFiles(Path.Combine(GitHubFolder, folder), "*.cs")
            .Select(f => (Path.GetFileName(f), Comment().Replace(File.ReadAllText(f), "")))];

    [GeneratedRegex(@"^(?:public|internal)\s+(?:(?:sealed|static|abstract|partial|readonly|record)\s+)*(?:class|record|enum|interface|struct)\s+(\w+)", RegexOptions.Multiline)]
    private static partial Regex DeclaredType();

    [GeneratedRegex(@"//.*")]
    private static partial Regex Comment();
}
