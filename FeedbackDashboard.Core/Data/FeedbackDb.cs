using System.Text;
using Microsoft.EntityFrameworkCore;

namespace FeedbackDashboard.Core.Data;

/// <summary>EF Core mapping of the schema in db/migrations (the SQL files own the schema, not EF).</summary>
public sealed class FeedbackDb(DbContextOptions<FeedbackDb> options) : DbContext(options)
{
    public DbSet<Repository> Repositories => Set<Repository>();
    public DbSet<ReviewTask> Tasks => Set<ReviewTask>();
    public DbSet<ReviewComment> ReviewComments => Set<ReviewComment>();
    public DbSet<ReviewFeedback> ReviewFeedback => Set<ReviewFeedback>();
    public DbSet<ReviewCapture> ReviewCaptures => Set<ReviewCapture>();
    public DbSet<Maintainer> Maintainers => Set<Maintainer>();
    public DbSet<PollCycle> PollCycles => Set<PollCycle>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<Repository>().ToTable("repositories");
        b.Entity<ReviewTask>().ToTable("tasks");
        b.Entity<ReviewComment>().ToTable("review_comments").HasKey(c => new { c.Kind, c.GithubCommentId });
        b.Entity<ReviewFeedback>().ToTable("review_feedback");
        b.Entity<ReviewCapture>().ToTable("review_captures").HasKey(c => new { c.TaskId, c.GithubReviewId });
        b.Entity<ReviewCapture>().Property(c => c.Findings).HasColumnType("jsonb");
        b.Entity<ReviewCapture>().Property(c => c.UnmatchedFindings).HasColumnType("jsonb");
        b.Entity<Maintainer>().ToTable("maintainers").HasKey(m => new { m.RepoFullName, m.GithubId });
        b.Entity<PollCycle>().ToTable("poll_cycles");
        b.Entity<PollCycle>().Property(c => c.RateLimitRemaining).HasColumnType("jsonb");
        b.Entity<PollCycle>().Property(c => c.Errors).HasColumnType("jsonb");
        b.Entity<ApiKey>().ToTable("api_keys");

        // The SQL schema is snake_case; map every property once instead of per-column attributes.
        foreach (var entity in b.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.Name));
            }
        }
    }

    internal static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
