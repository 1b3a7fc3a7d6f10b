using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Model;

namespace FeedbackDashboard.Api;

/// <summary>
/// The export's rows in NDJSON (default) or CSV. The fields of a row are listed once, in <see cref="WriteRow"/>; each
/// format is a sink for them, and the CSV header is the same list's names, so the two formats cannot drift apart.
/// </summary>
public abstract class ExportWriter
{
    private const int FlushBytes = 64 * 1024;
    private readonly ArrayBufferWriter<byte> _buffer = new(128 * 1024);

    public abstract string ContentType { get; }

    public static ExportWriter For(string format) => format == "csv" ? new Csv() : new Ndjson();

    /// <summary>Streams the rows: they gather in a small buffer that goes out every 64 KiB, so memory stays flat.</summary>
    public async Task WriteAsync(Stream body, IAsyncEnumerable<ExportRow> rows, CancellationToken ct)
    {
        Begin(_buffer);
        await foreach (var row in rows.WithCancellation(ct))
        {
            WriteRow(row);
            EndRow(_buffer);
            if (_buffer.WrittenCount >= FlushBytes)
            {
                await body.WriteAsync(_buffer.WrittenMemory, ct);
                _buffer.ResetWrittenCount();
            }
        }
        await body.WriteAsync(_buffer.WrittenMemory, ct);
    }

    /// <summary>One reaction and what it is about, under the API's names (README).</summary>
    private void WriteRow(ExportRow row)
    {
        String("task_id", row.TaskId.ToString());
        Json("labels", row.Labels);
        String("repository", row.Repository);
        Number("pr_number", row.PrNumber);
        String("comment_kind", row.CommentKind);
        Number("github_comment_id", row.GithubCommentId);
        Text("file", row.File);
        Number("line", row.Line);
        Text("rule", row.Tags.Rule);
        Text("category", row.Tags.Category);
        Text("severity", row.Tags.Severity);
        Text("fingerprint", row.Tags.Fingerprint);
        Number("reactor_id", row.ReactorId);
        Text("reactor_login", row.ReactorLogin);
        String("reactor_association", row.ReactorAssociation);
        String("content", row.Content);
        String("reacted_at", row.ReactedAt.ToString("O", CultureInfo.InvariantCulture));
        // The comment's signals: null until read, thread fields null for reply comments.
        String("html_url", row.HtmlUrl);
        Bool("outdated", row.Signals.Outdated);
        Bool("resolved", row.Signals.Resolved);
        Text("resolved_by", row.Signals.ResolvedBy);
        Bool("resolved_by_bot", row.Signals.ResolvedByBot);
        Bool("minimized", row.Signals.Minimized);
        String("minimized_reason", row.Signals.MinimizedReason);
        Number("human_replies", row.Signals.HumanReplies);
        Bool("addressed", row.Signals.Addressed);
        Bool("disputed", row.Disputed);
        // What became of the comment (see the contract's Dispositions).
        Bool("suggestion", row.Disposition.Suggestion);
        Bool("applied", row.Disposition.Applied);
        String("applied_commit", row.Disposition.AppliedCommit);
        String("resolved_by_kind", row.Disposition.ResolvedByKind);
        String("disposition", row.Disposition.Disposition);
        Number("reraise_of", row.Disposition.ReraiseOf);
    }

    /// <summary>The field names in order (the CSV header).</summary>
    public static IReadOnlyList<string> FieldNames { get; } = Names();

    private static List<string> Names()
    {
        var names = new NameSink();
        names.WriteRow(new ExportRow(0, Guid.Empty, "", 0, "", 0, null, null, 0, "", "", "", default));
        return names.List;
    }

    /// <summary>
    /// The row's schema for the OpenAPI document, from the same field list: a field the sample row (every optional
    /// part absent) writes as null is nullable.
    /// </summary>
    public static Microsoft.OpenApi.OpenApiSchema RowSchema()
    {
        var schema = new SchemaSink();
        schema.WriteRow(new ExportRow(0, Guid.Empty, "", 0, "", 0, null, null, 0, "", "", "", default));
        return new Microsoft.OpenApi.OpenApiSchema
        {
            Type = Microsoft.OpenApi.JsonSchemaType.Object,
            Description = "One reaction of the export (an NDJSON line, or a CSV row under a header of these names).",
            Properties = schema.Properties,
            Required = new HashSet<string>(schema.Properties.Keys),
        };
    }

    protected virtual void Begin(ArrayBufferWriter<byte> buffer) { }
    protected abstract void EndRow(ArrayBufferWriter<byte> buffer);
    protected abstract void String(string name, string? value);
    /// <summary>Free text someone outside supplied (a bot's rule fields, a file path, a GitHub login).</summary>
    protected virtual void Text(string name, string? value) => String(name, value);
    protected abstract void Number(string name, long? value);
    protected abstract void Bool(string name, bool? value);
    /// <summary>A JSON value kept as JSON (the labels object).</summary>
    protected abstract void Json(string name, string json);

    protected ArrayBufferWriter<byte> Buffer => _buffer;

    private sealed class NameSink : ExportWriter
    {
        public List<string> List { get; } = [];
        public override string ContentType => "";
        protected override void EndRow(ArrayBufferWriter<byte> buffer) { }
        protected override void String(string name, string? value) => List.Add(name);
        protected override void Number(string name, long? value) => List.Add(name);
        protected override void Bool(string name, bool? value) => List.Add(name);
        protected override void Json(string name, string json) => List.Add(name);
    }

    private sealed class SchemaSink : ExportWriter
    {
        public Dictionary<string, Microsoft.OpenApi.IOpenApiSchema> Properties { get; } = [];
        public override string ContentType => "";
        protected override void EndRow(ArrayBufferWriter<byte> buffer) { }

        private void Add(string name, Microsoft.OpenApi.JsonSchemaType type, bool nullable, string? format = null)
        {
            var schema = new Microsoft.OpenApi.OpenApiSchema { Type = nullable ? type | Microsoft.OpenApi.JsonSchemaType.Null : type, Format = format };
            if (ApiSchemas.ExportEnums.TryGetValue(name, out var values))
                schema.Enum = [.. values.Select(v => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(v)), .. nullable ? [null!] : Array.Empty<System.Text.Json.Nodes.JsonNode>()];
            Properties[name] = schema;
        }

        protected override void String(string name, string? value) => Add(name, Microsoft.OpenApi.JsonSchemaType.String, value is null,
            name == "task_id" ? "uuid" : name == "reacted_at" ? "date-time" : null);
        protected override void Number(string name, long? value) => Add(name, Microsoft.OpenApi.JsonSchemaType.Integer, value is null, "int64");
        protected override void Bool(string name, bool? value) => Add(name, Microsoft.OpenApi.JsonSchemaType.Boolean, value is null);
        protected override void Json(string name, string json) => Properties[name] = new Microsoft.OpenApi.OpenApiSchema
        {
            Type = Microsoft.OpenApi.JsonSchemaType.Object,
            AdditionalProperties = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String },
        };
    }

    private sealed class Ndjson : ExportWriter
    {
        private readonly Utf8JsonWriter _json;

        public Ndjson() => _json = new Utf8JsonWriter(Buffer);

        public override string ContentType => "application/x-ndjson; charset=utf-8";

        private void StartIfNeeded()
        {
            if (_json.CurrentDepth == 0) _json.WriteStartObject();
        }

        protected override void EndRow(ArrayBufferWriter<byte> buffer)
        {
            _json.WriteEndObject();
            _json.Flush();
            _json.Reset();
            buffer.Write("\n"u8);
        }

        protected override void String(string name, string? value)
        {
            StartIfNeeded();
            if (value is null) _json.WriteNull(name); else _json.WriteString(name, value);
        }

        protected override void Number(string name, long? value)
        {
            StartIfNeeded();
            if (value is null) _json.WriteNull(name); else _json.WriteNumber(name, value.Value);
        }

        protected override void Bool(string name, bool? value)
        {
            StartIfNeeded();
            if (value is null) _json.WriteNull(name); else _json.WriteBoolean(name, value.Value);
        }

        protected override void Json(string name, string json)
        {
            StartIfNeeded();
            _json.WritePropertyName(name);
            _json.WriteRawValue(json, skipInputValidation: true); // PostgreSQL's own jsonb text
        }
    }

    /// <summary>RFC 4180: comma-separated, a header row, fields with a comma, quote or line break quoted, CRLF rows.</summary>
    private sealed class Csv : ExportWriter
    {
        private bool _first = true;

        public override string ContentType => "text/csv; charset=utf-8; header=present";

        protected override void Begin(ArrayBufferWriter<byte> buffer)
        {
            foreach (var name in FieldNames) Cell(name);
            EndRow(buffer);
        }

        protected override void EndRow(ArrayBufferWriter<byte> buffer)
        {
            buffer.Write("\r\n"u8);
            _first = true;
        }

        private void Cell(string? text)
        {
            if (!_first) Buffer.Write(","u8);
            _first = false;
            if (text is null) return;
            if (text.AsSpan().IndexOfAny(",\"\r\n") < 0) Encoding.UTF8.GetBytes(text, Buffer);
            else
            {
                Buffer.Write("\""u8);
                Encoding.UTF8.GetBytes(text.Replace("\"", "\"\""), Buffer);
                Buffer.Write("\""u8);
            }
        }

        protected override void String(string name, string? value) => Cell(value);

        // A spreadsheet reads a cell starting with = + - @ (or a tab or CR before one) as a formula: the leading
        // apostrophe is the quote that makes Excel, LibreOffice and Sheets show it as text.
        protected override void Text(string name, string? value) =>
            Cell(value is { Length: > 0 } && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value);

        protected override void Number(string name, long? value) => Cell(value?.ToString(CultureInfo.InvariantCulture));
        protected override void Bool(string name, bool? value) => Cell(value is null ? null : value.Value ? "true" : "false");
        protected override void Json(string name, string json) => Cell(json);
    }
}
