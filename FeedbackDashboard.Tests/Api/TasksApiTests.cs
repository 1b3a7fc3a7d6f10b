using System.Net;
using System.Text.Json;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

public sealed class TasksApiTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private AppFactory _app = null!;
    private HttpClient _writer = null!;
    private HttpClient _reader = null!;

    public async ValueTask InitializeAsync()
    {
        _app = new AppFactory(db.ConnectionString);
        _writer = await _app.WithKeyAsync(db, Scopes.ReviewWrite);
        _reader = await _app.WithKeyAsync(db, Scopes.ReviewRead);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task<Guid> RegisterAsync(object body)
    {
        var response = await _writer.PostJsonAsync("/api/tasks", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (await response.JsonAsync()).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task Register_creates_the_task_and_its_installed_repository_then_reposting_updates_it()
    {
        var id = Guid.NewGuid();
        var created = await _writer.PostJsonAsync("/api/tasks", ApiClients.Task("Acme/Rockets", installation: 91, pr: 5, id: id));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(id, (await created.JsonAsync()).GetProperty("id").GetGuid());
        Assert.Equal($"/api/tasks/{id}", created.Headers.Location?.ToString());

        var updated = await _writer.PostJsonAsync("/api/tasks", ApiClients.Task("Acme/Rockets", installation: 91, pr: 6, id: id));
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        // The repository's installation is GitHub's to change, not a caller's (InstallationTakeoverTests).
        await AssertProblemAsync(await _writer.PostJsonAsync("/api/tasks", ApiClients.Task("Acme/Rockets", installation: 92, pr: 7, id: id)),
            HttpStatusCode.Conflict, "installation_id");

        Assert.Equal(6, await db.ScalarAsync<int>($"select pr_number from tasks where id = '{id}'"));
        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from repositories where full_name = 'acme/rockets' and installed and installation_id = 91"));
    }

    [Fact]
    public async Task Register_without_an_id_assigns_one()
    {
        var id = await RegisterAsync(ApiClients.Task("Acme/NoId"));
        Assert.NotEqual(Guid.Empty, id);
        Assert.Equal(1L, await db.ScalarAsync<long>($"select count(*) from tasks where id = '{id}'"));
    }

    [Fact]
    public async Task Posting_the_same_comments_twice_changes_nothing()
    {
        var id = await RegisterAsync(ApiClients.Task("Acme/Idem"));
        object[] comments =
        [
            new { kind = "inline", github_comment_id = 9001, file = "a.cs", line = 3 },
            new { kind = "reply", github_comment_id = 9002, file = "b.cs", line = 7, node_id = "IC_x" },
            new { kind = "inline", github_comment_id = 9001, file = "a.cs", line = 3 }, // a duplicate inside one batch
        ];

        var first = await (await _writer.PostJsonAsync($"/api/tasks/{id}/comments", comments)).JsonAsync();
        Assert.Equal(2, first.GetProperty("inserted").GetInt32());
        var second = await _writer.PostJsonAsync($"/api/tasks/{id}/comments", comments);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(0, (await second.JsonAsync()).GetProperty("inserted").GetInt32());
        Assert.Equal(2L, await db.ScalarAsync<long>($"select count(*) from review_comments where task_id = '{id}'"));

        // A node id learned later fills the empty one; nothing else moves.
        await _writer.PostJsonAsync($"/api/tasks/{id}/comments", new[] { new { kind = "inline", github_comment_id = 9001, file = "z.cs", line = 99, node_id = "PRRC_y" } });
        Assert.Equal("PRRC_y", await db.ScalarAsync<string>("select node_id from review_comments where github_comment_id = 9001"));
        Assert.Equal("a.cs", await db.ScalarAsync<string>("select file from review_comments where github_comment_id = 9001"));
    }

    public static TheoryData<string, string, string> BadTaskBodies => new()
    {
        { "{not json", "application/json", "$" },
        { """{"repository":"acme/w","installation_id":"seven","pr_number":1,"pr_author":{"github_id":1,"login":"a","association":"NONE"}}""", "application/json", "installation_id" },
        { """{"repository":"no-slash","installation_id":7,"pr_number":1,"pr_author":{"github_id":1,"login":"a","association":"NONE"}}""", "application/json", "repository" },
        { """{"repository":"acme/w","installation_id":-7,"pr_number":1,"pr_author":{"github_id":1,"login":"a","association":"NONE"}}""", "application/json", "installation_id" },
        { """{"repository":"acme/w","installation_id":7,"pr_number":0,"pr_author":{"github_id":1,"login":"a","association":"NONE"}}""", "application/json", "pr_number" },
        { """{"repository":"acme/w","installation_id":7,"pr_number":1,"pr_author":{"github_id":1,"login":"a","association":"BOSS"}}""", "application/json", "pr_author.association" },
        { """{"repository":"acme/w","installation_id":7,"pr_number":1}""", "application/json", "pr_author" },
        { """{"id":"nope","repository":"acme/w","installation_id":7,"pr_number":1,"pr_author":{"github_id":1,"login":"a","association":"NONE"}}""", "application/json", "id" },
        { "[]", "application/json", "$" },
        { "", "application/json", "$" },
        { "repository=acme/w", "application/x-www-form-urlencoded", "$" },
    };

    [Theory]
    [MemberData(nameof(BadTaskBodies))]
    public async Task Bad_task_bodies_get_400_problem_naming_the_field_and_store_nothing(string body, string contentType, string field)
    {
        var before = await db.ScalarAsync<long>("select count(*) from tasks");
        var response = await _writer.PostRawAsync("/api/tasks", body, contentType);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.Equal(before, await db.ScalarAsync<long>("select count(*) from tasks"));
    }

    [Fact]
    public async Task Bad_comment_batches_are_rejected_whole()
    {
        var id = await RegisterAsync(ApiClients.Task("Acme/BadComments"));
        await _writer.PostJsonAsync($"/api/tasks/{id}/comments", new[] { new { kind = "inline", github_comment_id = 1, file = "a", line = 1 } });

        await AssertProblemAsync(await _writer.PostJsonAsync($"/api/tasks/{id}/comments",
            new object[] { new { kind = "inline", github_comment_id = 2, file = "a", line = 1 }, new { kind = "issue", github_comment_id = 3 } }),
            HttpStatusCode.BadRequest, "[1].kind");
        await AssertProblemAsync(await _writer.PostJsonAsync($"/api/tasks/{id}/comments", new[] { new { kind = "reply", github_comment_id = -4 } }),
            HttpStatusCode.BadRequest, "[0].github_comment_id");
        await AssertProblemAsync(await _writer.PostJsonAsync($"/api/tasks/{id}/comments",
            Enumerable.Range(1, 1001).Select(i => new { kind = "inline", github_comment_id = 10_000 + i }).ToArray()),
            HttpStatusCode.BadRequest, "$");
        await AssertProblemAsync(await _writer.PostRawAsync($"/api/tasks/{id}/comments",
            "[" + string.Join(",", Enumerable.Repeat("""{"kind":"inline","github_comment_id":5,"file":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}""", 8000)) + "]"),
            HttpStatusCode.BadRequest, "$");
        await AssertProblemAsync(await _writer.PostJsonAsync("/api/tasks/not-a-uuid/comments", new[] { new { kind = "inline", github_comment_id = 6 } }),
            HttpStatusCode.BadRequest, "id");
        await AssertProblemAsync(await _writer.PostJsonAsync($"/api/tasks/{Guid.NewGuid()}/comments", new[] { new { kind = "inline", github_comment_id = 7 } }),
            HttpStatusCode.NotFound, null);

        Assert.Equal(1L, await db.ScalarAsync<long>($"select count(*) from review_comments where task_id = '{id}'"));
    }

    [Fact]
    public async Task Review_capture_is_accepted_pending_and_visible_in_feedback()
    {
        var id = await RegisterAsync(ApiClients.Task("Acme/Capture"));
        var accepted = await _writer.PostJsonAsync($"/api/tasks/{id}/reviews",
            new { github_review_id = 555, findings = new[] { new { file = "a.cs", line = 4, finding_id = "F1" } } });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("pending", (await accepted.JsonAsync()).GetProperty("status").GetString());

        var feedback = await (await _reader.GetAsync($"/api/tasks/{id}/feedback", TestContext.Current.CancellationToken)).JsonAsync();
        var capture = Assert.Single(feedback.GetProperty("captures").EnumerateArray());
        Assert.Equal(555, capture.GetProperty("github_review_id").GetInt64());
        Assert.Equal("pending", capture.GetProperty("status").GetString());

        await AssertProblemAsync(await _writer.PostJsonAsync($"/api/tasks/{id}/reviews", new { github_review_id = 0, findings = Array.Empty<object>() }),
            HttpStatusCode.BadRequest, "github_review_id");
        await AssertProblemAsync(await _writer.PostJsonAsync($"/api/tasks/{id}/reviews", new { github_review_id = 5, findings = new[] { new { file = "a" } } }),
            HttpStatusCode.BadRequest, "findings[0].line");
    }

    [Fact]
    public async Task Feedback_lists_comments_with_counts_reactors_and_roles_resolved_at_read_time()
    {
        var id = await RegisterAsync(ApiClients.Task("Acme/Feedback", authorId: 700, association: "CONTRIBUTOR"));
        await _writer.PostJsonAsync($"/api/tasks/{id}/comments", new object[]
        {
            new { kind = "inline", github_comment_id = 8101, file = "src/a.cs", line = 12 },
            new { kind = "reply", github_comment_id = 8102, file = "src/b.cs", line = 3 },
        });
        await db.ReactionAsync("inline", 8101, 700, "+1", login: "octo", association: "CONTRIBUTOR");
        await db.ReactionAsync("inline", 8101, 701, "+1", login: "hubot");
        await db.ReactionAsync("inline", 8101, 702, "-1", login: "mona");
        await db.ReactionAsync("reply", 8102, 702, "-1", login: "mona");
        await db.MaintainerAsync("acme/feedback", 700, "octo", "MEMBER");

        var response = await _reader.GetAsync($"/api/tasks/{id}/feedback", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();

        Assert.Equal(id, body.GetProperty("task_id").GetGuid());
        Assert.Equal(2, body.GetProperty("totals").GetProperty("up").GetInt32());
        Assert.Equal(2, body.GetProperty("totals").GetProperty("down").GetInt32());
        Assert.Equal("MEMBER", body.GetProperty("pr_author").GetProperty("association").GetString());
        var inline = body.GetProperty("comments").EnumerateArray().Single(c => c.GetProperty("kind").GetString() == "inline");
        Assert.Equal(8101, inline.GetProperty("github_comment_id").GetInt64());
        Assert.Equal("src/a.cs", inline.GetProperty("file").GetString());
        Assert.Equal(12, inline.GetProperty("line").GetInt32());
        Assert.Equal(2, inline.GetProperty("up").GetInt32());
        Assert.Equal(1, inline.GetProperty("down").GetInt32());
        var octo = inline.GetProperty("reactions").EnumerateArray().Single(r => r.GetProperty("reactor_id").GetInt64() == 700);
        Assert.Equal("octo", octo.GetProperty("reactor_login").GetString());
        Assert.Equal("MEMBER", octo.GetProperty("reactor_association").GetString()); // the live row wins
        Assert.Equal("+1", octo.GetProperty("content").GetString());
        var mona = inline.GetProperty("reactions").EnumerateArray().Single(r => r.GetProperty("reactor_id").GetInt64() == 702);
        Assert.Equal("NONE", mona.GetProperty("reactor_association").GetString()); // no row: the stored value
        Assert.True(mona.TryGetProperty("reacted_at", out _));

        // The stored snapshot is untouched.
        Assert.Equal("CONTRIBUTOR", await db.ScalarAsync<string>($"select pr_author_association from tasks where id = '{id}'"));

        await AssertProblemAsync(await _reader.GetAsync($"/api/tasks/{Guid.NewGuid()}/feedback", TestContext.Current.CancellationToken), HttpStatusCode.NotFound, null);
        await AssertProblemAsync(await _reader.GetAsync("/api/tasks/123/feedback", TestContext.Current.CancellationToken), HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task List_is_newest_first_paged_filtered_and_counted()
    {
        var now = DateTimeOffset.UtcNow;
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
            ids.Add(await RegisterAsync(ApiClients.Task("Acme/Listing", pr: 100 + i, createdAt: now.AddHours(-i))));
        await RegisterAsync(ApiClients.Task("Other/Repo", createdAt: now));
        await _writer.PostJsonAsync($"/api/tasks/{ids[1]}/comments", new object[]
        {
            new { kind = "inline", github_comment_id = 8201 }, new { kind = "inline", github_comment_id = 8202 },
        });
        await db.ReactionAsync("inline", 8201, 1, "+1");
        await db.ReactionAsync("inline", 8201, 2, "+1");
        await db.ReactionAsync("inline", 8202, 1, "-1");

        var ct = TestContext.Current.CancellationToken;
        var page1 = await (await _reader.GetAsync("/api/tasks?repository=ACME/listing&page_size=2", ct)).JsonAsync();
        Assert.Equal(5, page1.GetProperty("total").GetInt64());
        Assert.Equal([ids[0], ids[1]], page1.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetGuid()));
        var second = page1.GetProperty("items")[1];
        Assert.Equal(2, second.GetProperty("comments").GetInt32());
        Assert.Equal(2, second.GetProperty("up").GetInt32());
        Assert.Equal(1, second.GetProperty("down").GetInt32());
        Assert.Equal("acme/listing", second.GetProperty("repository").GetString());
        Assert.Equal(101, second.GetProperty("pr_number").GetInt32());

        var page3 = await (await _reader.GetAsync("/api/tasks?repository=acme/listing&page_size=2&page=3", ct)).JsonAsync();
        Assert.Equal([ids[4]], page3.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetGuid()));

        var from = Uri.EscapeDataString(now.AddHours(-2.5).ToString("O"));
        var to = Uri.EscapeDataString(now.AddHours(-0.5).ToString("O"));
        var window = await (await _reader.GetAsync($"/api/tasks?repository=acme/listing&from={from}&to={to}", ct)).JsonAsync();
        Assert.Equal([ids[1], ids[2]], window.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetGuid()));

        var hasDown = await (await _reader.GetAsync("/api/tasks?repository=acme/listing&has_down=true", ct)).JsonAsync();
        Assert.Equal([ids[1]], hasDown.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetGuid()));

        // 👎 not addressed: the 👎 comment counts until it is outdated or a person resolves its thread (a bot's resolve does not count).
        async Task<Guid[]> DownNotAddressedAsync() =>
            (await (await _reader.GetAsync("/api/tasks?repository=acme/listing&down_not_addressed=true", ct)).JsonAsync())
            .GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetGuid()).ToArray();
        Assert.Equal([ids[1]], await DownNotAddressedAsync());
        await db.ExecuteAsync("update review_comments set outdated = true where github_comment_id = 8202");
        Assert.Empty(await DownNotAddressedAsync());
        await db.ExecuteAsync("update review_comments set outdated = false, resolved = true, resolved_by_bot = true where github_comment_id = 8202");
        Assert.Equal([ids[1]], await DownNotAddressedAsync());
        await db.ExecuteAsync("update review_comments set resolved_by = 'ann', resolved_by_bot = false where github_comment_id = 8202");
        Assert.Empty(await DownNotAddressedAsync());
        await AssertProblemAsync(await _reader.GetAsync("/api/tasks?down_not_addressed=maybe", ct), HttpStatusCode.BadRequest, "down_not_addressed");

        await AssertProblemAsync(await _reader.GetAsync("/api/tasks?page_size=201", ct), HttpStatusCode.BadRequest, "page_size");
        await AssertProblemAsync(await _reader.GetAsync("/api/tasks?page=0", ct), HttpStatusCode.BadRequest, "page");
        await AssertProblemAsync(await _reader.GetAsync("/api/tasks?from=yesterday", ct), HttpStatusCode.BadRequest, "from");
        await AssertProblemAsync(await _reader.GetAsync($"/api/tasks?from={to}&to={from}", ct), HttpStatusCode.BadRequest, "to");
    }

    [Fact]
    public async Task Keys_and_scopes_gate_every_endpoint()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = _app.CreateClient();
        await AssertProblemAsync(await anonymous.GetAsync("/api/tasks", ct), HttpStatusCode.Unauthorized, null);

        using var unknown = _app.CreateClient();
        unknown.DefaultRequestHeaders.Authorization = new("Bearer", "fdk_not-a-real-key");
        await AssertProblemAsync(await unknown.GetAsync("/api/tasks", ct), HttpStatusCode.Unauthorized, null);

        var forbidden = await _reader.PostJsonAsync("/api/tasks", ApiClients.Task());
        await AssertProblemAsync(forbidden, HttpStatusCode.Forbidden, null);
        Assert.Contains("review:write", (await forbidden.JsonAsync()).GetProperty("detail").GetString());
        await AssertProblemAsync(await _writer.GetAsync("/api/tasks", ct), HttpStatusCode.Forbidden, null);

        var keys = new ApiKeyService(db.DbFactory, TimeProvider.System);
        var key = await keys.CreateAsync("to-revoke", [Scopes.ReviewRead], ct);
        using var revoked = _app.CreateClient();
        revoked.DefaultRequestHeaders.Authorization = new("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await revoked.GetAsync("/api/tasks", ct)).StatusCode);
        await keys.RevokeAsync("to-revoke", ct);
        // Revoked elsewhere (as `keys revoke` does): the app's cache hears of it through NOTIFY, within moments.
        var response = await revoked.GetAsync("/api/tasks", ct);
        for (var i = 0; i < 300 && response.StatusCode == HttpStatusCode.OK; i++)
        {
            await Task.Delay(100, ct);
            response = await revoked.GetAsync("/api/tasks", ct);
        }
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, null);
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        if (field is not null)
        {
            Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _),
                $"expected an error for '{field}': {text}");
        }
    }
}
