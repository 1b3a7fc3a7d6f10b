using System.Text.Json;

namespace FeedbackDashboard.Tests.Benchmarks;

/// <summary>Collects benchmark figures, prints them as tables and writes bench-results/bench.json.</summary>
public static class BenchReport
{
    private static readonly Dictionary<string, List<Dictionary<string, object?>>> Sections = [];

    public static string OutputDirectory =>
        Environment.GetEnvironmentVariable("BENCH_OUT") is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "bench-results");

    public static void Row(string section, Dictionary<string, object?> row)
    {
        lock (Sections)
        {
            if (!Sections.TryGetValue(section, out var rows)) Sections[section] = rows = [];
            rows.Add(row);
            Print(section, rows);
            Save();
        }
    }

    private static void Print(string section, List<Dictionary<string, object?>> rows)
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
        var text = string.Join(Environment.NewLine, lines);
        Console.WriteLine(text);
        Directory.CreateDirectory(OutputDirectory);
        File.AppendAllText(Path.Combine(OutputDirectory, "bench.txt"), text + Environment.NewLine);
    }

    private static void Save()
    {
        Directory.CreateDirectory(OutputDirectory);
        var machine = new Dictionary<string, object?>
        {
            ["cores"] = Environment.ProcessorCount,
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            ["dotnet"] = Environment.Version.ToString(),
            ["at"] = DateTimeOffset.UtcNow,
        };
        File.WriteAllText(Path.Combine(OutputDirectory, "bench.json"),
            JsonSerializer.Serialize(new { machine, sections = Sections }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
    }

    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
