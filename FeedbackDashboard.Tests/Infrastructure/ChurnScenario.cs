using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>
/// Comments spread over 14 days with 0-5 reactions each, on the fake and in the database, and random churn:
/// react, un-react, and swap (one person un-reacts while another reacts: counts unchanged). Seeded, so repeatable.
/// </summary>
public sealed class ChurnScenario(FakeGitHub fake, PostgresDatabase db, int seed = 42)
{
    public const string Repo = "acme/churn";
    public const long Installation = 77;
    private readonly Random _random = new(seed);
    public List<(CommentKind Kind, long Id)> Comments { get; } = [];

    /// <param name="commentsPerRun">
    /// Comments a run (a pull request) holds at most: null puts each day's comments on one run; a number like a real
    /// review's (about 10) gives as many pull requests as real traffic, which is what review-thread reads cost by.
    /// </param>
    public async Task SeedAsync(int count, DateTimeOffset now, TimeSpan? spread = null, int? commentsPerRun = null)
    {
        var span = spread ?? TimeSpan.FromDays(14);
        fake.Installations.Add(Installation);
        // Runs one a day (or one per commentsPerRun comments of a day); a comment is posted shortly after its run.
        var tasks = new Dictionary<(int Day, int Run), Guid>();
        var perDay = new Dictionary<int, int>();
        var pr = 0;
        var rows = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var kind = i % 5 == 0 ? CommentKind.Reply : CommentKind.Inline;
            var id = 1_000_000L + i;
            var age = TimeSpan.FromSeconds(_random.NextDouble() * (span.TotalSeconds - 3600) + 600);
            var posted = now - age;
            var day = (int)age.TotalDays;
            var nth = perDay[day] = perDay.GetValueOrDefault(day) + 1;
            var key = (day, commentsPerRun is { } per ? (nth - 1) / per : 0);
            if (!tasks.TryGetValue(key, out var task))
                tasks[key] = task = await db.TaskAsync(Repo, now - TimeSpan.FromDays(day + 1) + TimeSpan.FromMinutes(30),
                    pr: commentsPerRun is null ? day + 1 : ++pr, installation: Installation);
            fake.AddComment(Repo, kind, id);
            for (var r = _random.Next(0, 6); r > 0; r--) fake.React(kind, id, 100 + _random.Next(40), _random.Next(4) == 0 ? "-1" : "+1");
            rows.Add($"('{kind.ToWire()}', {id}, '{task}', '{FakeGitHub.NodeIdFor(kind, id)}', 'src/f{i % 50}.cs', {i % 400 + 1}, '{posted:O}')");
            Comments.Add((kind, id));
        }
        foreach (var chunk in rows.Chunk(2000))
            await db.ExecuteAsync($"insert into review_comments (kind, github_comment_id, task_id, node_id, file, line, created_at) values {string.Join(",", chunk)}");
    }

    /// <summary>Changes a few comments on the fake, the way people do between two polls.</summary>
    public void Churn(int changes)
    {
        for (var i = 0; i < changes; i++)
        {
            var (kind, id) = Comments[_random.Next(Comments.Count)];
            var current = fake.ReactionsOf(kind, id);
            switch (_random.Next(3))
            {
                case 0:
                    fake.React(kind, id, 100 + _random.Next(40), _random.Next(3) == 0 ? "-1" : "+1");
                    break;
                case 1 when current.Count > 0:
                    var gone = current[_random.Next(current.Count)];
                    fake.Unreact(kind, id, gone.UserId, gone.Content.ToWire());
                    break;
                default:
                    // Swap: the counts stay the same, only who reacted changes.
                    if (current.Count == 0) goto case 0;
                    var leaving = current[_random.Next(current.Count)];
                    fake.Unreact(kind, id, leaving.UserId, leaving.Content.ToWire());
                    fake.React(kind, id, 200 + _random.Next(1000), leaving.Content.ToWire());
                    break;
            }
        }
    }

    /// <summary>The fake's truth for some comments, in the same text form as <see cref="PollerHarness.FeedbackAsync"/>.</summary>
    public List<string> Truth(IEnumerable<(CommentKind Kind, long Id)> comments) =>
        comments.SelectMany(c => fake.ReactionsOf(c.Kind, c.Id).Select(r => $"{c.Kind.ToWire()}/{c.Id}/{r.UserId}/{r.Login}/{r.Content.ToWire()}"))
            .Order(StringComparer.Ordinal).ToList();
}
