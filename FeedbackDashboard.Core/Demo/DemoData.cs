using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Maintainers;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Repositories;
using Npgsql;

namespace FeedbackDashboard.Core.Demo;

/// <summary>
/// Clearly-labelled demo data (repositories under the "demo" owner) so a newcomer sees real pages at once.
/// Only ever written into an empty database.
/// </summary>
public sealed class DemoData(NpgsqlDataSource db, TimeProvider time)
{
    public const string Owner = "demo";
    public const long Installation = 1;
    /// <summary>The instance name on the demo's made-up poll cycles: the health page tells them from a real poller's.</summary>
    public const string CycleInstance = "demo";

    public async Task<bool> IsEmptyAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select not exists(select 1 from tasks)");
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async Task<bool> AnyDemoAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select exists(select 1 from repositories where owner = 'demo')");
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Seeds the demo set when the database has no runs; false when it had some.</summary>
    public async Task<bool> SeedIfEmptyAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Two clicks at once must not seed twice.
        await using (var lockCmd = new NpgsqlCommand("lock table tasks in exclusive mode", conn, tx)) await lockCmd.ExecuteNonQueryAsync(ct);
        await using (var check = new NpgsqlCommand("select exists(select 1 from tasks)", conn, tx))
            if ((bool)(await check.ExecuteScalarAsync(ct))!) return false;

        var now = time.GetUtcNow();
        var random = new Random(2026);
        string[] repos = ["demo/web-app", "demo/api-server", "demo/cli-tool"];
        string[] files = ["src/auth/session.ts", "src/api/handlers.go", "src/db/queries.sql", "src/ui/Table.tsx", "cmd/main.go", "src/cache.rs", "README.md"];
        (long Id, string Login, string Role)[] people =
        [
            (1001, "alice", "OWNER"), (1002, "bob", "MEMBER"), (1003, "carol", "MEMBER"), (1004, "dave", "COLLABORATOR"),
            (1005, "erin", "CONTRIBUTOR"), (1006, "frank", "NONE"),
        ];

        await RepositoryRegistry.AddAsync(conn, tx, repos, Installation, "Organization", ct);
        await MaintainerChanges.SeedAsync(conn, tx, repos,
            [.. people.Where(p => p.Role is "OWNER" or "MEMBER" or "COLLABORATOR").Select(p => new MaintainerEntry(p.Id, p.Login, p.Role == "OWNER" ? Association.Member : Associations.Parse(p.Role)!.Value))],
            now.AddMinutes(-20), ct);

        // Repositories, maintainers and runs first, then the comments (Comments writes them), then what refers to them.
        var sql = new System.Text.StringBuilder();
        var comments = new List<SeededComment>();
        var at = new Dictionary<long, int>();
        var after = new System.Text.StringBuilder();

        // What produced each comment: the bot moved from 2.3.0 to 2.4.0 twenty days ago, and its naming rule
        // is the one maintainers keep rejecting, so Compare and Rules have something to say.
        (string Rule, string Category, string Severity, double Up)[] rules =
        [
            ("null-check", "correctness", "high", 0.85), ("sql-injection", "security", "high", 0.9), ("naming", "style", "low", 0.08),
            ("unused-import", "style", "low", 0.6),
        ];
        // What the bot said, per rule, so a run's page shows real-looking comments.
        var bodies = new Dictionary<string, string[]>
        {
            ["null-check"] = ["Possible null dereference: `session.user` is null once the session expires.\n\nReturn 401 before reading `user.id`.",
                "`FindAsync` returns null for an unknown id; the next line dereferences it.",
                "```suggestion\nif (order is null) return NotFound();\n```\nGuard against a missing order before using it."],
            ["sql-injection"] = ["The query string is built from `req.query.name`: use a parameter (`$1`) instead of concatenation.",
                "User input reaches `ExecuteSqlRaw` unescaped. `ExecuteSql` with an interpolated string parameterises it.",
                "Parameterise the lookup:\n```suggestion\nconst rows = await db.query('select * from users where name = $1', [req.query.name]);\n```"],
            ["naming"] = ["Consider renaming `tmp2` to something that says what it holds.",
                "`data` is vague here; `pendingInvoices` would read better.\n\n```suggestion\nconst pendingInvoices = await loadInvoices(customer);\nrender(pendingInvoices);\n```",
                "Rename `handle` to `handleSubmit` to match the other handlers."],
            ["unused-import"] = ["`lodash` is imported but never used in this file.", "`System.Linq` is no longer needed after this change."],
        };
        var maintainerLogins = people.Where(p => p.Role is "OWNER" or "MEMBER" or "COLLABORATOR").Select(p => p.Login).ToArray();
        long commentId = 500_000;
        // What became of the comments draws from its own sequence, so the figures above stay as they were.
        var outcomes = new Random(33);
        for (var i = 0; i < 60; i++)
        {
            var repo = repos[i % repos.Length];
            var created = now.AddHours(-random.Next(1, 24 * 45));
            var author = people[random.Next(people.Length)];
            var task = Guid.CreateVersion7(created);
            var version = created < now.AddDays(-20) ? "2.3.0" : "2.4.0";
            sql.AppendLine($"insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login, pr_author_association, created_at, labels) select '{task}', id, {Installation}, {100 + i}, {author.Id}, '{author.Login}', '{(author.Role == "OWNER" ? "MEMBER" : author.Role)}', '{created:O}', '{{\"bot_version\": \"{version}\", \"model\": \"demo-model\"}}' from repositories where full_name = '{repo}';");
            long? firstInline = null;
            string? firstRule = null;
            for (var c = 0; c < random.Next(1, 7); c++)
            {
                var id = ++commentId;
                var kind = c % 4 == 3 ? "reply" : "inline";
                var posted = created.AddMinutes(random.Next(1, 30));
                var rule = rules[(int)(id % rules.Length)];
                var body = bodies[rule.Rule][random.Next(bodies[rule.Rule].Length)];
                // What became of it on GitHub: liked rules' comments are more often acted on (outdated by a change, or
                // resolved by a person); a few threads are resolved by the bot itself, hidden, or answered.
                var signals = kind == "reply" ? null : Signals(random, rule.Up, maintainerLogins);
                var file = files[random.Next(files.Length)];
                var line = random.Next(1, 400);
                var comment = new SeededComment(kind, id, task, $"{(kind == "inline" ? "PRRC_" : "IC_")}{id}", file, line, posted, body, BotLogin)
                {
                    Tags = new FindingTags(rule.Rule, rule.Category, rule.Severity),
                    Outdated = signals?.Outdated,
                    Resolved = signals?.Resolved,
                    ResolvedBy = signals?.ResolvedBy,
                    ResolvedByBot = signals?.ResolvedByBot,
                    Minimized = signals?.Minimized,
                    MinimizedReason = signals?.MinimizedReason,
                    HumanReplies = signals?.HumanReplies,
                };
                at[id] = comments.Count;
                comments.Add(Outcome(outcomes, comment, rule.Up));
                if (kind == "inline" && (firstInline is null || (firstRule != "naming" && rule.Rule == "naming"))) (firstInline, firstRule) = (id, rule.Rule);
                // Most comments draw nothing; the rest lean 👍, as a useful bot's should.
                if (random.NextDouble() < 0.45) continue;
                foreach (var p in people.OrderBy(_ => random.Next()).Take(random.Next(1, 4)))
                {
                    var content = random.NextDouble() < rule.Up + (version == "2.4.0" ? 0.1 : 0) ? "+1" : "-1";
                    after.AppendLine($"insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at, first_seen_at) values ('{kind}', {id}, {p.Id}, '{p.Login}', '{content}', '{posted.AddMinutes(random.Next(5, 600)):O}', '{posted.AddMinutes(random.Next(600, 900)):O}');");
                }
            }

            // Every sixth pull request gets a second review round that raises a finding of the first again: a naming
            // finding after a maintainer's 👎 (that rule is noisy by re-raises too), another after a person resolved it.
            // It feeds the re-raise figures and the run page's "raised again".
            if (i % 6 == 0 && firstInline is { } first)
            {
                var round = Guid.CreateVersion7(created.AddMinutes(45));
                var again = created.AddMinutes(50);
                sql.AppendLine($"insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login, pr_author_association, created_at, labels) select '{round}', id, {Installation}, {100 + i}, {author.Id}, '{author.Login}', '{(author.Role == "OWNER" ? "MEMBER" : author.Role)}', '{created.AddMinutes(45):O}', '{{\"bot_version\": \"{version}\", \"model\": \"demo-model\"}}' from repositories where full_name = '{repo}';");
                if (firstRule == "naming")
                {
                    after.AppendLine($"delete from review_feedback where kind = 'inline' and github_comment_id = {first} and reactor_id = 1002;");
                    after.AppendLine($"insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at, first_seen_at) values ('inline', {first}, 1002, 'bob', '-1', '{created.AddMinutes(40):O}', '{created.AddMinutes(41):O}');");
                }
                else
                {
                    after.AppendLine($"delete from review_feedback where kind = 'inline' and github_comment_id = {first} and content = '-1';");
                    comments[at[first]] = comments[at[first]] with
                    {
                        Resolved = true,
                        ResolvedBy = "carol",
                        ResolvedByBot = false,
                        ResolvedByKind = "person",
                        ResolvedAt = created.AddMinutes(40),
                    };
                }
                // Its own id range: the first round's ids (and the rules they pick) stay as they were.
                var id = 600_000 + i;
                var raised = comments[at[first]];
                comments.Add(new SeededComment("inline", id, round, $"PRRC_{id}", raised.File, raised.Line, again, raised.Body, raised.AuthorLogin)
                {
                    Tags = raised.Tags,
                    ReraiseOf = first,
                });
                if (firstRule == "naming")
                    after.AppendLine($"insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at, first_seen_at) values ('inline', {id}, 1002, 'bob', '-1', '{again.AddMinutes(30):O}', '{again.AddMinutes(31):O}');");
            }
        }

        DemoBots.Seed(now, Installation, repos, [.. people.Select(p => (p.Id, p.Login))], sql, comments, after);

        for (var k = 12; k >= 1; k--)
        {
            var started = now.AddMinutes(-5 * k);
            var status = k == 7 ? "partial" : "ok";
            var errors = k == 7 ? "[\"inline comment 500012 (demo/web-app): reactions page answered 502\"]" : "[]";
            after.AppendLine($"insert into poll_cycles (job, instance, started_at, finished_at, status, comments_selected, comments_checked, comments_unchanged, comments_failed, reactions_inserted, reactions_deleted, requests_made, not_modified, rate_limit_remaining, errors) values ('reactions', '{CycleInstance}', '{started:O}', '{started.AddSeconds(2 + random.NextDouble() * 4):O}', '{status}', {40 + k}, {38 + k}, {random.Next(0, 10)}, {(k == 7 ? 1 : 0)}, {random.Next(0, 6)}, {random.Next(0, 2)}, {2 + k % 3}, 0, '{{\"{Installation}\": {4900 - k * 3}}}', '{errors}');");
        }
        after.AppendLine($"insert into poll_cycles (job, instance, started_at, finished_at, status, repos_ok, rows_changed, requests_made) values ('maintainers', '{CycleInstance}', '{now.AddMinutes(-20):O}', '{now.AddMinutes(-20).AddSeconds(3):O}', 'ok', 3, 12, 9);");

        await using (var insert = new NpgsqlCommand(sql.ToString(), conn, tx)) await insert.ExecuteNonQueryAsync(ct);
        await CommentSeed.InsertAsync(conn, tx, comments, ct);
        await using (var insert = new NpgsqlCommand(after.ToString(), conn, tx)) await insert.ExecuteNonQueryAsync(ct);
        // Dispositions and re-raise links come from the same decision the poller makes, not from the demo's own idea of them.
        await Dispositions.DecideAsync(conn, tx, new DispositionScope.All(), ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>The demo bot's GitHub login: a thread it resolves itself is resolved by "this_bot".</summary>
    private const string BotLogin = "review-bot[bot]";

    /// <summary>
    /// The suggested lines of a body's ```suggestion block, a commit applying them for some (more often for liked rules),
    /// and the resolver's kind.
    /// </summary>
    private static SeededComment Outcome(Random random, SeededComment comment, double liked)
    {
        const string open = "```suggestion\n";
        var body = comment.Body!;
        var start = body.IndexOf(open, StringComparison.Ordinal);
        if (start >= 0)
        {
            start += open.Length;
            var end = body.IndexOf("\n```", start, StringComparison.Ordinal);
            var applied = random.NextDouble() < 0.25 + liked * 0.5;
            var sha = applied ? Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(BitConverter.GetBytes(comment.GithubCommentId))) : null;
            comment = comment with { SuggestedLines = body[start..end], AppliedCommit = sha };
        }
        if (comment.Kind == "inline")
        {
            if (comment.Resolved == true)
                comment = comment with
                {
                    ResolvedByKind = comment.ResolvedBy == BotLogin ? "this_bot" : comment.ResolvedByBot == true ? "other_bot" : "person",
                };
            // Some bot-resolved threads were closed by another bot (the run page tells them apart).
            if (random.NextDouble() < 0.5 && comment.ResolvedBy == BotLogin)
                comment = comment with { ResolvedBy = "coderabbitai[bot]", ResolvedByKind = "other_bot" };
        }
        return comment;
    }

    private sealed record DrawnSignals(bool Outdated, bool Resolved, string? ResolvedBy, bool? ResolvedByBot, bool Minimized,
        string? MinimizedReason, int HumanReplies);

    /// <summary>What became of an inline comment on GitHub, drawn from <paramref name="random"/>.</summary>
    private static DrawnSignals Signals(Random random, double liked, string[] maintainers)
    {
        var outdated = random.NextDouble() < 0.15 + liked * 0.3;
        var roll = random.NextDouble();
        (bool Resolved, string? By, bool? ByBot) thread = roll < liked * 0.3 ? (true, maintainers[random.Next(maintainers.Length)], false)
            : roll < liked * 0.3 + 0.06 ? (true, BotLogin, true)
            : (false, null, null);
        var hidden = random.NextDouble() < (liked < 0.5 ? 0.2 : 0.03);
        var reason = hidden ? (outdated ? "OUTDATED" : "OFF_TOPIC") : null;
        var replies = random.NextDouble() < 0.25 ? random.Next(1, 4) : 0;
        return new DrawnSignals(outdated, thread.Resolved, thread.By, thread.ByBot, hidden, reason, replies);
    }
}
