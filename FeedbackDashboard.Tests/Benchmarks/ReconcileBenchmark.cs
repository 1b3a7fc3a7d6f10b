using System.Diagnostics;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Reactions;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FeedbackDashboard.Tests.Benchmarks;

/// <summary>Reactions reconciled per second into PostgreSQL, batches of 100 comments, against row-by-row EF Core.</summary>
public sealed class ReconcileBenchmark
{
    private const int Comments = 100_000;
    private const int PerComment = 10; // 1,000,000 reactions
    private const int Batch = 100;

    [Fact(Explicit = true)]
    [Trait("Category", "Benchmark")]
    public async Task Set_based_reconcile_against_row_by_row_ef()
    {
        await using var db = new PostgresDatabase();
        await db.InitializeAsync();
        var task = await db.TaskAsync("acme/bench", DateTimeOffset.UtcNow);
        await db.ExecuteAsync($"""
            insert into review_comments (kind, github_comment_id, task_id, created_at)
            select 'inline', g, '{task}', now() from generate_series(1, {Comments}) g
            """);
        var reconciler = new ReactionsReconciler(db.DataSource, new CommentPolls(db.DataSource));
        var at = DateTimeOffset.UtcNow;

        List<KnownReactions> BatchOf(int start, int generation) => Enumerable.Range(start, Batch).Select(c => new KnownReactions(
            new CommentKey(CommentKind.Inline, c),
            Enumerable.Range(0, PerComment).Select(u => new Reaction(1000 + u + (u < generation ? 500 : 0), $"u{u}", u % 3 == 0 ? ReactionContent.Down : ReactionContent.Up, at)).ToList()))
            .ToList();

        // 1. First sight: 1,000,000 new reactions.
        var clock = Stopwatch.StartNew();
        long inserted = 0;
        for (var start = 1; start <= Comments; start += Batch) inserted += (await reconciler.ReconcileAsync(BatchOf(start, 0), at, Ct)).Inserted;
        clock.Stop();
        var insertRate = inserted / clock.Elapsed.TotalSeconds;
        Assert.Equal((long)Comments * PerComment, inserted);

        // 2. Steady state: the same lists again, 2 of 10 people swapped on every comment (delete 2, insert 2).
        clock.Restart();
        long churned = 0, seen = 0;
        for (var start = 1; start <= Comments; start += Batch)
        {
            var counts = await reconciler.ReconcileAsync(BatchOf(start, 2), at, Ct);
            churned += counts.Inserted + counts.Deleted;
            seen += Batch * PerComment;
        }
        clock.Stop();
        var steadyRate = seen / clock.Elapsed.TotalSeconds;

        // 3. Baseline: the same first-sight work row by row through EF Core, on 10,000 reactions.
        await db.ExecuteAsync("delete from review_feedback");
        var baselineComments = 1_000;
        clock.Restart();
        await using (var ef = db.CreateDb())
        {
            for (var c = 1; c <= baselineComments; c++)
            {
                var existing = await ef.ReviewFeedback.Where(f => f.Kind == "inline" && f.GithubCommentId == c).ToListAsync(Ct);
                foreach (var u in Enumerable.Range(0, PerComment))
                {
                    if (existing.Any(e => e.ReactorId == 1000 + u)) continue;
                    ef.ReviewFeedback.Add(new ReviewFeedback
                    {
                        Kind = "inline", GithubCommentId = c, ReactorId = 1000 + u, ReactorLogin = $"u{u}",
                        Content = u % 3 == 0 ? "-1" : "+1", ReactedAt = at, FirstSeenAt = at,
                    });
                    await ef.SaveChangesAsync(Ct);
                }
            }
        }
        clock.Stop();
        var naiveRate = baselineComments * PerComment / clock.Elapsed.TotalSeconds;

        BenchReport.Row("Reconcile throughput (batches of 100 comments, 10 reactions each)", new()
        {
            ["reactions"] = (long)Comments * PerComment,
            ["insert rows/s"] = Math.Round(insertRate),
            ["steady rows/s"] = Math.Round(steadyRate),
            ["steady changes"] = churned,
            ["naive EF rows/s"] = Math.Round(naiveRate),
            ["speed-up"] = insertRate / naiveRate,
        });
    }
}
