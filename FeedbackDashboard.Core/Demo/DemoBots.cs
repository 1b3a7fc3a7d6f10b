using System.Text;
using FeedbackDashboard.Core.Comments;

namespace FeedbackDashboard.Core.Demo;

/// <summary>
/// The demo's observed bots: three profiles whose runs (source observed, labels.bot) fall on shared pull requests,
/// judged differently, so the Bots page has a leaderboard with intervals, overlap, trends; and two candidates.
/// </summary>
internal static class DemoBots
{
    public static readonly (string Name, string Login, double Up, double Coverage)[] Bots =
    [
        ("coderabbit", "coderabbitai[bot]", 0.78, 0.95), ("copilot", "copilot-pull-request-reviewer[bot]", 0.6, 0.7),
        ("gemini", "gemini-code-assist[bot]", 0.35, 0.5),
    ];

    public static readonly (string Login, int Comments, string Repository)[] Candidates =
    [
        ("cursor[bot]", 17, "demo/web-app"), ("chatgpt-codex-connector[bot]", 6, "demo/api-server"),
    ];

    private static readonly string[] Bodies =
    [
        "This branch returns before the lock is released; use `using` so it is released on every path.",
        "`items.Count()` enumerates the query twice; materialise it once with `ToList()`.",
        "The retry loop never backs off: add a delay or it hammers the server on outages.",
        "Nitpick: this comment no longer matches what the function does.",
        "Consider extracting this block into a helper: it is repeated in three handlers.",
        "`catch (Exception)` swallows cancellation; rethrow `OperationCanceledException`.",
    ];

    private static readonly string[] Suggested =
    [
        "using var scope = await gate.EnterAsync(ct);", "var items = query.ToList();", "await Task.Delay(backoff, ct);",
        "catch (Exception e) when (e is not OperationCanceledException)",
    ];

    /// <param name="repos">The demo repositories (full names).</param>
    /// <param name="people">Who reacts: (id, login).</param>
    /// <param name="sql">Where the profiles, candidates and runs go, written before the comments.</param>
    /// <param name="comments">Where the comments go.</param>
    /// <param name="after">Where the reactions go, written after the comments.</param>
    public static void Seed(DateTimeOffset now, long installation, string[] repos, (long Id, string Login)[] people, StringBuilder sql,
        List<SeededComment> comments, StringBuilder after)
    {
        // Its own seed: the rest of the demo set stays as it was.
        var random = new Random(32);
        // Suggestions and whether a commit applied them draw from their own sequence, so the figures above stay put.
        var suggests = new Random(33);
        foreach (var bot in Bots)
            sql.AppendLine($"insert into bot_profiles (name, logins, created_at, updated_at) values ('{bot.Name}', array['{bot.Login}'], '{now.AddDays(-60):O}', '{now.AddDays(-60):O}');");
        foreach (var candidate in Candidates)
            sql.AppendLine($"insert into bot_candidates (login, repository, installation_id, comments, last_seen_at) values ('{candidate.Login}', '{candidate.Repository}', {installation}, {candidate.Comments}, '{now.AddHours(-random.Next(2, 48)):O}');");

        long commentId = 700_000, reviewId = 9_000_000;
        for (var pr = 0; pr < 36; pr++)
        {
            var repo = repos[pr % repos.Length];
            var opened = now.AddHours(-random.Next(2, 24 * 28));
            var author = people[random.Next(people.Length)];
            foreach (var bot in Bots)
            {
                // Every bot does not review every pull request: coverage decides, so pairs overlap unevenly.
                if (random.NextDouble() > bot.Coverage) continue;
                var reviewed = opened.AddMinutes(random.Next(2, 40));
                var task = Guid.CreateVersion7(reviewed);
                sql.AppendLine($"insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login, pr_author_association, created_at, labels, source, github_review_id) select '{task}', id, {installation}, {400 + pr}, {author.Id}, '{author.Login}', 'MEMBER', '{reviewed:O}', '{{\"bot\": \"{bot.Name}\"}}', 'observed', {++reviewId} from repositories where full_name = '{repo}';");
                for (var c = 0; c < random.Next(2, 6); c++)
                {
                    var id = ++commentId;
                    var posted = reviewed.AddSeconds(c * 7);
                    var addressed = random.NextDouble() < bot.Up * 0.6;
                    var body = Bodies[random.Next(Bodies.Length)];
                    string? suggested = null, applied = null;
                    if (suggests.NextDouble() < 0.4)
                    {
                        suggested = Suggested[suggests.Next(Suggested.Length)];
                        body += $"\n```suggestion\n{suggested}\n```";
                        if (suggests.NextDouble() < bot.Up * 0.8)
                            applied = Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(BitConverter.GetBytes(id))).ToLowerInvariant();
                    }
                    comments.Add(new SeededComment("inline", id, task, $"PRRC_{id}", "src/service/worker.cs", random.Next(1, 300), posted, body, bot.Login)
                    {
                        Outdated = addressed,
                        Resolved = false,
                        SuggestedLines = suggested,
                        AppliedCommit = applied,
                        AppliedAt = applied is null ? null : posted.AddHours(3),
                    });
                    if (random.NextDouble() < 0.3) continue;
                    foreach (var p in people.OrderBy(_ => random.Next()).Take(random.Next(1, 3)))
                    {
                        var content = random.NextDouble() < bot.Up ? "+1" : "-1";
                        after.AppendLine($"insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at, first_seen_at) values ('inline', {id}, {p.Id}, '{p.Login}', '{content}', '{posted.AddMinutes(random.Next(5, 600)):O}', '{posted.AddMinutes(random.Next(600, 900)):O}');");
                    }
                }
            }
        }
    }
}
