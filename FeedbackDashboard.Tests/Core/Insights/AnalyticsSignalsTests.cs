using System.Net;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Tests.Api;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Core.Insights;

/// <summary>
/// addressed_rate beside acceptance (with the previous period and in the series), restricted by role, from the rollup
/// kept exact by the trigger on the signals; and the most disputed comments.
/// </summary>
public sealed class AnalyticsSignalsTests : IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();
    private static readonly DateTimeOffset From = DateTimeOffset.Parse("2026-11-01T00:00:00Z");
    private static readonly DateTimeOffset To = DateTimeOffset.Parse("2026-11-08T00:00:00Z");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _db.InitializeAsync();
        // PR author octo (501); ann (1) maintains acme/a, bob (2) does not.
        var a = await _db.TaskAsync("acme/a", From.AddDays(-10));
        await _db.MaintainerAsync("acme/a", 1, "ann", "MEMBER");
        static DateTimeOffset At(string s) => DateTimeOffset.Parse(s);
        await _db.CommentAsync(a, "inline", 1, At("2026-11-02T09:00:00Z"));
        await _db.CommentAsync(a, "inline", 2, At("2026-11-02T18:00:00Z"));
        await _db.CommentAsync(a, "inline", 3, At("2026-11-05T12:00:00Z"));
        await _db.CommentAsync(a, "inline", 4, At("2026-11-07T23:59:00Z"));
        await _db.CommentAsync(a, "reply", 5, At("2026-11-03T10:00:00Z"), file: null, line: null);
        await _db.CommentAsync(a, "inline", 6, At("2026-10-30T10:00:00Z")); // the period before
        // Signals arrive as updates (poller or webhooks): the rollup follows.
        await _db.ExecuteAsync("""
            update review_comments set outdated = true, resolved = false, resolved_by_bot = false where github_comment_id = 1;
            update review_comments set outdated = false, resolved = true, resolved_by = 'ann', resolved_by_bot = false where github_comment_id = 2;
            update review_comments set outdated = false, resolved = true, resolved_by = null, resolved_by_bot = true where github_comment_id = 3;
            update review_comments set outdated = false, resolved = true, resolved_by = 'octo', resolved_by_bot = false where github_comment_id = 4;
            update review_comments set minimized = true, minimized_reason = 'spam' where github_comment_id = 5;
            update review_comments set outdated = true where github_comment_id = 6;
            """);
        await _db.ReactionAsync("inline", 1, 1, "+1");   // ann (maintainer)
        await _db.ReactionAsync("inline", 1, 2, "-1");   // bob: 1 is disputed
        await _db.ReactionAsync("inline", 2, 501, "+1"); // the PR author
        await _db.ReactionAsync("inline", 3, 2, "-1");
        await _db.ReactionAsync("inline", 3, 1, "-1");
        await _db.ReactionAsync("inline", 4, 2, "+1");
        await _db.ReactionAsync("inline", 4, 2, "-1");   // one person both ways: not disputed
    }

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Addressed_rate_beside_acceptance_with_the_previous_period_and_in_the_series()
    {
        var result = await new AnalyticsQueries(_db.DataSource).GetAsync(null, From, To, Bucket.Day, Ct);

        // 1 outdated, 2 and 4 resolved by people; 3 resolved by a bot is not addressed; 5 is a hidden reply.
        Assert.Equal(new Figures(5, 4, 3, 4, 3), result.Current);
        Assert.Equal(0.6, result.Current.AddressedRate);
        Assert.Equal(new Figures(1, 0, 0, 0, 1), result.Previous);
        Assert.Equal(2, result.Series.Single(p => p.Bucket == From.AddDays(1)).Addressed);
        Assert.Equal(1.0, result.Series.Single(p => p.Bucket == From.AddDays(1)).AddressedRate);
        Assert.Equal(3, result.Series.Sum(p => p.Addressed));

        // Changing back and forth keeps the rollup equal to a recount.
        await _db.ExecuteAsync("update review_comments set outdated = false where github_comment_id = 1");
        await _db.ExecuteAsync("update review_comments set resolved_by_bot = false, resolved_by = 'ann' where github_comment_id = 3");
        Assert.Equal(3, (await new AnalyticsQueries(_db.DataSource).GetAsync(null, From, To, Bucket.Day, Ct)).Current.Addressed);
        Assert.Equal(0L, await _db.ScalarAsync<long>("""
            select count(*) from (
                select (created_at at time zone 'UTC')::date as day, repository_id,
                       (count(*) filter (where review_comments_is_addressed(outdated, resolved, resolved_by_bot)))::int as addressed
                from review_comments group by 1, 2
                except select day, repository_id, addressed from analytics_daily) drift
            """));
    }

    [Fact]
    public async Task Acceptance_and_addressed_rate_restricted_to_maintainers_or_the_pr_author()
    {
        var queries = new AnalyticsQueries(_db.DataSource);
        var maintainers = await queries.GetAsync(null, From, To, Bucket.Day, Ct, AnalyticsRole.Maintainers);
        // ann's 👍 on 1 and 👎 on 3; addressed: resolved by ann (2) only.
        Assert.Equal(new Figures(5, 2, 1, 1, 1), maintainers.Current);
        Assert.Equal("maintainers", maintainers.Role);

        var author = await queries.GetAsync(null, From, To, Bucket.Day, Ct, AnalyticsRole.PrAuthor);
        // octo's 👍 on 2; addressed: outdated (1) or resolved by octo (4).
        Assert.Equal(new Figures(5, 1, 1, 0, 2), author.Current);
        Assert.Equal(2, author.Series.Sum(p => p.Addressed));
        Assert.Equal(new Figures(1, 0, 0, 0, 1), author.Previous);
    }

    [Fact]
    public async Task The_most_disputed_comments_are_those_with_both_from_different_people()
    {
        var disputed = await new AnalyticsQueries(_db.DataSource).MostDisputedAsync(null, From, To, 5, Ct);
        Assert.Equal([1L], disputed.Select(d => d.GithubCommentId));
        Assert.Equal((1, 1), (disputed[0].Up, disputed[0].Down));
    }

    [Fact]
    public async Task The_api_takes_a_role_and_refuses_an_unknown_one()
    {
        await using var app = new AppFactory(_db.ConnectionString);
        var client = await app.WithKeyAsync(_db, Scopes.ReviewRead);
        var range = $"from={Uri.EscapeDataString(From.ToString("O"))}&to={Uri.EscapeDataString(To.ToString("O"))}";

        var all = await (await client.GetAsync($"/api/analytics/feedback?{range}", Ct)).JsonAsync();
        Assert.Equal(0.6, all.GetProperty("current").GetProperty("addressed_rate").GetDouble(), 6);
        Assert.Equal(1.0, all.GetProperty("previous").GetProperty("addressed_rate").GetDouble(), 6);
        Assert.True(all.GetProperty("series")[1].TryGetProperty("addressed_rate", out _));

        var author = await (await client.GetAsync($"/api/analytics/feedback?{range}&role=pr_author", Ct)).JsonAsync();
        Assert.Equal("pr_author", author.GetProperty("role").GetString());
        Assert.Equal(0.4, author.GetProperty("current").GetProperty("addressed_rate").GetDouble(), 6);

        var bad = await client.GetAsync($"/api/analytics/feedback?{range}&role=owners", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
    }
}
