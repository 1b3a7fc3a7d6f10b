namespace FeedbackDashboard.Core.Model;

/// <summary>A review capture (review_captures.status): pending until the poller has read the review's comments, then done or failed.</summary>
public enum CaptureStatus { Pending, Done, Failed }

public static class CaptureStatuses
{
    public static WireNames<CaptureStatus> Names { get; } = new((CaptureStatus.Pending, "pending"), (CaptureStatus.Done, "done"), (CaptureStatus.Failed, "failed"));

    public static string ToWire(this CaptureStatus status) => Names.ToWire(status);

    public static CaptureStatus? Parse(string? value) => Names.Parse(value);
}

/// <summary>What became of one webhook delivery (webhook_deliveries.outcome, and the acknowledgement's outcome).</summary>
public enum DeliveryOutcome { Applied, Ignored, Failed, Replay }

public static class DeliveryOutcomes
{
    public static WireNames<DeliveryOutcome> Names { get; } = new(
        (DeliveryOutcome.Applied, "applied"), (DeliveryOutcome.Ignored, "ignored"), (DeliveryOutcome.Failed, "failed"), (DeliveryOutcome.Replay, "replay"));

    public static string ToWire(this DeliveryOutcome outcome) => Names.ToWire(outcome);
}

/// <summary>Where a run came from: registered through the API, or observed from a bot profile's comments (tasks.source).</summary>
// The attributes give the generated serializer the same wire names as the table below (the answers use it).
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<RunSource>))]
public enum RunSource
{
    [System.Text.Json.Serialization.JsonStringEnumMemberName("api")] Api,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("observed")] Observed,
}

public static class RunSources
{
    public static WireNames<RunSource> Names { get; } = new((RunSource.Api, "api"), (RunSource.Observed, "observed"));

    public static string ToWire(this RunSource source) => Names.ToWire(source);

    public static RunSource? Parse(string? value) => Names.Parse(value);
}
