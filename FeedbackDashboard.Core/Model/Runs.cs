namespace FeedbackDashboard.Core.Model;

/// <summary>The poller's scheduled jobs, as poll_cycles.job and the health answer name them.</summary>
public enum Job { Reactions, Maintainers, Observe }

public static class Jobs
{
    public static WireNames<Job> Names { get; } = new((Job.Reactions, "reactions"), (Job.Maintainers, "maintainers"), (Job.Observe, "observe"));

    public static string ToWire(this Job job) => Names.ToWire(job);

    public static Job? Parse(string? value) => Names.Parse(value);
}

/// <summary>
/// A job run's status as poll_cycles stores it: running while it runs, then how it ended; interrupted when its poller
/// died before writing the end (closed later by another poller or the next start).
/// </summary>
public enum CycleStatus { Running, Ok, Partial, Failed, Cancelled, Interrupted }

public static class CycleStatuses
{
    public static WireNames<CycleStatus> Names { get; } = new(
        (CycleStatus.Running, "running"), (CycleStatus.Ok, "ok"), (CycleStatus.Partial, "partial"), (CycleStatus.Failed, "failed"),
        (CycleStatus.Cancelled, "cancelled"), (CycleStatus.Interrupted, "interrupted"));

    public static string ToWire(this CycleStatus status) => Names.ToWire(status);

    public static CycleStatus? Parse(string? value) => Names.Parse(value);
}

/// <summary>A job's health: disabled (never ran), failing (its last three runs failed), late (no finished run in two intervals), else healthy.</summary>
public enum HealthStatus { Healthy, Late, Failing, Disabled }

public static class HealthStatuses
{
    public static WireNames<HealthStatus> Names { get; } = new(
        (HealthStatus.Healthy, "healthy"), (HealthStatus.Late, "late"), (HealthStatus.Failing, "failing"), (HealthStatus.Disabled, "disabled"));

    public static string ToWire(this HealthStatus status) => Names.ToWire(status);
}

/// <summary>What keeps the poller from its work, per installation or repository (poller_conditions.kind).</summary>
public enum ConditionKind { AccessLost, RateLimited, TokenFailed, Renamed, BudgetLimited }

public static class ConditionKinds
{
    public static WireNames<ConditionKind> Names { get; } = new(
        (ConditionKind.AccessLost, "access_lost"), (ConditionKind.RateLimited, "rate_limited"), (ConditionKind.TokenFailed, "token_failed"),
        (ConditionKind.Renamed, "renamed"), (ConditionKind.BudgetLimited, "budget_limited"));

    public static string ToWire(this ConditionKind kind) => Names.ToWire(kind);

    public static ConditionKind? Parse(string? value) => Names.Parse(value);
}
