using System.Text.Json.Nodes;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Model;
using Microsoft.OpenApi;

namespace FeedbackDashboard.Api;

/// <summary>
/// The query parameters each endpoint reads, as the OpenAPI document describes them. The handlers parse the query
/// themselves (QueryArgs, to name every bad field at once), so minimal APIs cannot see these; each endpoint names its
/// set with <see cref="WithQuery"/> and the document transformer writes them out.
/// </summary>
public static class ApiQuery
{
    /// <summary>A query parameter: its name, schema and what it means.</summary>
    public sealed record Parameter(string Name, Func<OpenApiSchema> Schema, string Description, ParameterStyle? Style = null);

    /// <summary>Endpoint metadata: the query parameters it reads.</summary>
    public sealed record Declared(IReadOnlyList<Parameter> Parameters);

    public static RouteHandlerBuilder WithQuery(this RouteHandlerBuilder builder, params IEnumerable<Parameter>[] sets) =>
        builder.WithMetadata(new Declared([.. sets.SelectMany(s => s)]));

    // A string without control characters, as QueryArgs.Text and CaptureValidation.Text accept it.
    internal const string NoControlCharacters = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";

    internal const string RepositoryPattern = "^[A-Za-z0-9][A-Za-z0-9-]{0,38}/(?!\\.{1,2}$)[A-Za-z0-9._-]{1,100}$";
    internal const string LabelKeyPattern = "^[a-z0-9_.-]{1,40}$";

    internal static OpenApiSchema Text(int max, string? pattern = NoControlCharacters) =>
        new() { Type = JsonSchemaType.String, MinLength = 1, MaxLength = max, Pattern = pattern };

    internal static OpenApiSchema Enum(params string[] values) =>
        new() { Type = JsonSchemaType.String, Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))] };

    internal static OpenApiSchema Integer(long min, long max, long? fallback = null) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int32",
        Minimum = min.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Maximum = max.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Default = fallback is { } f ? JsonValue.Create(f) : null,
    };

    internal static OpenApiSchema Timestamp() => new() { Type = JsonSchemaType.String, Format = "date-time" };

    // QueryArgs.Date reads a bare date as midnight UTC, and the README's own filters send one (from=2026-11-01).
    internal static OpenApiSchema DateOrTimestamp() => new()
    {
        Type = JsonSchemaType.String,
        AnyOf = [Timestamp(), new OpenApiSchema { Type = JsonSchemaType.String, Format = "date" }],
    };

    private static Parameter Date(string name, string what) => new(name, DateOrTimestamp,
        $"{what}: an RFC 3339 date-time (`2026-11-01T00:00:00Z`; an offset is converted to UTC) or a date (`2026-11-01`, midnight UTC).");

    public static readonly Parameter Repository = new("repository", () => Text(CaptureValidation.Limits.Repository, RepositoryPattern),
        "Only this repository, `owner/name` (as GitHub spells it).");

    public static readonly IReadOnlyList<Parameter> Period =
    [
        Date("from", "Start, inclusive"),
        Date("to", "End, exclusive; after `from`"),
    ];

    /// <summary>
    /// label.KEY=VALUE in the contract's form, documented as one object parameter in deepObject style
    /// (<c>label[KEY]=VALUE</c>, which the server accepts too): OpenAPI has no style that writes <c>label.KEY</c>, and a
    /// parameter literally named <c>label.{key}</c> is a fixed name to every generator, while deepObject objects are
    /// what openapi-fetch writes by default and Redocly validates.
    /// </summary>
    public static readonly Parameter Labels = new("label", () => new OpenApiSchema
    {
        Type = JsonSchemaType.Object,
        PropertyNames = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = LabelKeyPattern },
        AdditionalProperties = Text(CaptureValidation.Limits.LabelValue),
        MaxProperties = CaptureValidation.MaxLabels,
    }, "Only runs carrying every one of these labels: `label[KEY]=VALUE`, or in the contract's form `label.KEY=VALUE` " +
       "(KEY 1-40 of a-z 0-9 _ . -, VALUE 1-200 characters), e.g. `label[model]=gpt-5` or `label.model=gpt-5`.", ParameterStyle.DeepObject);

    public static readonly Parameter Rule = new("rule", () => Text(CaptureValidation.Limits.Rule),
        "Only comments (runs with a comment) captured with this rule.");

    public static readonly Parameter Category = new("category", () => Text(CaptureValidation.Limits.Category),
        "Only comments (runs with a comment) captured with this category.");

    public static readonly Parameter Bot = new("bot", () => Text(40, LabelKeyPattern),
        "Only runs of this bot profile (the same as `label.bot=NAME`).");

    public static readonly IReadOnlyList<Parameter> TaskList =
    [
        Repository, .. Period,
        new("page", () => Integer(1, 1_000_000, 1), "Page number, from 1."),
        new("page_size", () => Integer(1, FeedbackQueries.MaxPageSize, 50), $"Runs per page, at most {FeedbackQueries.MaxPageSize}."),
        new("has_down", () => new OpenApiSchema { Type = JsonSchemaType.Boolean, Default = JsonValue.Create(false) }, "Only runs with a 👎."),
        new("down_not_addressed", () => new OpenApiSchema { Type = JsonSchemaType.Boolean, Default = JsonValue.Create(false) },
            "Only runs with a 👎 comment that was not addressed."),
        Labels, Rule, Category,
        new("source", () => Enum([.. RunSources.Names.All]), "Only runs registered through the API, or only runs observed from a bot profile."),
        Bot,
    ];

    public static readonly IReadOnlyList<Parameter> Export =
    [
        Repository, Date("from", "Reacted at or after"), Date("to", "Reacted before"),
        new("format", () => { var s = Enum("ndjson", "csv"); s.Default = JsonValue.Create("ndjson"); return s; },
            "`ndjson` (one JSON object a line) or `csv` (a header row of the same names)."),
    ];

    public static readonly Parameter Bucket = new("bucket", () => { var s = Enum("day", "week"); s.Default = JsonValue.Create("day"); return s; },
        "The series' bucket.");

    /// <summary>The filters analytics and compare share (compare's own <c>label</c> takes the name of the labels object).</summary>
    public static readonly IReadOnlyList<Parameter> AnalyticsFilters =
    [
        Repository,
        new("role", () => { var s = Enum("all", "maintainers", "pr_author"); s.Default = JsonValue.Create("all"); return s; },
            "Whose reactions (and resolutions) count: everyone's, the repository's maintainers', or the pull request author's."),
        Rule, Category, Bucket, Bot,
    ];

    public static readonly IReadOnlyList<Parameter> Analytics =
    [
        .. AnalyticsFilters, Labels,
        Date("from", $"Start (default: 30 days before `to`; at most {AnalyticsQueries.MaxDays} days before it)"),
        Date("to", "End (default: now)"),
        new("group_by", () => new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            AnyOf = [Enum(GroupDims.Repository, GroupDims.Rule, GroupDims.Category, GroupDims.Severity, "bot"),
                new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^label:[a-z0-9_.-]{1,40}$" }],
        }, "Adds `groups`, largest first: by repository, rule, category, severity, bot (`label:bot`) or a label's value (`label:KEY`)."),
    ];

    public static readonly IReadOnlyList<Parameter> Compare =
    [
        .. AnalyticsFilters,
        new("label", () => Text(40, LabelKeyPattern),
            "Compare two values of this label key (with `a` and `b`); the runs may still be filtered by other labels with `label.KEY=VALUE`."),
        new("a", () => Text(CaptureValidation.Limits.LabelValue), "The first label value (with `label`)."),
        new("b", () => Text(CaptureValidation.Limits.LabelValue), "The second label value (with `label`); differs from `a`."),
        Date("from", "With `label`: start (default: 30 days before `to`)"),
        Date("to", "With `label`: end (default: now)"),
        Date("a_from", "Two periods: the first period's start"),
        Date("a_to", "Two periods: the first period's end"),
        Date("b_from", "Two periods: the second period's start"),
        Date("b_to", "Two periods: the second period's end"),
        new("paired", () => new OpenApiSchema { Type = JsonSchemaType.Boolean, Default = JsonValue.Create(false) },
            "With `label`: count only pull requests on which both values commented in the period (the fair comparison: same code, same people)."),
    ];

    /// <summary>The bots' leaderboard reads the analytics filters over a period (no series, so no bucket).</summary>
    public static readonly IReadOnlyList<Parameter> Leaderboard =
    [
        .. AnalyticsFilters.Where(p => p.Name != Bucket.Name), Labels,
        Date("from", "Start (default: 30 days before `to`)"),
        Date("to", "End (default: now)"),
    ];

    public static readonly IReadOnlyList<Parameter> Rules =
    [
        Date("from", $"Start (default: {RulesApi.DefaultDays} days before `to`)"),
        Date("to", "End (default: now)"),
        new("min_reactions", () => Integer(0, 1_000_000, 0), "Leave out rules with fewer maintainer reactions."),
    ];
}
