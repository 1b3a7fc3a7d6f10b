using System.Net;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackDashboard.Tests.Api;

/// <summary>
/// Every timestamp a client sends: only sane instants (from 2008 to a day ahead of the app's clock) are stored, any
/// RFC 3339 offset is taken and converted to UTC at the edge, and a filter with +02:00 answers as its UTC equivalent.
/// </summary>
public sealed class TimestampInputTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    // The app's clock, years ahead of the machine's: a bound read from the system clock would refuse what this allows.
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2031-03-15T12:00:00Z");
    private const string Repo = "tz/repo";
    private AppFactory _app = null!;
    private HttpClient _client = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = new AppFactory(db.ConnectionString, services: s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(Now)));
        _client = await _app.WithKeyAsync(db, Scopes.ReviewRead, Scopes.ReviewWrite);
        if (await db.ScalarAsync<long>($"select count(*) from repositories where full_name = '{Repo}'") > 0) return;
        // Two runs either side of 2031-03-01T00:00:00+02:00 (= 2031-02-28T22:00Z), with rule-tagged comments and reactions.
        var early = await db.TaskAsync(Repo, DateTimeOffset.Parse("2031-02-28T21:30:00Z"), pr: 1);
        var late = await db.TaskAsync(Repo, DateTimeOffset.Parse("2031-02-28T22:30:00Z"), pr: 2);
        await db.ExecuteAsync($"update tasks set labels = '{{\"bot_version\": \"1\"}}' where id = '{early}'");
        await db.ExecuteAsync($"update tasks set labels = '{{\"bot_version\": \"2\"}}' where id = '{late}'");
        for (var i = 0; i < 12; i++)
        {
            var task = i % 2 == 0 ? early : late;
            var at = i % 2 == 0 ? DateTimeOffset.Parse("2031-02-28T21:40:00Z") : DateTimeOffset.Parse("2031-02-28T22:40:00Z");
            await db.CommentAsync(task, "inline", 710_000 + i, at);
            for (var u = 0; u < 3; u++) await db.ReactionAsync("inline", 710_000 + i, 600 + u, (i + u) % 3 == 0 ? "-1" : "+1", at.AddMinutes(u));
        }
        await db.ExecuteAsync("update review_comments set rule = 'r' || (github_comment_id % 3), category = 'c' where github_comment_id between 710000 and 710011");
        await db.MaintainerAsync(Repo, 600, "user600", "OWNER");
        await db.MaintainerAsync(Repo, 601, "user601", "MEMBER");
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    private async Task<string> OkBodyAsync(string url)
    {
        var response = await _client.GetAsync(url, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
        return body;
    }

    public static TheoryData<string> Endpoints() =>
    [
        "/api/tasks?repository=tz/repo&from={0}",
        "/api/tasks?repository=tz/repo&to={0}",
        "/api/feedback/export?repository=tz/repo&from={0}",
        "/api/feedback/export?repository=tz/repo&to={0}&format=csv",
        "/api/analytics/feedback?repository=tz/repo&from={0}&to=2031-03-10T00:00:00Z",
        "/api/analytics/feedback?repository=tz/repo&from=2031-02-20T00:00:00Z&to={0}",
        "/api/analytics/compare?repository=tz/repo&label=bot_version&a=1&b=2&from=2031-02-20T00:00:00Z&to={0}",
        "/api/analytics/compare?repository=tz/repo&a_from=2031-02-20T00:00:00Z&a_to={0}&b_from={0}&b_to=2031-03-10T00:00:00Z",
        "/api/rules?repository=tz/repo&from={0}",
        "/api/repos/tz/repo/rules?from=2031-02-01T00:00:00Z&to={0}",
    ];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_filter_with_an_offset_answers_as_its_utc_equivalent(string template)
    {
        var utc = await OkBodyAsync(string.Format(template, "2031-02-28T22:00:00Z"));
        Assert.Equal(utc, await OkBodyAsync(string.Format(template, Uri.EscapeDataString("2031-03-01T00:00:00+02:00"))));
        // The same instant further west, and a + left unencoded in the URL (which arrives as a space).
        Assert.Equal(utc, await OkBodyAsync(string.Format(template, Uri.EscapeDataString("2031-02-28T17:00:00-05:00"))));
        Assert.Equal(utc, await OkBodyAsync(string.Format(template, "2031-03-01T00:00:00+02:00")));
    }

    [Fact]
    public async Task The_run_list_split_at_an_offset_boundary_holds_the_right_run()
    {
        var list = await (await _client.GetAsync($"/api/tasks?repository={Repo}&from={Uri.EscapeDataString("2031-03-01T00:00:00+02:00")}", Ct)).JsonAsync();
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        Assert.Equal(2, list.GetProperty("items")[0].GetProperty("pr_number").GetInt32());
    }

    [Fact]
    public async Task A_run_and_comments_posted_with_an_offset_are_stored_in_utc()
    {
        var created = await (await _client.PostJsonAsync("/api/tasks",
            new
            {
                repository = "tz/posted",
                installation_id = 77,
                pr_number = 5,
                pr_author = new { github_id = 1, login = "a", association = "NONE" },
                created_at = "2031-03-01T10:00:00+02:00",
            })).JsonAsync();
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal("2031-03-01 08:00:00", await db.ScalarAsync<string>($"select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') from tasks where id = '{id}'"));

        var response = await _client.PostJsonAsync($"/api/tasks/{id}/comments", new object[]
        {
            new { kind = "inline", github_comment_id = 720_001, created_at = "2031-03-01T10:05:00+02:00" },
            new { kind = "reply", github_comment_id = 720_002, created_at = "2031-03-01T01:05:00-05:30" },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2031-03-01 08:05:00", await db.ScalarAsync<string>("select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') from review_comments where github_comment_id = 720001"));
        Assert.Equal("2031-03-01 06:35:00", await db.ScalarAsync<string>("select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') from review_comments where github_comment_id = 720002"));
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T00:00:00Z")]
    [InlineData("2007-12-31T23:59:59Z")]
    [InlineData("2031-03-16T12:00:01Z")]
    [InlineData("2031-03-17T00:00:00+02:00")]
    public async Task A_created_at_outside_sane_bounds_is_a_400_naming_it_and_stores_nothing(string createdAt)
    {
        var before = await db.ScalarAsync<long>("select count(*) from tasks");
        var response = await _client.PostJsonAsync("/api/tasks", new
        {
            repository = "tz/bounds",
            installation_id = 77,
            pr_number = 5,
            pr_author = new { github_id = 1, login = "a", association = "NONE" },
            created_at = createdAt,
        });
        await TasksApiTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "created_at");
        Assert.Equal(before, await db.ScalarAsync<long>("select count(*) from tasks"));

        var task = await (await _client.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "tz/bounds"))).JsonAsync();
        var id = task.GetProperty("id").GetGuid();
        var comments = await _client.PostJsonAsync($"/api/tasks/{id}/comments", new object[]
        {
            new { kind = "inline", github_comment_id = 730_001 },
            new { kind = "inline", github_comment_id = 730_002, created_at = createdAt },
        });
        await TasksApiTests.AssertProblemAsync(comments, HttpStatusCode.BadRequest, "[1].created_at");
        Assert.Equal(0L, await db.ScalarAsync<long>($"select count(*) from review_comments where task_id = '{id}'"));
    }

    [Fact]
    public async Task The_upper_bound_is_a_day_ahead_of_the_apps_clock()
    {
        var response = await _client.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "tz/clock", createdAt: Now.AddHours(23)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "tz/clock", createdAt: DateTimeOffset.Parse("2008-01-01T00:00:00Z")))).StatusCode);
    }

    [Theory]
    [InlineData("/api/tasks?repository=tz/repo&from=0001-01-01T00:00:00Z", "from")]
    [InlineData("/api/tasks?repository=tz/repo&to=9999-12-31T23:59:59Z", "to")]
    [InlineData("/api/feedback/export?repository=tz/repo&from=0001-01-01", "from")]
    [InlineData("/api/analytics/feedback?repository=tz/repo&to=0001-01-02T00:00:00Z", "to")]
    [InlineData("/api/analytics/compare?repository=tz/repo&a_from=0001-01-01&a_to=0001-02-01&b_from=2031-01-01&b_to=2031-02-01", "a_from")]
    [InlineData("/api/rules?repository=tz/repo&to=0001-01-01T00:00:00Z", "to")]
    [InlineData("/api/repos/tz/repo/rules?from=9999-12-31T23:59:59-02:00", "from")]
    public async Task A_filter_outside_sane_bounds_is_a_400_naming_it(string url, string field)
    {
        await TasksApiTests.AssertProblemAsync(await _client.GetAsync(url, Ct), HttpStatusCode.BadRequest, field);
    }
}
