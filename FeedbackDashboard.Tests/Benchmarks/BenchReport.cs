using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FeedbackDashboard.Tests.Benchmarks;

/// <summary>
/// Collects benchmark figures, prints them as tables and writes bench-results/bench.json and bench.txt.
/// A filtered run replaces the sections it measures and keeps the others from the files already there.
/// </summary>
public static class BenchReport
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
    private static Dictionary<string, List<Dictionary<string, object?>>>? _sections;
    private static Dictionary<string, JsonElement>? _keys;
    private static readonly HashSet<string> MeasuredKeys = [];

    /// <summary>
    /// A row of a fixed top-level key of bench.json (github_cost, freshness, …: names tools compare across runs).
    /// A run replaces the keys it measures and keeps the others.
    /// </summary>
    public static void KeyRow(string key, object row)
    {
        lock (Measured)
        {
            _sections ??= Load();
            var keys = _keys ??= LoadKeys();
            var list = MeasuredKeys.Add(key) ? [] : keys[key].EnumerateArray().Select(e => (object)e).ToList();
            list.Add(row);
            keys[key] = JsonSerializer.SerializeToElement(list, Json);
            Save(_sections);
        }
    }

    /// <summary>A fixed top-level key of bench.json whose value is one object (circuits, …), replaced by each run that measures it.</summary>
    public static void KeyObject(string key, object value)
    {
        lock (Measured)
        {
            _sections ??= Load();
            var keys = _keys ??= LoadKeys();
            MeasuredKeys.Add(key);
            keys[key] = JsonSerializer.SerializeToElement(value, Json);
            Save(_sections);
        }
    }

    private static Dictionary<string, JsonElement> LoadKeys()
    {
        var path = Path.Combine(OutputDirectory, "bench.json");
        if (!File.Exists(path)) return [];
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.EnumerateObject().Where(p => p.Name is not ("machine" or "sections"))
            .ToDictionary(p => p.Name, p => p.Value.Clone());
    }
    private static readonly HashSet<string> Measured = [];

    public static string OutputDirectory =>
        Environment.GetEnvironmentVariable("BENCH_OUT") is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "bench-results");

    public static void Row(string section, Dictionary<string, object?> row)
    {
        lock (Measured)
        {
            var sections = _sections ??= Load();
            _keys ??= LoadKeys();
            if (Measured.Add(section)) sections[section] = [];
            sections[section].Add(row);
            Console.WriteLine(Table(section, sections[section]));
            Save(sections);
        }
    }

    private static Dictionary<string, List<Dictionary<string, object?>>> Load()
    {
        var path = Path.Combine(OutputDirectory, "bench.json");
        if (!File.Exists(path)) return [];
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("sections").EnumerateObject().ToDictionary(
            section => section.Name,
            section => section.Value.EnumerateArray()
                .Select(row => row.EnumerateObject().ToDictionary(cell => cell.Name, cell => (object?)(cell.Value.ValueKind switch
                {
                    JsonValueKind.Number => cell.Value.GetDouble(),
                    JsonValueKind.String => cell.Value.GetString(),
                    JsonValueKind.Null => null,
                    _ => cell.Value.ToString(),
                })))
                .ToList());
    }

    private static string Table(string section, List<Dictionary<string, object?>> rows)
    {
        var columns = rows.SelectMany(r => r.Keys).Distinct().ToList();
        string Cell(object? v) => v switch
        {
            double d => d.ToString(d >= 100 ? "N0" : "0.###"),
            null => "",
            _ => v.ToString() ?? "",
        };
        var widths = columns.Select(c => Math.Max(c.Length, rows.Max(r => Cell(r.GetValueOrDefault(c)).Length))).ToList();
        var lines = new List<string> { "", $"== {section} ==", string.Join("  ", columns.Select((c, i) => c.PadLeft(widths[i]))) };
        lines.AddRange(rows.Select(r => string.Join("  ", columns.Select((c, i) => Cell(r.GetValueOrDefault(c)).PadLeft(widths[i])))));
        return string.Join(Environment.NewLine, lines);
    }

    private static void Save(Dictionary<string, List<Dictionary<string, object?>>> sections)
    {
        Directory.CreateDirectory(OutputDirectory);
        var machine = new Dictionary<string, object?>
        {
            ["cpu"] = CpuModel(),
            ["cores"] = Environment.ProcessorCount,
            ["memory GiB"] = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024), 1),
            ["os"] = RuntimeInformation.OSDescription,
            ["dotnet"] = Environment.Version.ToString(),
            ["at"] = DateTimeOffset.UtcNow,
        };
        var document = new Dictionary<string, object?> { ["machine"] = machine, ["sections"] = sections };
        foreach (var (key, value) in _keys ?? []) document[key] = value;
        File.WriteAllText(Path.Combine(OutputDirectory, "bench.json"), JsonSerializer.Serialize(document, Json));
        var text = string.Join(Environment.NewLine, machine.Select(m => $"{m.Key}: {m.Value}"))
                   + Environment.NewLine + string.Join(Environment.NewLine, sections.Select(s => Table(s.Key, s.Value))) + Environment.NewLine;
        File.WriteAllText(Path.Combine(OutputDirectory, "bench.txt"), text);
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
