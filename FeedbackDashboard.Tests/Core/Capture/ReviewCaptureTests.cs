using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeedbackDashboard.Tests.Core.Capture;

/// <summary>Each test has its own database: the processor takes every pending capture it may.</summary>
public sealed class ReviewCaptureTests : IAsyncLifetime
{
    private readonly PostgresDatabase db = new();
    private GitHubHarness _gh = null!;
    private ReviewCaptureProcessor _processor = null!;
    private CaptureService _capture = null!;

    public async ValueTask InitializeAsync()
    {
        await db.InitializeAsync();
        _gh = await GitHubHarness.StartAsync();
        _gh.Fake.Installations.Add(77);
        _capture = new CaptureService(db.DataSource, _gh.Time);
        _processor = new ReviewCaptureProcessor(db.DataSource, _capture, _gh.Client, _gh.Time, NullLogger<ReviewCaptureProcessor>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await _gh.DisposeAsync();
        await db.DisposeAsync();
    }

    [Fact]
    public async Task Comments_are_read_on_every_page_matched_by_file_and_line_and_unmatched_reported_both_ways()
    {
        _gh.Fake.MaxPageSize = 2;
        var task = await db.TaskAsync("Acme/Reviews", DateTimeOffset.UtcNow, pr: 7);
        _gh.Fake.AddComment("Acme/Reviews", CommentKind.Inline, 301, "src/a.cs", 10, reviewId: 900, prNumber: 7);
        _gh.Fake.AddComment("Acme/Reviews", CommentKind.Inline, 302, "src/a.cs", 20, reviewId: 900, prNumber: 7);
        _gh.Fake.AddComment("Acme/Reviews", CommentKind.Inline, 303, "src/b.cs", 5, reviewId: 900, prNumber: 7);  // no finding
        _gh.Fake.AddComment("Acme/Reviews", CommentKind.Inline, 304, "src/c.cs", 1, reviewId: 901, prNumber: 7);  // another review
        await _capture.AddReviewCaptureAsync(task, new ReviewCaptureInput(900,
        [
            new FindingInput("src/a.cs", 10, "F-1", Rule: "null-check", Category: "correctness", Severity: "high", Fingerprint: "fp-1"),
            new FindingInput("src/a.cs", 20, "F-2"),
            new FindingInput("src/z.cs", 99, "F-3", Rule: "naming"), // no comment
        ]), Ct);

        var outcome = await _processor.ProcessPendingAsync(new GitHubUsage(), _ => true, Ct);

        Assert.Equal(1, outcome.Done);
        Assert.Equal(2, _gh.Fake.Count("review-comments")); // 3 comments, 2 a page
        Assert.Equal("F-1", await db.ScalarAsync<string>("select finding_id from review_comments where github_comment_id = 301"));
        Assert.Equal("F-2", await db.ScalarAsync<string>("select finding_id from review_comments where github_comment_id = 302"));
        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from review_comments where github_comment_id = 303 and finding_id is null"));
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from review_comments where github_comment_id = 304"));
        Assert.Equal("PRRC_301", await db.ScalarAsync<string>("select node_id from review_comments where github_comment_id = 301"));
        // The finding's rule fields reach the comment matched to it.
        Assert.Equal("null-check|correctness|high|fp-1", await db.ScalarAsync<string>(
            "select concat_ws('|', rule, category, severity, fingerprint) from review_comments where github_comment_id = 301"));
        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from review_comments where github_comment_id = 302 and rule is null"));

        var feedback = await new FeedbackQueries(db.DataSource).GetTaskFeedbackAsync(task, Ct);
        var capture = Assert.Single(feedback!.Captures);
        Assert.Equal("done", capture.Status);
        Assert.Equal(3, capture.CommentsRecorded);
        Assert.Contains("1 comment(s) matched no finding", capture.Reason);
        var unmatched = Assert.Single(capture.UnmatchedFindings!.Value.EnumerateArray());
        Assert.Equal("F-3", unmatched.GetProperty("finding_id").GetString());
        Assert.Equal("naming", unmatched.GetProperty("rule").GetString());

        // Done captures are not read again.
        await _processor.ProcessPendingAsync(new GitHubUsage(), _ => true, Ct);
        Assert.Equal(2, _gh.Fake.Count("review-comments"));
    }

    [Fact]
    public async Task A_missing_review_fails_with_a_reason_and_a_transient_error_retries()
    {
        var task = await db.TaskAsync("Acme/Missing", DateTimeOffset.UtcNow, pr: 8);
        await _capture.AddReviewCaptureAsync(task, new ReviewCaptureInput(902, []), Ct);
        _gh.Fake.Fail("review-comments", 404);

        var outcome = await _processor.ProcessPendingAsync(new GitHubUsage(), inst => inst == 77, Ct);
        Assert.Equal(1, outcome.Failed);
        Assert.Equal("failed", await db.ScalarAsync<string>($"select status from review_captures where task_id = '{task}'"));
        Assert.Equal("review not found on GitHub", await db.ScalarAsync<string>($"select reason from review_captures where task_id = '{task}'"));

        var task2 = await db.TaskAsync("Acme/Flaky", DateTimeOffset.UtcNow, pr: 9);
        await _capture.AddReviewCaptureAsync(task2, new ReviewCaptureInput(903, []), Ct);
        _gh.Fake.Fail("review-comments", 502, times: 3);
        var retry = await _processor.ProcessPendingAsync(new GitHubUsage(), inst => inst == 77, Ct);
        Assert.Equal(1, retry.Retrying);
        Assert.Equal("pending", await db.ScalarAsync<string>($"select status from review_captures where task_id = '{task2}'"));
        Assert.Equal(1, await db.ScalarAsync<int>($"select attempts from review_captures where task_id = '{task2}'"));
    }

    [Fact]
    public async Task Captures_of_installations_another_poller_holds_are_left_alone()
    {
        var task = await db.TaskAsync("Acme/Elsewhere", DateTimeOffset.UtcNow, pr: 10, installation: 55);
        await _capture.AddReviewCaptureAsync(task, new ReviewCaptureInput(904, []), Ct);
        var outcome = await _processor.ProcessPendingAsync(new GitHubUsage(), inst => inst != 55, Ct);
        Assert.Equal(0, outcome.Processed);
        Assert.Equal("pending", await db.ScalarAsync<string>($"select status from review_captures where task_id = '{task}'"));
    }
}
