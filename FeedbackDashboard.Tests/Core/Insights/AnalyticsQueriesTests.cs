using System.Net;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Tests.Api;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Core.Insights;

public sealed class AnalyticsQueriesTests : IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();
    private static readonly DateTimeOffset From = DateTimeOffset.Parse("2026-11-01T00:00:00Z"); // a Sunday
    private static readonly DateTimeOffset To = DateTimeOffset.Parse("2026-11-08T00:00:00Z");

    public async ValueTask InitializeAsync()
    {
        await _db.InitializeAsync();
        var a = await _db.TaskAsync("acme/a", From.AddDays(-10));
        var b = await _db.TaskAsync("acme/b", From.AddDays(-10));
        static DateTimeOffset At(string s) => DateTimeOffset.Parse(s);
        // This period (by posting date).
        await _db.CommentAsync(a, "inline", 1, At("2026-11-02T09:00:00Z"), file: "a.cs");
        await _db.CommentAsync(a, "reply", 2, At("2026-11-02T18:00:00Z"), file: "x.cs");
        await _db.CommentAsync(b, "inline", 3, At("2026-11-05T12:00:00Z"), file: "b.cs");
        await _db.CommentAsync(b, "inline", 4, At("2026-11-07T23:59:00Z"), file: "b.cs");
        await _db.ReactionAsync("inline", 1, 1, "+1");
        await _db.ReactionAsync("inline", 1, 2, "+1");
        await _db.ReactionAsync("inline", 1, 3, "-1");
        await _db.ReactionAsync("reply", 2, 1, "-1");
        await _db.ReactionAsync("inline", 4, 1, "+1", at: At("2026-11-09T10:00:00Z")); // reacted later: still this period
        // The period before.
        await _db.CommentAsync(a, "inline", 5, At("2026-10-28T10:00:00Z"));
        await _db.CommentAsync(a, "inline", 6, At("2026-10-31T10:00:00Z"));
        await _db.ReactionAsync("inline", 5, 1, "+1");
        await _db.ReactionAsync("inline", 6, 1, "-1");
        await _db.ReactionAsync("inline", 6, 2, "-1");
        // Exactly at `to`: the next period.
        await _db.CommentAsync(a, "inline", 7, To);
        await _db.ReactionAsync("inline", 7, 1, "-1");
    }

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Figures_acceptance_coverage_and_previous_period_by_posting_date()
    {
        var result = await new AnalyticsQueries(_db.DataSource).GetAsync(null, From, To, Bucket.Day, Ct);

        Assert.Equal(new Figures(4, 3, 3, 2), result.Current);
        Assert.Equal(0.6, result.Current.Acceptance);
        Assert.Equal(0.75, result.Current.Coverage);
        Assert.Equal(new Figures(2, 2, 1, 2), result.Previous);
        Assert.Equal(1.0 / 3, result.Previous.Acceptance!.Value, 6);
        Assert.Equal(new Period(DateTimeOffset.Parse("2026-10-25T00:00:00Z"), From), result.PreviousPeriod);
    }

    [Fact]
    public async Task Periods_that_cut_through_days_count_the_partial_days_exactly()
    {
        var analytics = new AnalyticsQueries(_db.DataSource);
        // 11-02 12:00 to 11-07 23:59:30: comment 1 (09:00 on the 2nd) is out; 2, 3 and 4 are in.
        var cut = await analytics.GetAsync(null, DateTimeOffset.Parse("2026-11-02T12:00:00Z"), DateTimeOffset.Parse("2026-11-07T23:59:30Z"), Bucket.Day, Ct);
        Assert.Equal(new Figures(3, 2, 1, 1), cut.Current);
        // Inside a single day.
        var hours = await analytics.GetAsync(null, DateTimeOffset.Parse("2026-11-02T10:00:00Z"), DateTimeOffset.Parse("2026-11-02T20:00:00Z"), Bucket.Day, Ct);
        Assert.Equal(new Figures(1, 1, 0, 1), hours.Current);
    }

    [Fact]
    public async Task Figures_follow_reactions_as_they_come_and_go()
    {
        var analytics = new AnalyticsQueries(_db.DataSource);
        await _db.ExecuteAsync("delete from review_feedback where kind = 'inline' and github_comment_id = 1 and reactor_id = 3"); // un-react 👎
        await _db.ReactionAsync("inline", 3, 9, "-1");                                                                       // a new 👎
        var after = await analytics.GetAsync(null, From, To, Bucket.Day, Ct);
        Assert.Equal(new Figures(4, 4, 3, 2), after.Current);
        Assert.Equal(new FileFigures("acme/b", "b.cs", 1, 0, 1), Assert.Single(after.MostDownvotedFiles, f => f.File == "b.cs"));
        Assert.Equal(
            await _db.ScalarAsync<long>("select count(*) from review_feedback where content = '-1' and github_comment_id between 1 and 4"),
            await _db.ScalarAsync<long>("select sum(down) from analytics_daily where day between '2026-11-01' and '2026-11-07'"));
    }

    [Fact]
    public async Task Series_fills_every_bucket_by_day_and_by_iso_week()
    {
        var analytics = new AnalyticsQueries(_db.DataSource);
        var days = (await analytics.GetAsync(null, From, To, Bucket.Day, Ct)).Series;
        Assert.Equal(7, days.Count);
        Assert.Equal(From, days[0].Bucket);
        Assert.Equal(new SeriesPoint(DateTimeOffset.Parse("2026-11-02T00:00:00Z"), 2, 2, 2), days[1]);
        Assert.Equal(new SeriesPoint(DateTimeOffset.Parse("2026-11-05T00:00:00Z"), 1, 0, 0), days[4]);
        Assert.Equal(new SeriesPoint(DateTimeOffset.Parse("2026-11-07T00:00:00Z"), 1, 1, 0), days[6]);
        Assert.Equal(0, days[0].Comments);

        var weeks = (await analytics.GetAsync(null, From, To, Bucket.Week, Ct)).Series;
        Assert.Equal([DateTimeOffset.Parse("2026-10-26T00:00:00Z"), DateTimeOffset.Parse("2026-11-02T00:00:00Z")], weeks.Select(w => w.Bucket));
        Assert.Equal(new SeriesPoint(DateTimeOffset.Parse("2026-11-02T00:00:00Z"), 4, 3, 2), weeks[1]);
    }

    [Fact]
    public async Task Top_repositories_most_downvoted_files_and_the_repository_filter()
    {
        var analytics = new AnalyticsQueries(_db.DataSource);
        var all = await analytics.GetAsync(null, From, To, Bucket.Day, Ct);
        Assert.Equal([new RepositoryFigures("acme/a", 2, 2, 2), new RepositoryFigures("acme/b", 2, 1, 0)], all.TopRepositories);
        Assert.Equal([new FileFigures("acme/a", "a.cs", 1, 2, 1), new FileFigures("acme/a", "x.cs", 1, 0, 1)], all.MostDownvotedFiles);

        var onlyB = await analytics.GetAsync("Acme/B", From, To, Bucket.Day, Ct);
        Assert.Equal(new Figures(2, 1, 1, 0), onlyB.Current);
        Assert.Equal(1.0, onlyB.Current.Acceptance);
        Assert.Equal(new Figures(0, 0, 0, 0), onlyB.Previous);
        Assert.Null(onlyB.Previous.Acceptance);
    }

    [Fact]
    public async Task The_api_serves_the_same_figures_and_rejects_bad_ranges()
    {
        await using var app = new AppFactory(_db.ConnectionString);
        var client = await app.WithKeyAsync(_db, Scopes.ReviewRead);
        var body = await (await client.GetAsync("/api/analytics/feedback?from=2026-11-01&to=2026-11-08&bucket=week", Ct)).JsonAsync();
        Assert.Equal(3, body.GetProperty("current").GetProperty("up").GetInt32());
        Assert.Equal(0.6, body.GetProperty("current").GetProperty("acceptance").GetDouble());
        Assert.Equal(0.75, body.GetProperty("current").GetProperty("coverage").GetDouble());
        Assert.Equal(2, body.GetProperty("previous").GetProperty("down").GetInt32());
        Assert.Equal(2, body.GetProperty("series").GetArrayLength());

        await TasksApiTests.AssertProblemAsync(await client.GetAsync("/api/analytics/feedback?from=2025-01-01&to=2026-11-08", Ct), HttpStatusCode.BadRequest, "to");
        await TasksApiTests.AssertProblemAsync(await client.GetAsync("/api/analytics/feedback?from=2026-11-08&to=2026-11-01", Ct), HttpStatusCode.BadRequest, "to");
        await TasksApiTests.AssertProblemAsync(await client.GetAsync("/api/analytics/feedback?bucket=month", Ct), HttpStatusCode.BadRequest, "bucket");
        await TasksApiTests.AssertProblemAsync(await client.GetAsync("/api/analytics/feedback?from=soon", Ct), HttpStatusCode.BadRequest, "from");
    }
}
