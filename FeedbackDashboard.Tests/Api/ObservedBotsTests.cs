using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static FeedbackDashboard.Tests.Infrastructure.WebhookPayloads;

namespace FeedbackDashboard.Tests.Api;

/// <summary>
/// Bot profiles through the API and the CLI, and a profiled bot's comments captured from GitHub's deliveries (built from
/// GitHub's examples, signed and POSTed by the fake GitHub to the real app on a real database), within a second.
/// </summary>
public sealed class ObservedBotsTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private const string Secret = "observed-bots";
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(1);
    private AppFactory _app = null!;
    private FakeGitHub _fake = null!;
    private HttpClient _writer = null!;
    private HttpClient _reader = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = new AppFactory(db.ConnectionString, new Dictionary<string, string?> { ["GITHUB_WEBHOOK_SECRET"] = Secret });
        _fake = await FakeGitHub.StartAsync();
        _fake.WebhookSecret = Secret;
        _fake.WebhookTarget = _app.CreateClient();
        _writer = await _app.WithKeyAsync(db, Scopes.BotsWrite, Scopes.ReviewRead, Scopes.ReviewWrite);
        _reader = await _app.WithKeyAsync(db, Scopes.ReviewRead);
        Assert.Equal(200, await _fake.DeliverAsync("ping", new JsonObject { ["zen"] = "Speak like a human." }));
    }

    public async ValueTask DisposeAsync()
    {
        _writer.Dispose();
        _reader.Dispose();
        _fake.WebhookTarget?.Dispose();
        await _fake.DisposeAsync();
        await _app.DisposeAsync();
    }

    private Task<HttpResponseMessage> PutBotAsync(string name, object body) =>
        _writer.PutAsJsonAsync($"/api/bots/{name}", body, ApiClients.Json, Ct);

    private async Task AddBotAsync(string name, string[] logins, string? pattern = null)
    {
        using var response = await PutBotAsync(name, new { logins, body_pattern = pattern });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>Delivers, expects a 2xx, and waits at most a second until <paramref name="visible"/> holds.</summary>
    private async Task DeliverAsync(string eventName, JsonNode payload, Func<Task<bool>> visible, string? guid = null)
    {
        var clock = Stopwatch.StartNew();
        Assert.Equal(200, await _fake.DeliverAsync(eventName, payload, guid));
        while (!await visible())
        {
            Assert.True(clock.Elapsed < Visible, $"{eventName}.{payload["action"]}: no effect within {Visible.TotalSeconds} s");
            await Task.Delay(10, Ct);
        }
    }

    private async Task<string> OutcomeAsync(string guid) =>
        await db.ScalarAsync<string>($"select outcome from webhook_deliveries where guid = '{guid}'");

    private Task<bool> Is(string sql) => db.ScalarAsync<bool>(sql);

    /// <summary>GitHub's timestamps have whole seconds.</summary>
    private static DateTimeOffset WholeSecond(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private async Task<JsonElement> GetAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return await response.JsonAsync();
    }

    [Fact]
    public async Task Profiles_are_put_listed_and_deleted_with_the_right_scopes()
    {
        using (var created = await PutBotAsync("rabbit", new { logins = new[] { "CodeRabbitAI[bot]" } }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using (var updated = await PutBotAsync("rabbit", new { logins = new[] { "coderabbitai[bot]", "rabbit-two" }, body_pattern = "^## Walkthrough" }))
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);

        var bot = (await GetAsync(_reader, "/api/bots")).EnumerateArray().Single(b => b.GetProperty("name").GetString() == "rabbit");
        Assert.Equal(["coderabbitai[bot]", "rabbit-two"], bot.GetProperty("logins").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal("^## Walkthrough", bot.GetProperty("body_pattern").GetString());
        Assert.Equal(0, bot.GetProperty("runs").GetInt32());
        Assert.Equal(0, bot.GetProperty("comments").GetInt32());
        Assert.Equal(0, bot.GetProperty("pull_requests").GetInt32());
        Assert.Equal(JsonValueKind.Null, bot.GetProperty("last_seen_at").ValueKind);

        using (var readOnly = await _reader.PutAsJsonAsync("/api/bots/other", new { logins = new[] { "x" } }, ApiClients.Json, Ct))
            Assert.Equal(HttpStatusCode.Forbidden, readOnly.StatusCode);
        using (var writeOnly = await _app.WithKeyAsync(db, Scopes.ReviewWrite))
        using (var forbidden = await writeOnly.DeleteAsync("/api/bots/rabbit", Ct))
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        using (var deleted = await _writer.DeleteAsync("/api/bots/rabbit", Ct)) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (var again = await _writer.DeleteAsync("/api/bots/rabbit", Ct)) Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.DoesNotContain((await GetAsync(_reader, "/api/bots")).EnumerateArray(), b => b.GetProperty("name").GetString() == "rabbit");
    }

    [Theory]
    [InlineData("Bad-Name", """{"logins": ["x[bot]"]}""", "name")]
    [InlineData("ok", """{"logins": []}""", "logins")]
    [InlineData("ok", """{}""", "logins")]
    [InlineData("ok", """{"logins": ["has space"]}""", "logins[0]")]
    [InlineData("ok", """{"logins": ["a\u0000b"]}""", "logins[0]")]
    [InlineData("ok", """{"logins": ["x[bot]"], "body_pattern": "(unclosed"}""", "body_pattern")]
    [InlineData("ok", """{"logins": ["x[bot]"], "body_pattern": ""}""", "body_pattern")]
    [InlineData("ok", """{"logins": "x[bot]"}""", "logins")]
    public async Task A_bad_profile_is_a_400_naming_the_field_and_changes_nothing(string name, string body, string field)
    {
        using var response = await _writer.PutAsync($"/api/bots/{name}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.False(await Is($"select exists (select 1 from bot_profiles where name = '{name.ToLowerInvariant()}')"));
    }

    [Fact]
    public async Task A_key_limited_to_installations_cannot_read_or_change_profiles()
    {
        var key = await db.Services.GetRequiredService<ApiKeyService>().CreateAsync("limited-" + Guid.NewGuid().ToString("N")[..6],
            [Scopes.ReviewRead, Scopes.BotsWrite], [77L], Ct);
        using var limited = _app.CreateClient();
        limited.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using (var list = await limited.GetAsync("/api/bots", Ct)) Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        using (var put = await limited.PutAsJsonAsync("/api/bots/limited", new { logins = new[] { "x" } }, ApiClients.Json, Ct))
            Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.False(await Is("select exists (select 1 from bot_profiles where name = 'limited')"));
    }

    [Fact]
    public async Task A_review_and_its_inline_comments_become_one_observed_run()
    {
        await AddBotAsync("copilot", ["copilot-pull-request-reviewer[bot]", "copilot"]);
        var pr = new PullRequestRef(RepoId: 910001, Repository: "Acme/Reviewed", Number: 42, AuthorId: 7001, AuthorLogin: "alice", Association: "COLLABORATOR");
        var submitted = WholeSecond(DateTimeOffset.UtcNow.AddMinutes(-3));

        // The inline comment arrives first (GitHub does not order deliveries); its login differs in case from the profile's.
        await DeliverAsync("pull_request_review_comment", InlineCreated(5001, "Copilot", "Possible null dereference.", 6001, pr,
                userType: "User", createdAt: submitted.AddSeconds(-2)),
            () => Is("select exists (select 1 from review_comments where kind = 'inline' and github_comment_id = 5001)"));
        await DeliverAsync("pull_request_review", ReviewSubmitted(6001, "copilot-pull-request-reviewer[bot]", submitted, pr, body: "Reviewed 3 files"),
            () => Is($"select created_at = '{submitted:O}' from tasks where github_review_id = 6001"));
        await DeliverAsync("pull_request_review_comment", InlineCreated(5002, "Copilot", "Unused variable.", 6001, pr, userType: "User", line: null,
                originalLine: 30, createdAt: submitted.AddSeconds(5)),
            () => Is("select exists (select 1 from review_comments where github_comment_id = 5002)"));

        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from tasks where github_review_id = 6001"));
        Assert.Equal("observed|42|7001|alice|COLLABORATOR|copilot|acme/reviewed|77|910001", await db.ScalarAsync<string>("""
            select t.source || '|' || t.pr_number || '|' || t.pr_author_id || '|' || t.pr_author_login || '|' || t.pr_author_association
                   || '|' || (t.labels ->> 'bot') || '|' || r.full_name || '|' || r.installation_id || '|' || r.github_id
            from tasks t join repositories r on r.id = t.repository_id where t.github_review_id = 6001
            """));
        Assert.Equal("inline src/app.cs 12 Possible null dereference. https://github.com/Acme/Reviewed/pull/42#discussion_r5001 PRRC_5001 copilot|"
                     + "inline src/app.cs 30 Unused variable. https://github.com/Acme/Reviewed/pull/42#discussion_r5002 PRRC_5002 copilot",
            await db.ScalarAsync<string>("""
                select string_agg(c.kind || ' ' || c.file || ' ' || c.line || ' ' || c.body || ' ' || c.html_url || ' ' || c.node_id || ' ' || (c.labels ->> 'bot'), '|' order by c.github_comment_id)
                from review_comments c join tasks t on t.id = c.task_id where t.github_review_id = 6001
                """));
        Assert.True(await Is($"select created_at = '{submitted.AddSeconds(-2):O}' from review_comments where github_comment_id = 5001"));

        var task = await db.ScalarAsync<Guid>("select id from tasks where github_review_id = 6001");
        var feedback = await GetAsync(_reader, $"/api/tasks/{task}/feedback");
        Assert.Equal(2, feedback.GetProperty("comments").GetArrayLength());
        var run = await GetAsync(_reader, $"/api/tasks/{task}");
        Assert.Equal(("observed", 6001L, "copilot"), (run.GetProperty("source").GetString(), run.GetProperty("github_review_id").GetInt64(),
            run.GetProperty("labels").GetProperty("bot").GetString()));
        var bot = (await GetAsync(_reader, "/api/bots")).EnumerateArray().Single(b => b.GetProperty("name").GetString() == "copilot");
        Assert.Equal((1, 2, 1), (bot.GetProperty("runs").GetInt32(), bot.GetProperty("comments").GetInt32(), bot.GetProperty("pull_requests").GetInt32()));
        Assert.Equal(submitted.AddSeconds(-2), bot.GetProperty("first_seen_at").GetDateTimeOffset());

        // edited updates the body, deleted retires the comment; the run stays.
        await DeliverAsync("pull_request_review_comment", Comment("pull_request_review_comment", "edited", 5002, "Unused variable `x`."),
            () => Is("select body = 'Unused variable `x`.' from review_comments where github_comment_id = 5002"));
        await DeliverAsync("pull_request_review_comment", Comment("pull_request_review_comment", "deleted", 5001),
            () => Is("select gone_at is not null from review_comments where github_comment_id = 5001"));
    }

    [Fact]
    public async Task Conversation_comments_join_one_run_per_bot_and_pull_request_and_plain_issues_are_ignored()
    {
        await AddBotAsync("gemini", ["gemini-code-assist[bot]"]);
        var pr = new PullRequestRef(RepoId: 920001, Repository: "acme/talk", Number: 9, AuthorId: 7002, AuthorLogin: "bob", Association: "NONE");
        var first = WholeSecond(DateTimeOffset.UtcNow.AddMinutes(-10));
        await DeliverAsync("issue_comment", ConversationCreated(5101, "gemini-code-assist[bot]", "Summary of changes", pr, createdAt: first),
            () => Is("select exists (select 1 from review_comments where kind = 'reply' and github_comment_id = 5101)"));
        var guid = Guid.NewGuid().ToString();
        await DeliverAsync("issue_comment", ConversationCreated(5102, "gemini-code-assist[bot]", "Second thought", pr, createdAt: first.AddMinutes(2)),
            () => Is("select exists (select 1 from review_comments where kind = 'reply' and github_comment_id = 5102)"), guid);
        // A replay of the same delivery stores nothing twice.
        Assert.Equal(200, await _fake.DeliverAsync("issue_comment", ConversationCreated(5102, "gemini-code-assist[bot]", "Second thought", pr), guid));

        Assert.True(await Is($"""
            select count(*) = 1 and min(created_at) = '{first:O}' and count(github_review_id) = 0 and bool_and(source = 'observed')
            from tasks where labels ->> 'bot' = 'gemini'
            """));
        Assert.Equal(2L, await db.ScalarAsync<long>("""
            select count(*) from review_comments c join tasks t on t.id = c.task_id
            where t.labels ->> 'bot' = 'gemini' and c.kind = 'reply' and c.file is null and c.html_url like 'https://github.com/acme/talk/pull/9#issuecomment-%'
            """));

        // The same bot on a plain issue: not a pull request comment, nothing stored, the delivery is ignored.
        var issue = Guid.NewGuid().ToString();
        Assert.Equal(200, await _fake.DeliverAsync("issue_comment",
            ConversationCreated(5103, "gemini-code-assist[bot]", "On an issue", pr with { Number = 10 }, onPullRequest: false), issue));
        Assert.Equal("ignored", await OutcomeAsync(issue));
        Assert.False(await Is("select exists (select 1 from review_comments where github_comment_id = 5103)"));
        Assert.False(await Is("select exists (select 1 from bot_candidates where login = 'gemini-code-assist[bot]')"));
    }

    [Fact]
    public async Task A_body_pattern_tells_a_shared_identitys_bots_apart()
    {
        await AddBotAsync("lint-action", ["github-actions[bot]"], "^<!-- lint-bot -->");
        var pr = new PullRequestRef(RepoId: 930001, Repository: "acme/shared", Number: 3);
        var other = Guid.NewGuid().ToString();
        Assert.Equal(200, await _fake.DeliverAsync("issue_comment", ConversationCreated(5201, "github-actions[bot]", "Deployed to preview", pr), other));
        await DeliverAsync("issue_comment", ConversationCreated(5202, "github-actions[bot]", "<!-- lint-bot -->\n3 warnings", pr),
            () => Is("select exists (select 1 from review_comments where github_comment_id = 5202)"));
        Assert.Equal("applied", await OutcomeAsync(other));
        Assert.False(await Is("select exists (select 1 from review_comments where github_comment_id = 5201)"));
        // Its login is a profile's: not a candidate either.
        Assert.False(await Is("select exists (select 1 from bot_candidates where login = 'github-actions[bot]')"));
    }

    [Fact]
    public async Task A_bot_without_a_profile_is_only_counted_as_a_candidate()
    {
        var a = new PullRequestRef(RepoId: 940001, Repository: "acme/cand-a", Number: 1);
        var b = new PullRequestRef(RepoId: 940002, Repository: "acme/cand-b", Number: 2);
        await DeliverAsync("pull_request_review_comment", InlineCreated(5301, "Cursor[bot]", "Bug: off by one", 6301, a),
            () => Is("select exists (select 1 from bot_candidates where login = 'cursor[bot]')"));
        await DeliverAsync("issue_comment", ConversationCreated(5302, "cursor[bot]", "Bugbot run", b),
            () => Is("select comments = 1 from bot_candidates where login = 'cursor[bot]' and repository = 'acme/cand-b'"));
        await DeliverAsync("issue_comment", ConversationCreated(5303, "cursor[bot]", "Bugbot run", b),
            () => Is("select comments = 2 from bot_candidates where login = 'cursor[bot]' and repository = 'acme/cand-b'"));
        await DeliverAsync("issue_comment", ConversationCreated(5304, "codex[bot]", "Codex review", a),
            () => Is("select exists (select 1 from bot_candidates where login = 'codex[bot]')"));
        // A person is no candidate, whatever they write.
        var person = Guid.NewGuid().ToString();
        Assert.Equal(200, await _fake.DeliverAsync("issue_comment", ConversationCreated(5305, "carol", "LGTM", a, userType: "User"), person));

        var candidates = (await GetAsync(_reader, "/api/bots/candidates")).EnumerateArray().ToList();
        Assert.Equal("cursor[bot]", candidates[0].GetProperty("login").GetString());
        Assert.Equal((3, 2), (candidates[0].GetProperty("comments").GetInt32(), candidates[0].GetProperty("repositories").GetInt32()));
        Assert.Contains(candidates, c => c.GetProperty("login").GetString() == "codex[bot]");
        Assert.DoesNotContain(candidates, c => c.GetProperty("login").GetString() == "carol");
        // Nothing else of theirs: no run, no comment, no repository.
        Assert.False(await Is("select exists (select 1 from review_comments where github_comment_id between 5301 and 5305)"));
        Assert.False(await Is("select exists (select 1 from repositories where full_name in ('acme/cand-a', 'acme/cand-b'))"));

        // Once profiled, a bot leaves the candidates.
        await AddBotAsync("bugbot", ["cursor[bot]"]);
        Assert.DoesNotContain((await GetAsync(_reader, "/api/bots/candidates")).EnumerateArray(), c => c.GetProperty("login").GetString() == "cursor[bot]");
    }

    [Fact]
    public async Task A_comment_registered_through_the_API_is_stored_once_and_keeps_its_run()
    {
        await AddBotAsync("ours", ["our-bot[bot]"]);
        using var registered = await _writer.PostJsonAsync("/api/tasks", ApiClients.Task("acme/ours", pr: 5));
        var task = (await registered.JsonAsync()).GetProperty("id").GetGuid();
        using (var posted = await _writer.PostJsonAsync($"/api/tasks/{task}/comments", new[] { new { kind = "inline", github_comment_id = 5401L, file = "a.cs", line = 3 } }))
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

        var guid = Guid.NewGuid().ToString();
        Assert.Equal(200, await _fake.DeliverAsync("pull_request_review_comment",
            InlineCreated(5401, "our-bot[bot]", "Found it", 6401, new PullRequestRef(RepoId: 950001, Repository: "acme/ours", Number: 5)), guid));
        Assert.Equal("applied", await OutcomeAsync(guid));
        Assert.Equal(task, await db.ScalarAsync<Guid>("select task_id from review_comments where kind = 'inline' and github_comment_id = 5401"));
        Assert.False(await Is("select exists (select 1 from tasks where github_review_id = 6401)"));
    }

    [Fact]
    public async Task A_repository_of_another_installation_is_not_moved_and_nothing_is_recorded()
    {
        await AddBotAsync("moved", ["moved-bot[bot]"]);
        await db.RepoAsync("acme/elsewhere", installation: 88);
        var guid = Guid.NewGuid().ToString();
        Assert.Equal(200, await _fake.DeliverAsync("pull_request_review_comment",
            InlineCreated(5501, "moved-bot[bot]", "Hi", 6501, new PullRequestRef(RepoId: 960001, Repository: "acme/elsewhere", Installation: 77)), guid));
        Assert.Equal("applied", await OutcomeAsync(guid));
        Assert.Equal(88L, await db.ScalarAsync<long>("select installation_id from repositories where full_name = 'acme/elsewhere'"));
        Assert.False(await Is("select exists (select 1 from review_comments where github_comment_id = 5501)"));
        Assert.False(await Is("select exists (select 1 from tasks where github_review_id = 6501)"));
    }

    [Fact]
    public async Task Runs_carry_their_source_and_filter_by_source_and_bot()
    {
        await AddBotAsync("lister", ["lister[bot]"]);
        var pr = new PullRequestRef(RepoId: 970001, Repository: "acme/runs", Number: 11);
        await DeliverAsync("pull_request_review", ReviewSubmitted(6601, "lister[bot]", DateTimeOffset.UtcNow.AddMinutes(-1), pr),
            () => Is("select exists (select 1 from tasks where github_review_id = 6601)"));
        using (var api = await _writer.PostJsonAsync("/api/tasks", ApiClients.Task("acme/runs", pr: 11)))
            Assert.Equal(HttpStatusCode.Created, api.StatusCode);

        var all = (await GetAsync(_reader, "/api/tasks?repository=acme/runs")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["api", "observed"], all.Select(r => r.GetProperty("source").GetString()).Order());
        var observed = (await GetAsync(_reader, "/api/tasks?repository=acme/runs&source=observed")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal("observed", observed.GetProperty("source").GetString());
        Assert.Equal("api", (await GetAsync(_reader, "/api/tasks?repository=acme/runs&source=api")).GetProperty("items").EnumerateArray().Single()
            .GetProperty("source").GetString());
        var byBot = (await GetAsync(_reader, "/api/tasks?bot=lister")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal(observed.GetProperty("id").GetGuid(), byBot.GetProperty("id").GetGuid());

        foreach (var bad in new[] { "source=bot", "bot=Not%20A%20Name" })
        {
            using var response = await _reader.GetAsync($"/api/tasks?{bad}", Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(bad.Split('=')[0], out _));
        }
    }

    [Fact]
    public async Task The_bots_command_adds_lists_and_removes_profiles()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "FeedbackDashboard.dll");
        async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
        {
            var psi = new ProcessStartInfo("dotnet", [dll, .. args])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["DATABASE_URL"] = db.ConnectionString },
            };
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync(Ct);
            var stderr = p.StandardError.ReadToEndAsync(Ct);
            await p.WaitForExitAsync(Ct);
            return (p.ExitCode, await stdout, await stderr);
        }

        var added = await RunAsync("bots", "add", "--name", "cli-bot", "--login", "Cli-Bot[bot],cli-two", "--body-pattern", "^Review");
        Assert.True(added.Code == 0, added.Err);
        Assert.Equal(["cli-bot[bot]", "cli-two"], await db.ScalarAsync<string[]>("select logins from bot_profiles where name = 'cli-bot'"));
        Assert.Equal("^Review", await db.ScalarAsync<string>("select body_pattern from bot_profiles where name = 'cli-bot'"));

        var list = await RunAsync("bots", "list");
        Assert.Equal(0, list.Code);
        Assert.Contains("LAST SEEN", list.Out);
        Assert.Matches(@"cli-bot\s+cli-bot\[bot\],cli-two\s+\^Review\s+0\s+never", list.Out);

        var bad = await RunAsync("bots", "add", "--name", "cli-bad", "--login", "x", "--body-pattern", "([a-z");
        Assert.Equal(2, bad.Code);
        Assert.Contains("--body-pattern", bad.Err);
        Assert.False(await Is("select exists (select 1 from bot_profiles where name = 'cli-bad')"));

        var removed = await RunAsync("bots", "remove", "--name", "cli-bot");
        Assert.True(removed.Code == 0, removed.Err);
        Assert.False(await Is("select exists (select 1 from bot_profiles where name = 'cli-bot')"));
        Assert.Equal(1, (await RunAsync("bots", "remove", "--name", "cli-bot")).Code);
    }

    [Fact]
    public async Task Analytics_filter_and_group_by_bot()
    {
        await AddBotAsync("alpha", ["alpha-bot[bot]"]);
        await AddBotAsync("beta", ["beta-bot[bot]"]);
        var pr = new PullRequestRef(RepoId: 980001, Repository: "acme/side-by-side", Number: 21);
        await DeliverAsync("pull_request_review_comment", InlineCreated(5701, "alpha-bot[bot]", "A1", 6701, pr),
            () => Is("select exists (select 1 from review_comments where github_comment_id = 5701)"));
        await DeliverAsync("pull_request_review_comment", InlineCreated(5702, "alpha-bot[bot]", "A2", 6701, pr),
            () => Is("select exists (select 1 from review_comments where github_comment_id = 5702)"));
        await DeliverAsync("issue_comment", ConversationCreated(5703, "beta-bot[bot]", "B1", pr),
            () => Is("select exists (select 1 from review_comments where github_comment_id = 5703)"));
        await db.ReactionAsync("inline", 5701, 8001, "+1");
        await db.ReactionAsync("reply", 5703, 8002, "-1");

        const string where = "/api/analytics/feedback?repository=acme/side-by-side";
        var alpha = await GetAsync(_reader, $"{where}&bot=alpha");
        Assert.Equal((2, 1, 0), (alpha.GetProperty("current").GetProperty("comments").GetInt32(), alpha.GetProperty("current").GetProperty("up").GetInt32(),
            alpha.GetProperty("current").GetProperty("down").GetInt32()));

        var groups = (await GetAsync(_reader, $"{where}&group_by=bot")).GetProperty("groups").EnumerateArray()
            .ToDictionary(g => g.GetProperty("key").GetString()!, g => (g.GetProperty("comments").GetInt32(), g.GetProperty("up").GetInt32(), g.GetProperty("down").GetInt32()));
        Assert.Equal((2, 1, 0), groups["alpha"]);
        Assert.Equal((1, 0, 1), groups["beta"]);

        using var bad = await _reader.GetAsync($"{where}&bot=Not%20A%20Bot", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.JsonAsync()).GetProperty("errors").TryGetProperty("bot", out _));
    }

    [Fact]
    public async Task An_unusable_comment_rolls_back_its_run_with_it_and_the_delivery_is_recorded_as_failed()
    {
        await AddBotAsync("nul", ["nul-bot[bot]"]);
        var guid = Guid.NewGuid().ToString();
        // PostgreSQL refuses a NUL in text: the comment's insert fails after the repository and the run were written.
        Assert.Equal(200, await _fake.DeliverAsync("pull_request_review_comment",
            InlineCreated(5801, "nul-bot[bot]", "bad \u0000 body", 6801, new PullRequestRef(RepoId: 990001, Repository: "acme/nul")), guid));
        Assert.Equal("failed", await OutcomeAsync(guid));
        Assert.False(await Is("select exists (select 1 from tasks where github_review_id = 6801)"));
        Assert.False(await Is("select exists (select 1 from repositories where full_name = 'acme/nul')"));
    }

    [Fact]
    public async Task A_body_pattern_that_runs_too_long_matches_nothing_and_the_delivery_still_applies()
    {
        await AddBotAsync("slow", ["slow-bot[bot]"], "^(a+)+$");
        var guid = Guid.NewGuid().ToString();
        Assert.Equal(200, await _fake.DeliverAsync("issue_comment",
            ConversationCreated(5901, "slow-bot[bot]", new string('a', 40) + "!", new PullRequestRef(RepoId: 990002, Repository: "acme/slow")), guid));
        Assert.Equal("applied", await OutcomeAsync(guid));
        Assert.False(await Is("select exists (select 1 from review_comments where github_comment_id = 5901)"));
    }

    [Fact]
    public async Task A_reviews_comments_delivered_at_once_on_a_new_repository_are_all_registered_in_one_run()
    {
        await AddBotAsync("burst", ["burst-bot[bot]"]);
        var pr = new PullRequestRef(RepoId: 990003, Repository: "acme/burst", Number: 4);
        // GitHub sends a review's comments together: the first deliveries race to register the repository and the run.
        var ids = Enumerable.Range(0, 12).Select(i => 6000L + i).ToList();
        var statuses = await Task.WhenAll(ids.Select(id => _fake.DeliverAsync("pull_request_review_comment",
            InlineCreated(id, "burst-bot[bot]", $"finding {id}", 6901, pr))));
        Assert.All(statuses, s => Assert.Equal(200, s));
        Assert.Equal(12L, await db.ScalarAsync<long>("""
            select count(*) from review_comments c join tasks t on t.id = c.task_id where t.github_review_id = 6901
            """));
        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from tasks where github_review_id = 6901"));
        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from repositories where full_name = 'acme/burst'"));
    }
}
