using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

/// <summary>
/// Issue 16 at the API: labels and rule fields captured and served, group_by and filters, compare, rules verdicts,
/// the CSV export. One scenario per test, in its own repository:
/// run A (bot_version 2.3.0) posts 30 comments on 2026-11-10 (a whole day of the period: rollup), run B (2.4.0) 35 on
/// 2026-11-12 08:00 (a partial day at the period's end: comments). A's comments 1-20 (rule null-check) get 5
/// reactions each, 3 👍 2 👎 (60/40); B's 1-20 (rule style) 2 👍 3 👎 (40/60). Reactors 1-3 are maintainers.
/// </summary>
public sealed class InsightsApiTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private static readonly DateTimeOffset DayA = DateTimeOffset.Parse("2026-11-10T06:00:00Z");
    private static readonly DateTimeOffset DayB = DateTimeOffset.Parse("2026-11-12T08:00:00Z");
    private const string Period = "from=2026-11-09T12:00:00Z&to=2026-11-12T12:00:00Z";

    private AppFactory _app = null!;
    private HttpClient _writer = null!;
    private HttpClient _reader = null!;
    private readonly string _repo = "acme/ab" + Guid.NewGuid().ToString("N")[..8];
    private readonly long _base = Random.Shared.NextInt64(1, 1_000_000) * 1000;
    private Guid _a, _b;

    public async ValueTask InitializeAsync()
    {
        _app = new AppFactory(db.ConnectionString);
        _writer = await _app.WithKeyAsync(db, Scopes.ReviewWrite);
        _reader = await _app.WithKeyAsync(db, Scopes.ReviewRead);
        _a = await RunAsync("2.3.0", DayA, 30, i => i <= 20 ? ("null-check", "correctness") : ("naming", "style"), 0);
        _b = await RunAsync("2.4.0", DayB, 35, i => i <= 20 ? ("style", "style") : ("naming", "style"), 100);
        await db.ExecuteAsync($"""
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select 'inline', {_base} + c, u, 'user' || u, case when u <= 3 then '+1' else '-1' end, '{DayA:O}'
            from generate_series(1, 20) c, generate_series(1, 5) u;
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select 'inline', {_base} + 100 + c, u, 'user' || u, case when u in (3, 4) then '+1' else '-1' end, '{DayB:O}'
            from generate_series(1, 20) c, generate_series(1, 5) u;
            update review_comments set outdated = true where github_comment_id between {_base} + 1 and {_base} + 10;
            """);
        foreach (var id in new[] { 1, 2, 3 }) await db.MaintainerAsync(_repo, id, $"user{id}", "MEMBER");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task<Guid> RunAsync(string version, DateTimeOffset at, int comments, Func<int, (string Rule, string Category)> rule, int offset)
    {
        var task = new
        {
            repository = _repo, installation_id = 77, pr_number = 3, created_at = at,
            pr_author = new { github_id = 501, login = "octo", association = "CONTRIBUTOR" },
            labels = new Dictionary<string, string> { ["bot_version"] = version, ["model"] = "m1" },
        };
        var created = await _writer.PostJsonAsync("/api/tasks", task);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("id").GetGuid();
        var list = Enumerable.Range(1, comments).Select(i => new
        {
            kind = "inline", github_comment_id = _base + offset + i, file = "src/a.cs", line = i, created_at = at.AddMinutes(i),
            rule = rule(i).Rule, category = rule(i).Category, severity = i % 2 == 1 ? "high" : "low", fingerprint = $"fp-{offset + i}",
        }).ToArray();
        Assert.Equal(HttpStatusCode.OK, (await _writer.PostJsonAsync($"/api/tasks/{id}/comments", list)).StatusCode);
        return id;
    }

    private async Task<JsonElement> GetJsonAsync(string url)
    {
        var response = await _reader.GetAsync(url, Ct);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return await response.JsonAsync();
    }

    private static JsonElement Group(JsonElement groups, string key) => groups.EnumerateArray().Single(g => g.GetProperty("key").GetString() == key);

    [Fact]
    public async Task Labels_and_rule_fields_are_captured_and_served_with_the_run()
    {
        var feedback = await GetJsonAsync($"/api/tasks/{_a}/feedback");
        Assert.Equal("2.3.0", feedback.GetProperty("labels").GetProperty("bot_version").GetString());
        Assert.Equal("m1", feedback.GetProperty("labels").GetProperty("model").GetString());
        var first = feedback.GetProperty("comments").EnumerateArray().Single(c => c.GetProperty("github_comment_id").GetInt64() == _base + 1);
        Assert.Equal("null-check", first.GetProperty("rule").GetString());
        Assert.Equal("correctness", first.GetProperty("category").GetString());
        Assert.Equal("high", first.GetProperty("severity").GetString());

        // Re-registering without labels keeps them; with labels replaces them, and the comments follow.
        var again = new { id = _a, repository = _repo, installation_id = 77, pr_number = 3, pr_author = new { github_id = 501, login = "octo", association = "CONTRIBUTOR" } };
        Assert.Equal(HttpStatusCode.OK, (await _writer.PostJsonAsync("/api/tasks", again)).StatusCode);
        Assert.Equal("2.3.0", await db.ScalarAsync<string>($"select labels ->> 'bot_version' from tasks where id = '{_a}'"));
        Assert.Equal(HttpStatusCode.OK, (await _writer.PostJsonAsync("/api/tasks", new
        {
            id = _a, repository = _repo, installation_id = 77, pr_number = 3, pr_author = new { github_id = 501, login = "octo", association = "CONTRIBUTOR" },
            labels = new Dictionary<string, string> { ["bot_version"] = "2.3.1" },
        })).StatusCode);
        Assert.Equal(30L, await db.ScalarAsync<long>($"select count(*) from review_comments where task_id = '{_a}' and labels = '{{\"bot_version\": \"2.3.1\"}}'"));
        var groups = (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&group_by=label:bot_version")).GetProperty("groups");
        Assert.Equal(30, Group(groups, "2.3.1").GetProperty("comments").GetInt32());
        Assert.DoesNotContain(groups.EnumerateArray(), g => g.GetProperty("key").GetString() == "2.3.0");
    }

    [Fact]
    public async Task Bad_labels_and_rule_fields_are_400s_naming_the_field_and_store_nothing()
    {
        var tooMany = Enumerable.Range(0, 21).ToDictionary(i => $"k{i}", i => "v");
        foreach (var (labels, field) in new (Dictionary<string, string>, string)[]
                 {
                     (tooMany, "labels"), (new() { ["Bot"] = "x" }, "labels"), (new() { ["bot"] = new string('v', 201) }, "labels.bot"),
                     (new() { ["bot"] = "a\u0001" }, "labels.bot"), (new() { ["bot"] = "" }, "labels.bot"),
                 })
        {
            var response = await _writer.PostJsonAsync("/api/tasks", new
            {
                repository = "acme/badlabels", installation_id = 77, pr_number = 1,
                pr_author = new { github_id = 1, login = "o", association = "NONE" }, labels,
            });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _), field);
        }
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from repositories where full_name = 'acme/badlabels'"));

        object[] comments =
        [
            new { kind = "inline", github_comment_id = _base + 900, rule = new string('r', 201) },
            new { kind = "inline", github_comment_id = _base + 901, severity = new string('s', 41) },
            new { kind = "inline", github_comment_id = _base + 902, category = "a\nb" },
            new { kind = "inline", github_comment_id = _base + 903, fingerprint = "\u0000" },
        ];
        var bad = await _writer.PostJsonAsync($"/api/tasks/{_a}/comments", comments);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.JsonAsync()).GetProperty("errors");
        foreach (var field in new[] { "[0].rule", "[1].severity", "[2].category", "[3].fingerprint" }) Assert.True(errors.TryGetProperty(field, out _), field);
        var review = await _writer.PostJsonAsync($"/api/tasks/{_a}/reviews", new { github_review_id = 5, findings = new[] { new { file = "a.cs", line = 1, rule = new string('r', 201) } } });
        Assert.True((await review.JsonAsync()).GetProperty("errors").TryGetProperty("findings[0].rule", out _));
        Assert.Equal(0L, await db.ScalarAsync<long>($"select count(*) from review_comments where github_comment_id between {_base} + 900 and {_base} + 903"));
    }

    [Fact]
    public async Task Group_by_label_rule_category_severity_and_repository_sorted_by_volume_with_intervals()
    {
        var result = await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&group_by=label:bot_version");
        var groups = result.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(["2.4.0", "2.3.0"], groups.Select(g => g.GetProperty("key").GetString()));  // 35 comments before 30
        var a = groups[1];
        Assert.Equal((30, 20, 60, 40, 10), (a.GetProperty("comments").GetInt32(), a.GetProperty("reacted").GetInt32(), a.GetProperty("up").GetInt32(),
            a.GetProperty("down").GetInt32(), a.GetProperty("addressed").GetInt32()));
        Assert.Equal(0.6, a.GetProperty("acceptance").GetDouble(), 12);
        // Wilson 95 % of 60/100: centre (0.6 + 1.92/100)/(1.0384) = 0.59630, half ≈ 0.09385 (hand-computed).
        Assert.Equal(0.5020, a.GetProperty("acceptance_low").GetDouble(), 4);
        Assert.Equal(0.6906, a.GetProperty("acceptance_high").GetDouble(), 4);
        Assert.Equal(1.0 / 3, a.GetProperty("addressed_rate").GetDouble(), 12);
        Assert.True(a.GetProperty("addressed_low").GetDouble() < 1.0 / 3 && a.GetProperty("addressed_high").GetDouble() > 1.0 / 3);
        // The period's totals carry intervals too.
        Assert.Equal(0.5, result.GetProperty("current").GetProperty("acceptance").GetDouble(), 12);
        Assert.True(result.GetProperty("current").TryGetProperty("acceptance_low", out _));

        var rules = (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&group_by=rule")).GetProperty("groups");
        Assert.Equal(["naming", "null-check", "style"], rules.EnumerateArray().Select(g => g.GetProperty("key").GetString()));  // 25, 20, 20
        Assert.Equal(25, Group(rules, "naming").GetProperty("comments").GetInt32());
        Assert.False(Group(rules, "naming").GetProperty("enough_data").GetBoolean());
        Assert.True(Group(rules, "style").GetProperty("enough_data").GetBoolean());
        Assert.Equal(40, Group(rules, "style").GetProperty("up").GetInt32());

        var severity = (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&group_by=severity")).GetProperty("groups");
        Assert.Equal(33, Group(severity, "high").GetProperty("comments").GetInt32());  // 15 + 18 odd ids
        var category = (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&group_by=category")).GetProperty("groups");
        Assert.Equal(45, Group(category, "style").GetProperty("comments").GetInt32());
        var repository = (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&group_by=repository")).GetProperty("groups");
        Assert.Equal(65, Group(repository, _repo).GetProperty("comments").GetInt32());
    }

    [Fact]
    public async Task Filters_on_labels_rule_and_category_agree_between_the_rollup_and_the_comments()
    {
        async Task<JsonElement> Current(string query) =>
            (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&{query}")).GetProperty("current");
        // One filter: the per-group rollup (and the comments of the partial days).
        var b = await Current("label.bot_version=2.4.0");
        Assert.Equal((35, 40, 60), (b.GetProperty("comments").GetInt32(), b.GetProperty("up").GetInt32(), b.GetProperty("down").GetInt32()));
        // Two filters: from the comments.
        var both = await Current("label.bot_version=2.4.0&label.model=m1");
        Assert.Equal(b.ToString(), both.ToString());
        var rule = await Current("rule=null-check&category=correctness");
        Assert.Equal((20, 60, 40), (rule.GetProperty("comments").GetInt32(), rule.GetProperty("up").GetInt32(), rule.GetProperty("down").GetInt32()));
        Assert.Equal(0, (await Current("rule=null-check&label.bot_version=2.4.0")).GetProperty("comments").GetInt32());
        // Grouping with a filter (comments) equals grouping alone (rollup).
        var alone = (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&group_by=label:bot_version")).GetProperty("groups");
        var filtered = (await GetJsonAsync($"/api/analytics/feedback?repository={_repo}&{Period}&group_by=label:bot_version&label.model=m1")).GetProperty("groups");
        Assert.Equal(alone.ToString(), filtered.ToString());
        // Maintainers only: reactors 1-3.
        var maintainers = await Current("role=maintainers&label.bot_version=2.3.0");
        Assert.Equal((60, 0), (maintainers.GetProperty("up").GetInt32(), maintainers.GetProperty("down").GetInt32()));

        // Runs filter by label, rule and category.
        async Task<List<Guid>> Runs(string query) => (await GetJsonAsync($"/api/tasks?repository={_repo}&{query}")).GetProperty("items")
            .EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToList();
        Assert.Equal([_b], await Runs("label.bot_version=2.4.0"));
        Assert.Equal([_a], await Runs("rule=null-check"));
        Assert.Equal([_a], await Runs("category=correctness"));
        Assert.Empty(await Runs("label.bot_version=9.9.9"));
    }

    [Fact]
    public async Task Compare_two_label_values_and_two_periods_with_p_values_and_verdicts()
    {
        var c = await GetJsonAsync($"/api/analytics/compare?repository={_repo}&{Period}&label=bot_version&a=2.3.0&b=2.4.0");
        Assert.Equal("2.3.0", c.GetProperty("a").GetProperty("key").GetString());
        Assert.Equal(60, c.GetProperty("a").GetProperty("up").GetInt32());
        Assert.Equal(40, c.GetProperty("b").GetProperty("up").GetInt32());
        Assert.Equal(0.2, c.GetProperty("acceptance_diff").GetDouble(), 12);
        // 60/100 against 40/100: χ² = 8, p = erfc(2) = 0.004677735 (R: prop.test(c(60, 40), c(100, 100), correct = FALSE)).
        Assert.Equal(0.004677735, c.GetProperty("acceptance_p_value").GetDouble(), 6);
        // Addressed 10/30 against 0/35: an expected count under 5, so Fisher: p = C(35,0)·C(30,10)/C(65,10) summed two-sided.
        Assert.Equal(10.0 / 30, c.GetProperty("addressed_diff").GetDouble(), 12);
        Assert.True(c.GetProperty("addressed_p_value").GetDouble() < 0.001);
        Assert.Equal("a_better", c.GetProperty("verdict").GetString());
        Assert.True(c.GetProperty("a_series").GetArrayLength() > 0);

        var reversed = await GetJsonAsync($"/api/analytics/compare?repository={_repo}&{Period}&label=bot_version&a=2.4.0&b=2.3.0");
        Assert.Equal("b_better", reversed.GetProperty("verdict").GetString());
        var unknown = await GetJsonAsync($"/api/analytics/compare?repository={_repo}&{Period}&label=bot_version&a=2.3.0&b=1.0.0");
        Assert.Equal("not_enough_data", unknown.GetProperty("verdict").GetString());
        Assert.Equal(0, unknown.GetProperty("b").GetProperty("comments").GetInt32());

        // Two periods: the day of run A against the day of run B, the same figures.
        var periods = await GetJsonAsync($"/api/analytics/compare?repository={_repo}&a_from=2026-11-10&a_to=2026-11-11&b_from=2026-11-12&b_to=2026-11-13");
        Assert.Equal(60, periods.GetProperty("a").GetProperty("up").GetInt32());
        Assert.Equal(60, periods.GetProperty("b").GetProperty("down").GetInt32());
        Assert.Equal(c.GetProperty("acceptance_p_value").GetDouble(), periods.GetProperty("acceptance_p_value").GetDouble(), 12);
        Assert.Equal("a_better", periods.GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task Rules_rank_by_maintainer_rejection_with_verdicts()
    {
        var rules = (await GetJsonAsync($"/api/repos/{_repo}/rules")).EnumerateArray().ToList();
        Assert.Equal(["style", "null-check", "naming"], rules.Select(r => r.GetProperty("rule").GetString()));
        var style = rules[0];
        // Maintainers (reactors 1-3): 20 👍 (reactor 3) and 40 👎 on style. Wilson high of 20/60 by hand: z²/n = 0.0640243,
        // centre = (1/3 + 0.0320122) / 1.0640243 = 0.343362, half = 1.842029 · sqrt(0.0037037 + 0.00026677) = 0.116069 → 0.459431 < 0.5.
        Assert.Equal((20, 40, 40, 60), (style.GetProperty("maintainer_up").GetInt32(), style.GetProperty("maintainer_down").GetInt32(),
            style.GetProperty("up").GetInt32(), style.GetProperty("down").GetInt32()));
        Assert.Equal(0.459431, style.GetProperty("acceptance_high").GetDouble(), 5);
        Assert.Equal("noisy", style.GetProperty("verdict").GetString());
        Assert.Equal("keep", rules[1].GetProperty("verdict").GetString());
        Assert.Equal(0.5, rules[1].GetProperty("addressed_rate").GetDouble(), 12);
        Assert.Equal("not_enough_data", rules[2].GetProperty("verdict").GetString());
        Assert.Equal(25, rules[2].GetProperty("comments").GetInt32());

        // A maintainer who leaves no longer counts: reactor 3 removed, style has no maintainer 👍.
        await db.ExecuteAsync($"delete from maintainers where repo_full_name = '{_repo}' and github_id = 3");
        var after = (await GetJsonAsync($"/api/repos/{_repo}/rules?min_reactions=1")).EnumerateArray().ToList();
        Assert.Equal(["style", "null-check"], after.Select(r => r.GetProperty("rule").GetString()));
        Assert.Equal(0, after[0].GetProperty("maintainer_up").GetInt32());

        // Across repositories, narrowed to this one: the same list (min_reactions 0 keeps the low-data rule).
        var all = await GetJsonAsync($"/api/rules?repository={_repo}");
        Assert.Equal((await GetJsonAsync($"/api/repos/{_repo}/rules")).ToString(), all.ToString());
        Assert.Equal(3, all.GetArrayLength());
    }

    [Fact]
    public async Task Csv_export_streams_the_same_rows_as_ndjson_with_labels_and_rule_fields()
    {
        var ndjson = (await (await _reader.GetAsync($"/api/feedback/export?repository={_repo}", Ct)).Content.ReadAsStringAsync(Ct))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var response = await _reader.GetAsync($"/api/feedback/export?repository={_repo}&format=csv", Ct);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var csv = ParseCsv(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(200, ndjson.Count);
        Assert.Equal(ndjson[0].EnumerateObject().Select(p => p.Name), csv[0]);
        Assert.Equal(201, csv.Count);
        for (var i = 0; i < ndjson.Count; i++)
        {
            var fields = ndjson[i].EnumerateObject().ToList();
            for (var f = 0; f < fields.Count; f++)
            {
                var value = fields[f].Value;
                var expected = value.ValueKind switch
                {
                    JsonValueKind.Null => "",
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    JsonValueKind.Object => value.GetRawText(),
                    _ => value.GetRawText(),
                };
                if (fields[f].Name == "reacted_at") Assert.Equal(value.GetDateTimeOffset(), DateTimeOffset.Parse(csv[i + 1][f]));
                else Assert.Equal(expected, csv[i + 1][f]);
            }
        }
        var row = ndjson.First(r => r.GetProperty("github_comment_id").GetInt64() == _base + 1);
        Assert.Equal("2.3.0", row.GetProperty("labels").GetProperty("bot_version").GetString());
        Assert.Equal("null-check", row.GetProperty("rule").GetString());
        Assert.Equal("high", row.GetProperty("severity").GetString());

        var bad = await _reader.GetAsync($"/api/feedback/export?repository={_repo}&format=xml", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.JsonAsync()).GetProperty("errors").TryGetProperty("format", out _));
    }

    [Fact]
    public async Task Bad_queries_are_400s_naming_the_field_and_limited_keys_need_their_repository()
    {
        foreach (var (url, field) in new[]
                 {
                     ("/api/analytics/feedback?group_by=label:Bad", "group_by"), ("/api/analytics/feedback?group_by=files", "group_by"),
                     ("/api/analytics/feedback?label.Bad=x", "label.Bad"), ($"/api/analytics/feedback?rule={new string('r', 201)}", "rule"),
                     ("/api/analytics/compare?label=bot_version&a=1", "b"), ("/api/analytics/compare", "label"),
                     ("/api/analytics/compare?label=bot_version&a=1&b=1", "b"), ("/api/analytics/compare?a_from=2026-11-01", "a_to"),
                     ("/api/analytics/compare?label=v&a=1&b=2&from=2026-11-02&to=2026-11-01", "to"),
                     ($"/api/repos/{_repo}/rules?min_reactions=-1", "min_reactions"), ("/api/rules?repository=nope", "repository"),
                     ("/api/tasks?label.X=1", "label.X"),
                 })
        {
            var response = await _reader.GetAsync(url, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode}");
            Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _), $"{url} names {field}");
        }

        var key = await new FeedbackDashboard.Core.ApiKeys.ApiKeyService(db.DbFactory, TimeProvider.System).CreateAsync("limited16", [Scopes.ReviewRead], [78], Ct);
        var limited = _app.CreateClient();
        limited.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        foreach (var url in new[] { "/api/analytics/compare?label=bot_version&a=1&b=2", $"/api/analytics/compare?label=bot_version&a=1&b=2&repository={_repo}",
                     "/api/rules", $"/api/repos/{_repo}/rules", $"/api/analytics/feedback?group_by=rule&repository={_repo}" })
            Assert.Equal(HttpStatusCode.Forbidden, (await limited.GetAsync(url, Ct)).StatusCode);
    }

    internal static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else cell.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { row.Add(cell.ToString()); cell.Clear(); }
            else if (ch == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(cell.ToString());
                cell.Clear();
                rows.Add(row);
                row = [];
                i++;
            }
            else cell.Append(ch);
        }
        return rows;
    }
}
