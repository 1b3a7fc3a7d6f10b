using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Tests.Infrastructure;
using static FeedbackDashboard.Tests.Infrastructure.FakeGitHub;

namespace FeedbackDashboard.Tests.Core.Comments;

/// <summary>
/// What became of each comment, end to end on a real database: the poller against the fake GitHub (commits, threads,
/// reactions) and GitHub's deliveries signed and POSTed to the real app; the fields read back through the API, whose
/// answers are checked against its OpenAPI document.
/// </summary>
public sealed class DispositionsTests : IAsyncLifetime
{
    private const long Inst = 77;
    private const string Repo = "acme/widgets";
    private const string Secret = "dispositions";
    private const string Bot = "review-bot[bot]";
    private readonly PostgresDatabase _db = new();
    private GitHubHarness _gh = null!;
    private AppFactory _app = null!;
    private HttpClient _reader = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private FakeGitHub Fake => _gh.Fake;
    private DateTimeOffset Now => _gh.Time.GetUtcNow();

    public async ValueTask InitializeAsync()
    {
        await _db.InitializeAsync();
        _gh = await GitHubHarness.StartAsync();
        Fake.Installations.Add(Inst);
        _app = new AppFactory(_db.ConnectionString, new Dictionary<string, string?> { ["GITHUB_WEBHOOK_SECRET"] = Secret });
        Fake.WebhookSecret = Secret;
        Fake.WebhookTarget = _app.CreateClient();
        _reader = await _app.WithKeyAsync(_db, Scopes.ReviewRead, Scopes.BotsWrite);
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        Fake.WebhookTarget?.Dispose();
        await _app.DisposeAsync();
        await _gh.DisposeAsync();
        await _db.DisposeAsync();
    }

    private Task<Guid> TaskAsync() => _db.TaskAsync(Repo, Now - TimeSpan.FromMinutes(10), pr: 1, authorId: 501, authorLogin: "octo");

    /// <summary>A bot's inline comment on GitHub and registered (as a review capture records it: body and author from REST).</summary>
    private async Task CommentAsync(Guid task, long id, string path, string body, string author = Bot)
    {
        Fake.AddComment(Repo, CommentKind.Inline, id, path, 10, prNumber: 1);
        Fake.SetBody(CommentKind.Inline, id, body);
        await new CaptureService(_db.DataSource, _gh.Time).AddCommentsAsync(task,
        [
            new CapturedComment(CommentKinds.Inline, id, NodeIdFor(CommentKind.Inline, id), path, 10, Now - TimeSpan.FromMinutes(5), null, body,
                FindingTags.None) { AuthorLogin = author, AuthorId = 41898282 },
        ], Ct);
    }

    private async Task CycleAsync()
    {
        await PollerHarness.Poller(_db, _gh, PollerHarness.Settings()).RunCycleAsync(Ct);
        _gh.FakeTime.Advance(TimeSpan.FromSeconds(300));
    }

    /// <summary>applied_commit disposition resolved_by_kind reraise_of (null as "-").</summary>
    private async Task<string> StateAsync(long id)
    {
        await using var cmd = _db.DataSource.CreateCommand("""
            select concat_ws(' ', coalesce(applied_commit, '-'), disposition, coalesce(resolved_by_kind, '-'), coalesce(reraise_of::text, '-'))
            from review_comments where kind = 'inline' and github_comment_id = @id
            """);
        cmd.Parameters.AddWithValue("id", id);
        return (string)(await cmd.ExecuteScalarAsync(Ct))!;
    }

    private static string Suggest(params string[] lines) => "Consider:\n```suggestion\n" + string.Concat(lines.Select(l => l + "\n")) + "```";

    [Fact]
    public async Task Applied_by_Commit_suggestion_or_by_hand_each_commit_fetched_once()
    {
        var task = await TaskAsync();
        await CommentAsync(task, 1, "src/a.cs", "Use the constant:\r\n```suggestion\r\nvar limit = MaxItems;\r\n```\r\n");
        await CommentAsync(task, 2, "src/b.cs", Suggest("if (x is null) return;") + "\nand\n" + Suggest("return x.Value;"));
        await CommentAsync(task, 3, "src/c.cs", Suggest("log.Warn(e);"));
        await CommentAsync(task, 4, "src/d.cs", Suggest("Dispose();"));
        await CommentAsync(task, 5, "src/e.cs", "Plain remark, no suggested change.");
        await CommentAsync(task, 6, "src/f.cs", "Drop these lines:\n````suggestion\n````");

        await CycleAsync();
        // The first sight of the pull request looks once (its commit list); nothing to fetch yet.
        Assert.Equal((1, 0), (Fake.Count("pull-commits"), Fake.Count("commit")));

        // GitHub's "Commit suggestion": a trailer naming the bot, the suggested line added (with trailing spaces) at a.cs; at
        // c.cs the same commit adds something else, so comment 3 is not applied though the trailer names its author.
        var c1 = Fake.Push(Repo, 1, CommitSuggestionMessage(Bot),
            new FakeFile("src/a.cs", Patch(["var limit = 100;"], ["var limit = MaxItems;   "])),
            new FakeFile("src/c.cs", Patch(["log.Info(e);"], ["log.Error(e);"])));
        // By hand, no trailer: half of comment 2's lines, a deletion at f.cs, then the rest of comment 2 in a later commit.
        var c2 = Fake.Push(Repo, 1, "Null check",
            new FakeFile("src/b.cs", Patch([], ["if (x is null) return;"])), new FakeFile("src/f.cs", Patch(["old();", "older();"], [])));
        var c3 = Fake.Push(Repo, 1, "Return the value",
            new FakeFile("src/b.cs", Patch(["return x;"], ["if (x is null) return;", "return x.Value;"])));
        Fake.PushMerge(Repo, 1, new FakeFile("src/d.cs", Patch([], ["Dispose();"])));
        await CycleAsync();

        Assert.Equal($"{c1.Sha} applied - -", await StateAsync(1));
        Assert.Equal($"{c3.Sha} applied - -", await StateAsync(2));
        Assert.Equal("- open - -", await StateAsync(3));
        // A merge brings the base branch's changes, not the author's: never a candidate.
        Assert.Equal("- open - -", await StateAsync(4));
        Assert.Equal("- open - -", await StateAsync(5));
        Assert.Equal($"{c2.Sha} applied - -", await StateAsync(6));
        Assert.Equal((2, 3), (Fake.Count("pull-commits"), Fake.Count("commit")));

        // No push: no look. A push: only the new commit is fetched.
        await CycleAsync();
        Assert.Equal((2, 3), (Fake.Count("pull-commits"), Fake.Count("commit")));
        Fake.Push(Repo, 1, "Unrelated", new FakeFile("src/d.cs", Patch([], ["Close();"])));
        await CycleAsync();
        Assert.Equal((3, 4), (Fake.Count("pull-commits"), Fake.Count("commit")));
        Assert.Equal("- open - -", await StateAsync(4));

        var comments = (await FeedbackAsync(task)).ToDictionary(c => c.GetProperty("github_comment_id").GetInt64());
        Assert.True(comments[1].GetProperty("suggestion").GetBoolean());
        Assert.True(comments[1].GetProperty("applied").GetBoolean());
        Assert.Equal(c1.Sha, comments[1].GetProperty("applied_commit").GetString());
        Assert.Equal("applied", comments[1].GetProperty("disposition").GetString());
        Assert.False(comments[3].GetProperty("applied").GetBoolean());
        Assert.Equal(JsonValueKind.Null, comments[3].GetProperty("applied_commit").ValueKind);
        Assert.False(comments[5].GetProperty("suggestion").GetBoolean());
        Assert.Equal(JsonValueKind.Null, comments[5].GetProperty("applied").ValueKind);
        Assert.Equal("open", comments[5].GetProperty("disposition").GetString());
        Assert.Equal(JsonValueKind.Null, comments[5].GetProperty("reraise_of").ValueKind);
        Assert.Equal(JsonValueKind.Null, comments[5].GetProperty("resolved_by_kind").ValueKind);
    }

    [Fact]
    public async Task Every_page_of_the_commit_list_is_read()
    {
        var task = await TaskAsync();
        await CommentAsync(task, 1, "src/a.cs", Suggest("var limit = MaxItems;"));
        Fake.MaxPageSize = 1;
        Fake.Push(Repo, 1, "One", new FakeFile("src/z.cs", Patch([], ["z();"])));
        Fake.Push(Repo, 1, "Two", new FakeFile("src/y.cs", Patch([], ["y();"])));
        var third = Fake.Push(Repo, 1, "Three", new FakeFile("src/a.cs", Patch(["var limit = 100;"], ["var limit = MaxItems;"])));
        await CycleAsync();
        Assert.Equal($"{third.Sha} applied - -", await StateAsync(1));
        Assert.Equal((3, 3), (Fake.Count("pull-commits"), Fake.Count("commit")));
    }

    [Fact]
    public async Task A_pull_request_without_open_suggestions_costs_no_commit_request()
    {
        var task = await TaskAsync();
        await CommentAsync(task, 1, "src/a.cs", "Plain remark.");
        await CycleAsync();
        Fake.Push(Repo, 1, "Anything", new FakeFile("src/a.cs", Patch([], ["x();"])));
        await CycleAsync();
        Assert.Equal((0, 0), (Fake.Count("pull-commits"), Fake.Count("commit")));
    }

    private async Task<List<JsonElement>> FeedbackAsync(Guid task)
    {
        using var response = await _reader.GetAsync($"/api/tasks/{task}/feedback", Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        return [.. (await response.JsonAsync()).GetProperty("comments").EnumerateArray()];
    }

    [Fact]
    public async Task Resolver_kinds_from_the_thread_read_and_from_the_deliverys_sender()
    {
        var task = await TaskAsync();
        for (var id = 1; id <= 5; id++) await CommentAsync(task, id, $"src/{id}.cs", $"Remark {id}.");
        await CycleAsync();

        Fake.ResolveThread(1, "ann");
        // GraphQL's resolvedBy is a User: a bot's resolution reads as no resolver.
        Fake.ResolveThread(2, null);
        await CycleAsync();
        // A person resolving with no change under it (not outdated) dismissed it; a bot's resolution decides nothing.
        Assert.Equal("- dismissed person -", await StateAsync(1));
        Assert.Equal("- open other_bot -", await StateAsync(2));

        Assert.Equal(200, await Fake.DeliverAsync("pull_request_review_thread", WebhookPayloads.Thread("resolved", [3], "Review-Bot[bot]", "Bot")));
        Assert.Equal(200, await Fake.DeliverAsync("pull_request_review_thread", WebhookPayloads.Thread("resolved", [4], "lint-ci[bot]", "Bot")));
        Assert.Equal(200, await Fake.DeliverAsync("pull_request_review_thread", WebhookPayloads.Thread("resolved", [5], "alice")));
        Assert.Equal("- open this_bot -", await StateAsync(3));
        Assert.Equal("- open other_bot -", await StateAsync(4));
        Assert.Equal("- dismissed person -", await StateAsync(5));

        // The next thread read sees no resolver for 3 (a bot): the sender's kind stays. Unresolved clears it.
        Fake.ResolveThread(3, null);
        Fake.ResolveThread(5, "alice");
        await CycleAsync();
        Assert.Equal("- open this_bot -", await StateAsync(3));
        Assert.Equal(200, await Fake.DeliverAsync("pull_request_review_thread", WebhookPayloads.Thread("unresolved", [5], "alice")));
        Assert.Equal("- open - -", await StateAsync(5));
    }

    [Fact]
    public async Task A_thumbs_down_from_the_pull_request_author_or_a_maintainer_dismisses_and_a_change_wins()
    {
        var task = await TaskAsync();
        for (var id = 1; id <= 4; id++) await CommentAsync(task, id, $"src/{id}.cs", $"Remark {id}.");
        await _db.MaintainerAsync(Repo, 902, "mia", "MEMBER");
        Fake.React(CommentKind.Inline, 1, 501, "-1", "octo");
        Fake.React(CommentKind.Inline, 2, 900, "-1", "passer-by");
        Fake.React(CommentKind.Inline, 3, 902, "-1", "mia");
        Fake.React(CommentKind.Inline, 4, 501, "-1", "octo");
        Fake.SetOutdated(4, true);
        await CycleAsync();

        Assert.Equal("- dismissed - -", await StateAsync(1));
        Assert.Equal("- open - -", await StateAsync(2));
        Assert.Equal("- dismissed - -", await StateAsync(3));
        Assert.Equal("- addressed - -", await StateAsync(4));
    }

    [Fact]
    public async Task A_re_raise_follows_a_thumbs_down_or_a_resolution_and_a_plain_repeat_is_not_one()
    {
        using (var put = await _reader.PutAsJsonAsync("/api/bots/review-bot", new { logins = new[] { Bot } }, ApiClients.Json, Ct))
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync(Ct));
        var pr = new WebhookPayloads.PullRequestRef(Repository: Repo, Number: 1);
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-30);
        async Task PostAsync(long id, long review, string path, string body, DateTimeOffset at) =>
            Assert.Equal(200, await Fake.DeliverAsync("pull_request_review_comment",
                WebhookPayloads.InlineCreated(id, Bot, body, review, pr, path: path, createdAt: at)));

        await PostAsync(101, 31, "src/app.cs", "Possible null dereference of `items` at line 12.\nDetails…", t0);
        await PostAsync(111, 31, "src/b.cs", "Unused variable tmp1", t0);
        await PostAsync(121, 31, "src/c.cs", "Magic number 42", t0);
        await _db.ReactionAsync("inline", 101, 700, "-1", t0.AddMinutes(1), "ann");
        Assert.Equal(200, await Fake.DeliverAsync("pull_request_review_thread", WebhookPayloads.Thread("resolved", [111], "alice")));

        // The next run raises the same findings (other line numbers, other spacing, other case).
        // GitHub's timestamps are whole seconds: the next second is surely after the resolution was recorded.
        var t1 = DateTimeOffset.UtcNow.AddSeconds(2);
        await PostAsync(102, 32, "src/app.cs", "possible  null dereference of `items` at line 40.", t1);
        await PostAsync(112, 32, "src/b.cs", "Unused variable tmp2", t1);
        await PostAsync(122, 32, "src/c.cs", "Magic number 7", t1);
        // Same text on another file is another finding.
        await PostAsync(103, 32, "src/other.cs", "Possible null dereference of `items` at line 12.", t1);

        Assert.Equal("- open - 101", await StateAsync(102));
        Assert.Equal("- open - 111", await StateAsync(112));
        Assert.Equal("- open - -", await StateAsync(122));
        Assert.Equal("- open - -", await StateAsync(103));
        Assert.Equal("- open - -", await StateAsync(101));
    }

    [Fact]
    public async Task A_push_delivery_asks_the_poller_for_a_look_only_for_its_own_installations_repository()
    {
        var task = await TaskAsync();
        await CommentAsync(task, 1, "src/a.cs", Suggest("var limit = MaxItems;"));
        var commit = Fake.Push(Repo, 1, CommitSuggestionMessage(Bot), new FakeFile("src/a.cs", Patch(["var limit = 100;"], ["var limit = MaxItems;"])));
        var before = new string('0', 40);

        var foreign = WebhookPayloads.Synchronize(before, commit.Sha, new WebhookPayloads.PullRequestRef(RepoId: Fake.Repo(Repo).Id,
            Repository: Repo, Number: 1, Installation: 78));
        Assert.Equal(200, await Fake.DeliverAsync("pull_request", foreign));
        Assert.Equal(0L, await _db.ScalarAsync<long>("select count(*) from pull_request_looks"));

        var own = WebhookPayloads.Synchronize(before, commit.Sha, new WebhookPayloads.PullRequestRef(RepoId: Fake.Repo(Repo).Id,
            Repository: Repo, Number: 1, Installation: Inst));
        Assert.Equal(200, await Fake.DeliverAsync("pull_request", own));
        Assert.Equal($"{commit.Sha} true", await _db.ScalarAsync<string>(
            "select head_sha || ' ' || (look_wanted_at is not null)::text from pull_request_looks"));
        // The serve role asked GitHub nothing.
        Assert.Equal(0, Fake.Count("pull-commits"));

        await CycleAsync();
        Assert.Equal($"{commit.Sha} applied - -", await StateAsync(1));
        Assert.Equal((1, 1), (Fake.Count("pull-commits"), Fake.Count("commit")));
    }
}
