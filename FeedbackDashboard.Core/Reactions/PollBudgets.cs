using System.Text.Json;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Repositories;
using Npgsql;

namespace FeedbackDashboard.Core.Reactions;

/// <summary>An installation's budget as the health page shows it.</summary>
public sealed record InstallationBudget(long InstallationId, int Limit, double Share, int PointsPerHour, int CommentsInWindow,
    int Capacity, ExpectedLag ExpectedLagS);

/// <summary>
/// POLLER_SCHEDULE=budget, per installation: reads what GitHub last said of its budget, plans this cycle's points
/// (<see cref="PollScheduling.Plan"/>), selects that many comments by priority, and afterwards records the reading,
/// the points spent and the lag to expect; a budget that can't poll the whole window opens a budget_limited condition.
/// </summary>
public sealed class PollBudgets(NpgsqlDataSource db, PollSelection selection, PollConditions conditions, FeedbackSettings settings)
{
    private RateBucket Bucket => settings.PollerStrategy == PollerStrategy.GraphQl ? RateBucket.GraphQl : RateBucket.Core;

    /// <summary>Each installation's points for the current cycle, as planned (the thread reads spend what comments left).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, double> _allowed = new();

    /// <summary>
    /// GraphQL points the installation may still spend this cycle (budget schedule, GraphQL strategy), or null when the
    /// GraphQL bucket is not what the budget plans (tiers, or REST, whose budget is the core bucket).
    /// </summary>
    public double? GraphQlPointsLeft(GitHubUsage usage, long installationId) =>
        settings.PollerSchedule == PollerSchedule.Budget && Bucket == RateBucket.GraphQl && _allowed.TryGetValue(installationId, out var allowed)
            ? allowed - usage.PointsOf(installationId, RateBucket.GraphQl)
            : null;
    private double PointsPerComment => Bucket == RateBucket.GraphQl ? PollScheduling.GraphQlPointsPerComment : PollScheduling.RestPointsPerComment;

    public async Task<List<PollableComment>> SelectAsync(GitHubUsage usage, GitHubClient github, long installationId, DateTimeOffset now,
        CancellationToken ct)
    {
        var counts = await selection.CountAsync(installationId, now, settings.PollerWindowDays, ct);
        var reading = await ReadingAsync(installationId, ct);
        if (reading?.Limit is null)
        {
            // Never read: ask GitHub (free) rather than assume 5,000 and overspend a smaller limit in the first cycle.
            try
            {
                if ((await github.RateLimit.GetAsync(usage, installationId, ct)).TryGetValue(Bucket, out var state))
                    reading = new Reading(state.Limit, state.Remaining, state.ResetAt, reading?.Credit ?? 0);
            }
            catch (GitHubRequestException)
            {
                // Planned with GitHub's default limit; the cycle's own answers bring the real one.
            }
        }
        var allowance = PollScheduling.Plan(reading?.Limit, reading?.Remaining, reading?.ResetAt, now, settings.PollerInterval,
            settings.PollerBudgetShare, PointsPerComment, counts.Total);
        // Unspent points carry over (up to one request more than a cycle's share): with a short interval a cycle's
        // share can be less than one request, and saving up buys it every few cycles instead of never.
        var credit = Math.Min((reading?.Credit ?? 0) + allowance.PointsAllowed,
            allowance.PointsAllowed + PollScheduling.RequestCost(PointsPerComment));
        var capacity = PollScheduling.Capacity(credit, PointsPerComment);
        var plan = allowance with { PointsAllowed = credit, Capacity = capacity, Limited = capacity < counts.Total };
        var lag = PollScheduling.Expect(counts, plan.Capacity, settings.PollerInterval);
        _allowed[installationId] = plan.PointsAllowed;
        await SavePlanAsync(installationId, counts.Total, plan, lag, credit, ct);
        if (plan.Limited)
        {
            await conditions.SetAsync(installationId, null, ConditionKind.BudgetLimited,
                $"{plan.PointsAllowed:0.#} points this cycle poll {plan.Capacity} of {counts.Total} comments; expected worst lag " +
                $"{Seconds(lag.Lt1d)} under a day old, {Seconds(lag.D1To3)} at 1-3 days, {Seconds(lag.Gt3d)} older", ct);
        }
        else
        {
            await conditions.ClearAsync(installationId, null, ConditionKind.BudgetLimited, ct);
        }
        return await selection.SelectBudgetAsync(installationId, now, settings.PollerWindowDays, plan.Capacity, ct);
    }

    private static string Seconds(double s) => double.IsInfinity(s) ? "unbounded" : s < 120 ? $"{s:0} s" : $"{s / 60:0} min";

    /// <summary>Keeps GitHub's latest reading of the bucket and the points this cycle spent (both strategies).</summary>
    public async Task RecordAsync(GitHubUsage usage, long installationId, DateTimeOffset now, CancellationToken ct)
    {
        var bucket = Bucket;
        await using var batch = db.CreateBatch();
        if (usage.RateLimits.TryGetValue((installationId, bucket), out var state) && state.Limit > 0)
        {
            var save = new NpgsqlBatchCommand("""
                insert into installation_budgets (installation_id, bucket, rate_limit, remaining, reset_at, read_at)
                values (@inst, @bucket, @limit, @remaining, @reset, @now)
                on conflict (installation_id) do update set bucket = excluded.bucket, rate_limit = excluded.rate_limit,
                    remaining = excluded.remaining, reset_at = excluded.reset_at, read_at = excluded.read_at
                """);
            save.Parameters.AddWithValue("inst", installationId);
            save.Parameters.AddWithValue("bucket", bucket == RateBucket.GraphQl ? "graphql" : "core");
            save.Parameters.AddWithValue("limit", state.Limit);
            save.Parameters.AddWithValue("remaining", state.Remaining);
            save.Parameters.AddWithValue("reset", state.ResetAt);
            save.Parameters.AddWithValue("now", now);
            batch.BatchCommands.Add(save);
        }
        var spend = new NpgsqlBatchCommand("""
            insert into installation_spend (installation_id, cycle_at, points) values (@inst, @now, @points)
            on conflict (installation_id, cycle_at) do update set points = excluded.points
            """);
        var spent = new NpgsqlBatchCommand("update installation_budgets set credit = credit - @points where installation_id = @inst");
        spent.Parameters.AddWithValue("inst", installationId);
        spent.Parameters.AddWithValue("points", usage.PointsOf(installationId, bucket));
        batch.BatchCommands.Add(spent);
        spend.Parameters.AddWithValue("inst", installationId);
        spend.Parameters.AddWithValue("now", now);
        spend.Parameters.AddWithValue("points", usage.PointsOf(installationId, bucket));
        batch.BatchCommands.Add(spend);
        var prune = new NpgsqlBatchCommand("delete from installation_spend where installation_id = @inst and cycle_at < @now - interval '1 day'");
        prune.Parameters.AddWithValue("inst", installationId);
        prune.Parameters.AddWithValue("now", now);
        batch.BatchCommands.Add(prune);
        await batch.ExecuteNonQueryAsync(ct);
    }

    private sealed record Reading(int? Limit, int? Remaining, DateTimeOffset? ResetAt, double Credit);

    private async Task<Reading?> ReadingAsync(long installationId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select rate_limit, remaining, reset_at, read_at > '-infinity' as read, credit
            from installation_budgets where installation_id = @inst and bucket = @bucket
            """);
        cmd.Parameters.AddWithValue("inst", installationId);
        cmd.Parameters.AddWithValue("bucket", Bucket == RateBucket.GraphQl ? "graphql" : "core");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return r.Get<bool>("read")
            ? new Reading(r.Get<int>("rate_limit"), r.Get<int>("remaining"), r.Get<DateTimeOffset>("reset_at"), r.Get<double>("credit"))
            : new Reading(null, null, null, r.Get<double>("credit"));
    }

    private async Task SavePlanAsync(long installationId, int inWindow, CycleBudget plan, ExpectedLag lag, double credit, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            insert into installation_budgets (installation_id, bucket, rate_limit, remaining, reset_at, read_at, comments_in_window, capacity, expected_lag, credit)
            values (@inst, @bucket, @limit, @limit, '-infinity', '-infinity', @in_window, @capacity, @lag::jsonb, @credit)
            on conflict (installation_id) do update set comments_in_window = excluded.comments_in_window,
                capacity = excluded.capacity, expected_lag = excluded.expected_lag, credit = excluded.credit,
                bucket = excluded.bucket
            """);
        cmd.Parameters.AddWithValue("credit", credit);
        cmd.Parameters.AddWithValue("inst", installationId);
        cmd.Parameters.AddWithValue("bucket", Bucket == RateBucket.GraphQl ? "graphql" : "core");
        cmd.Parameters.AddWithValue("limit", plan.Limit);
        cmd.Parameters.AddWithValue("in_window", inWindow);
        cmd.Parameters.AddWithValue("capacity", plan.Capacity);
        cmd.Parameters.AddWithValue("lag", JsonSerializer.Serialize(new ExpectedLag(Finite(lag.Lt1d), Finite(lag.D1To3), Finite(lag.Gt3d))));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>JSON has no infinity: an unbounded lag is written as -1.</summary>
    private static double Finite(double s) => double.IsInfinity(s) ? -1 : Math.Round(s);

    /// <summary>Every installation's budget: the reading, the points spent in the last hour and the lag to expect.</summary>
    public async Task<IReadOnlyList<InstallationBudget>> AllAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select b.installation_id, b.rate_limit, b.comments_in_window, b.capacity, b.expected_lag::text as expected_lag,
                   coalesce((select sum(s.points) from installation_spend s
                             where s.installation_id = b.installation_id and s.cycle_at > @now - interval '1 hour'), 0)::int as points_hour
            from installation_budgets b order by b.installation_id
            """);
        cmd.Parameters.AddWithValue("now", now);
        var list = new List<InstallationBudget>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new InstallationBudget(r.Get<long>("installation_id"), r.Get<int>("rate_limit"), settings.PollerBudgetShare,
                r.Get<int>("points_hour"), r.Get<int>("comments_in_window"), r.Get<int>("capacity"),
                JsonSerializer.Deserialize<ExpectedLag>(r.Get<string>("expected_lag")) ?? new ExpectedLag(0, 0, 0)));
        }
        return list;
    }
}
