using System.Text.RegularExpressions;

namespace FeedbackDashboard.Tests.Core;

/// <summary>
/// The house rules of FeedbackDashboard.Core read from its source: each table has one writing folder, the folders'
/// namespaces form no cycle, and rows are read by column name. A newcomer breaking one learns it here, by name.
/// </summary>
public sealed partial class ArchitectureTests
{
    private static readonly string CoreRoot = Path.Combine(RepoRoot(), "FeedbackDashboard.Core");

    /// <summary>Every .cs file of Core with its folder (the first directory under Core; null for the root files).</summary>
    private static readonly IReadOnlyList<(string Path, string? Folder, string Text)> Sources = Directory
        .EnumerateFiles(CoreRoot, "*.cs", SearchOption.AllDirectories)
        .Select(path => (Relative: Path.GetRelativePath(CoreRoot, path).Replace('\\', '/'), Path: path))
        .Where(f => !f.Relative.StartsWith("bin/", StringComparison.Ordinal) && !f.Relative.StartsWith("obj/", StringComparison.Ordinal))
        .Select(f => (Path: f.Relative, Folder: f.Relative.Contains('/') ? f.Relative[..f.Relative.IndexOf('/')] : null, Text: File.ReadAllText(f.Path)))
        .OrderBy(f => f.Path, StringComparer.Ordinal)
        .ToList();

    [Theory]
    [InlineData("review_comments")]
    [InlineData("maintainers")]
    [InlineData("poller_conditions")]
    public void A_table_is_written_from_one_folder(string table)
    {
        var write = new Regex($@"\b(insert\s+into|update|delete\s+from)\s+{table}\b", RegexOptions.IgnoreCase);
        var writers = Sources.Where(s => write.IsMatch(s.Text)).ToList();

        Assert.NotEmpty(writers);
        var folders = writers.Select(w => w.Folder ?? "(root)").Distinct().ToList();
        Assert.True(folders.Count == 1,
            $"{table} is written from {folders.Count} folders: {string.Join("; ", folders.Select(f => $"{f} ({string.Join(", ", writers.Where(w => (w.Folder ?? "(root)") == f).Select(w => w.Path))})"))}");
    }

    [Fact]
    public void Repositories_rows_and_their_access_and_identity_are_written_from_one_folder()
    {
        var rows = new Regex(@"\b(insert\s+into|delete\s+from)\s+repositories\b", RegexOptions.IgnoreCase);
        var writers = Sources
            .Where(s => rows.IsMatch(s.Text) || UpdateRepositoriesSet().Matches(s.Text).Any(m => OwnedColumn().IsMatch(m.Groups["set"].Value)))
            .ToList();

        Assert.NotEmpty(writers);
        var folders = writers.Select(w => w.Folder ?? "(root)").Distinct().ToList();
        Assert.True(folders.Count == 1,
            $"repositories rows, access state or identity are written from {folders.Count} folders: {string.Join("; ", folders.Select(f => $"{f} ({string.Join(", ", writers.Where(w => (w.Folder ?? "(root)") == f).Select(w => w.Path))})"))}");
    }

    [Fact]
    public void The_folders_namespaces_form_no_cycle()
    {
        var folders = Sources.Where(s => s.Folder is not null).Select(s => s.Folder!).ToHashSet(StringComparer.Ordinal);
        var edges = folders.ToDictionary(f => f, _ => new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var (_, folder, text) in Sources)
        {
            if (folder is null) continue;
            foreach (Match m in CoreNamespace().Matches(text))
            {
                var target = m.Groups["folder"].Value;
                if (target != folder && folders.Contains(target)) edges[folder].Add(target);
            }
        }

        Assert.NotEmpty(edges.Values.SelectMany(e => e));
        var cycle = FindCycle(edges);
        Assert.True(cycle is null, $"the Core folders' namespaces form a cycle: {string.Join(" -> ", cycle ?? [])}");
    }

    [Fact]
    public void Core_reads_no_row_by_position()
    {
        var positional = Sources
            .SelectMany(s => s.Text.Split('\n').Select((line, i) => (s.Path, Line: i + 1, Text: line)))
            .Where(l => !l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal) && PositionalRead().IsMatch(l.Text))
            .Select(l => $"{l.Path}:{l.Line}: {l.Text.Trim()}")
            .ToList();

        Assert.True(positional.Count == 0, $"rows read by position (read them by column name, Data/Columns.cs):\n{string.Join("\n", positional)}");
    }

    [Fact]
    public void The_positional_read_rule_catches_what_it_is_meant_to()
    {
        // The rule above passes vacuously if its pattern matches nothing, so the pattern itself is held to examples.
        Assert.Matches(PositionalRead(), "list.Add(r.GetInt64(0));");
        Assert.Matches(PositionalRead(), "r.IsDBNull(4) ? null : r.GetString(4)");
        Assert.Matches(PositionalRead(), "r.GetFieldValue<DateTimeOffset>(2)");
        Assert.Matches(PositionalRead(), "await r.IsDBNullAsync(0, ct)");
        Assert.DoesNotMatch(PositionalRead(), "r.Get<long>(\"id\")");
        Assert.DoesNotMatch(PositionalRead(), "r.GetInt64(comment)");
        Assert.DoesNotMatch(PositionalRead(), "RandomNumberGenerator.GetBytes(32)");
        Assert.Equal(new[] { "Bots", "Comments" }, FindCycle(new Dictionary<string, SortedSet<string>>
        {
            ["Bots"] = ["Comments"],
            ["Comments"] = ["Bots"],
            ["Model"] = [],
        })!.Distinct().Order());
        Assert.Null(FindCycle(new Dictionary<string, SortedSet<string>> { ["Bots"] = ["Comments"], ["Comments"] = ["Model"], ["Model"] = [] }));
        Assert.Matches(UpdateRepositoriesSet(), "update repositories set access_lost_at = @now where id = @id");
        Assert.Equal(" access_lost_at = @now ", UpdateRepositoriesSet().Match("update repositories set access_lost_at = @now where id = @id").Groups["set"].Value);
        Assert.Matches(OwnedColumn(), " full_name = @name, name = @n ");
        Assert.DoesNotMatch(OwnedColumn(), " maintainers_guard_hash = @hash, installed = true ");
    }

    /// <summary>A cycle as the folders along it (first repeated at the end), or null.</summary>
    private static List<string>? FindCycle(IReadOnlyDictionary<string, SortedSet<string>> edges)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            var at = path.IndexOf(node);
            if (at >= 0) return [.. path[at..], node];
            if (!done.Add(node)) return null;
            path.Add(node);
            foreach (var next in edges.GetValueOrDefault(node) ?? [])
                if (Visit(next) is { } cycle) return cycle;
            path.RemoveAt(path.Count - 1);
            return null;
        }
        foreach (var node in edges.Keys.Order(StringComparer.Ordinal))
            if (Visit(node) is { } cycle) return cycle;
        return null;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FeedbackDashboard.sln"))) return dir.FullName;
        throw new InvalidOperationException($"FeedbackDashboard.sln not found above {AppContext.BaseDirectory}");
    }

    /// <summary>A using directive of a Core folder's namespace or a fully qualified name in one.</summary>
    [GeneratedRegex(@"(^\s*using\s+(static\s+)?(\w+\s*=\s*)?FeedbackDashboard\.Core\.(?<folder>\w+)\s*;)|(\bFeedbackDashboard\.Core\.(?<folder>\w+)\.)", RegexOptions.Multiline)]
    private static partial Regex CoreNamespace();

    /// <summary>A data reader's typed getter or null test given a column position.</summary>
    [GeneratedRegex(@"\.(GetBoolean|GetByte|GetChar|GetDateTime|GetDecimal|GetDouble|GetFloat|GetGuid|GetInt16|GetInt32|GetInt64|GetString|GetValue|GetTimeSpan|GetFieldValue(Async)?(<[^()]*>)?|IsDBNull(Async)?)\(\s*\d")]
    private static partial Regex PositionalRead();

    /// <summary>An UPDATE of repositories with its SET list (up to WHERE, FROM, RETURNING or the end of the SQL).</summary>
    [GeneratedRegex(@"\bupdate\s+repositories(\s+(as\s+)?\w+)?\s+set\b(?<set>.*?)(\bwhere\b|\bfrom\b|\breturning\b|""""""|$)", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex UpdateRepositoriesSet();

    /// <summary>The columns of a repository's access state and identity, which one folder owns.</summary>
    [GeneratedRegex(@"(?<![\w.])(access_lost_at|installation_id|github_id|owner|name|full_name)\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex OwnedColumn();
}
