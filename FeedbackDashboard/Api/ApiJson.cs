using System.Text.Json;
using System.Text.Json.Serialization;
using FeedbackDashboard.Core.Insights;

namespace FeedbackDashboard.Api;

/// <summary>
/// Compile-time JSON for the answers the hot reads send: the serializer writes them with generated code instead of
/// walking its reflection metadata (its converter stack was a tenth of a feedback read's CPU). The names are the same
/// snake_case the runtime policy gives; types not listed here still go through that policy.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TaskFeedback))]
[JsonSerializable(typeof(TaskPage))]
[JsonSerializable(typeof(FeedbackAnalytics))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
