namespace FeedbackDashboard.Core.Model;

/// <summary>
/// The one table between a closed set's enum and the strings the database, GitHub and the JSON answers use for it,
/// so a wire name is written in one place and parsing is its exact inverse.
/// </summary>
public sealed class WireNames<T> where T : struct, Enum
{
    private readonly Dictionary<T, string> _toWire;
    private readonly Dictionary<string, T> _fromWire;

    public WireNames(params (T Value, string Wire)[] names)
    {
        _toWire = names.ToDictionary(n => n.Value, n => n.Wire);
        _fromWire = names.ToDictionary(n => n.Wire, n => n.Value, StringComparer.Ordinal);
        // Every member must have a name, or ToWire would throw on a value the code can hold.
        if (_toWire.Count != Enum.GetValues<T>().Length) throw new ArgumentException($"{typeof(T).Name}: every member needs one wire name");
        All = [.. names.Select(n => n.Wire)];
    }

    /// <summary>Every wire name, in the enum's declared order (the OpenAPI document lists them so).</summary>
    public IReadOnlyList<string> All { get; }

    public string ToWire(T value) => _toWire[value];

    /// <summary>The member with this exact wire name, or null for anything else.</summary>
    public T? Parse(string? wire) => wire is not null && _fromWire.TryGetValue(wire, out var value) ? value : null;

    /// <summary>Parses a value the database wrote itself: an unknown one is corrupt data, not input.</summary>
    public T FromDb(string wire, string column) => Parse(wire) ?? throw new InvalidDataException($"{column}: unknown value '{wire}'");
}
