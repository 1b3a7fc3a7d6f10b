using System.Text.Json;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FeedbackDashboard.Core.Capture;

public sealed record CaptureOutcome(int Processed, int Done, int Failed, int Retrying, List<string> Errors);

/// <summary>
/// Capture by review id: GitHub's create-review answer omits the inline comment ids, so the poller reads the
/// review's comments and records them, each matched to a finding by (file, line).
/// </summary>
public sealed class ReviewCaptureProcessor(NpgsqlDataSource db, CaptureService capture, GitHubClient github, TimeProvider time,
    ILogger<ReviewCaptureProcessor> log)
{
    /// <summary>After this many failed attempts a capture is given up as failed, with the last reason.</summary>
    public const int MaxAttempts = 5;
    private const int BatchSize = 100;

    private sealed record Pending(Guid TaskId, long ReviewId, string Findings, string Repository, long InstallationId, int PrNumber, int Attempts);


    public async Task<CaptureOutcome> ProcessPendingAsync(GitHubUsage usage, Func<long, bool> ownsInstallation, CancellationToken ct)
    {
        var pending = await LoadPendingAsync(ct);
        var outcome = new CaptureOutcome(0, 0, 0, 0, []);
        foreach (var p in pending.Where(p => ownsInstallation(p.InstallationId)))
        {
            ct.ThrowIfCancellationRequested();
            outcome = await ProcessOneAsync(usage, p, outcome, ct);
        }
        return outcome;
    }

    private async Task<CaptureOutcome> ProcessOneAsync(GitHubUsage usage, Pending p, CaptureOutcome o, CancellationToken ct)
    {
        IReadOnlyList<PostedReviewComment> comments;
        try
        {
            comments = await github.PullRequests.GetReviewCommentsAsync(usage, p.InstallationId, p.Repository, p.PrNumber, p.ReviewId, ct);
        }
        catch (Exception e) when (e is GitHubRequestException or InstallationUnavailableException)
        {
            var final = e is GitHubRequestException { Status: 404 } || p.Attempts + 1 >= MaxAttempts;
            var reason = e is GitHubRequestException { Status: 404 } ? "review not found on GitHub" : e.Message;
            log.LogWarning("Review capture {ReviewId} of task {TaskId} in {Repository}: {Reason}", p.ReviewId, p.TaskId, p.Repository, reason);
            await MarkAttemptAsync(p, final, reason, ct);
            o.Errors.Add($"review {p.ReviewId} ({p.Repository}): {reason}");
            return o with { Processed = o.Processed + 1, Failed = o.Failed + (final ? 1 : 0), Retrying = o.Retrying + (final ? 0 : 1) };
        }

        // The findings as posted (FindingInput, validated then): file and line are always there.
        var unmatched = JsonSerializer.Deserialize<List<FindingInput>>(p.Findings, SnakeCaseJson.Options) ?? [];
        var inputs = new List<CapturedComment>(comments.Count);
        var unmatchedComments = 0;
        foreach (var c in comments)
        {
            // First unmatched finding at the same place; several findings on one line pair off in order.
            var match = unmatched.FirstOrDefault(f => f.File == c.Path && f.Line == c.Line);
            if (match is null) unmatchedComments++;
            else unmatched.Remove(match);
            var tags = match is null ? FindingTags.None : new FindingTags(match.Rule, match.Category, match.Severity, match.Fingerprint);
            // The body as GitHub holds it (REST's markdown): a suggestion is a fenced block in it.
            inputs.Add(new CapturedComment(CommentKinds.Inline, c.Id, c.NodeId, c.Path, c.Line, c.CreatedAt, match?.FindingId,
                c.Body is { Length: > CaptureValidation.Limits.Body } text ? text[..CaptureValidation.Limits.Body] : c.Body, tags)
            {
                AuthorLogin = c.AuthorLogin,
                AuthorId = c.AuthorId,
            });
        }
        if (inputs.Count > 0) await capture.AddCommentsAsync(p.TaskId, inputs, ct);

        await using var cmd = db.CreateCommand("""
            update review_captures
            set status = 'done', reason = @reason, comments_recorded = @recorded, unmatched_findings = @unmatched::jsonb,
                attempts = attempts + 1, completed_at = @now
            where task_id = @task and github_review_id = @review
            """);
        cmd.Parameters.AddWithValue("reason", unmatchedComments > 0 ? $"{unmatchedComments} comment(s) matched no finding" : (object)DBNull.Value);
        cmd.Parameters.AddWithValue("recorded", inputs.Count);
        cmd.Parameters.AddWithValue("unmatched", JsonSerializer.Serialize(unmatched, SnakeCaseJson.Options));
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        cmd.Parameters.AddWithValue("task", p.TaskId);
        cmd.Parameters.AddWithValue("review", p.ReviewId);
        await cmd.ExecuteNonQueryAsync(ct);
        return o with { Processed = o.Processed + 1, Done = o.Done + 1 };
    }

    private async Task<List<Pending>> LoadPendingAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            select rc.task_id, rc.github_review_id, rc.findings::text, r.full_name, t.installation_id, t.pr_number, rc.attempts
            from review_captures rc
            join tasks t on t.id = rc.task_id
            join repositories r on r.id = t.repository_id
            where rc.status = 'pending'
            order by rc.created_at
            limit {BatchSize}
            """);
        var list = new List<Pending>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new Pending(reader.Get<Guid>("task_id"), reader.Get<long>("github_review_id"), reader.Get<string>("findings"), reader.Get<string>("full_name"),
                reader.Get<long>("installation_id"), reader.Get<int>("pr_number"), reader.Get<int>("attempts")));
        }
        return list;
    }

    private async Task MarkAttemptAsync(Pending p, bool final, string reason, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            update review_captures
            set attempts = attempts + 1, reason = @reason,
                status = case when @final then 'failed' else status end,
                completed_at = case when @final then @now else completed_at end
            where task_id = @task and github_review_id = @review
            """);
        cmd.Parameters.AddWithValue("reason", reason);
        cmd.Parameters.AddWithValue("final", final);
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        cmd.Parameters.AddWithValue("task", p.TaskId);
        cmd.Parameters.AddWithValue("review", p.ReviewId);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
