using System.Text.Json;
using System.Text.Json.Serialization;

namespace FeedbackDashboard.Core.Model;

/// <summary>
/// The one snake_case JSON setting of the product (the API's fields are snake_case): the API's request bodies, its
/// responses and the JSON the capture stores all use it, so a name can't differ between what is read and written.
/// </summary>
public static class SnakeCaseJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Applies the setting to options owned by someone else (ASP.NET Core's HTTP JSON options).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = null; // label keys are data, written as given
        o.UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip;
        // A number sent as a string is a client mistake, reported by field rather than guessed at.
        o.NumberHandling = JsonNumberHandling.Strict;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return o;
    }
}
