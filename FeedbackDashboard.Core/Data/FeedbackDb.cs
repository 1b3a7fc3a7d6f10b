using Microsoft.EntityFrameworkCore;

namespace FeedbackDashboard.Core.Data;

/// <summary>EF Core mapping of the tables EF serves (the SQL files in db/migrations own the schema, not EF).</summary>
public sealed class FeedbackDb(DbContextOptions<FeedbackDb> options) : DbContext(options)
{
    public DbSet<ReviewFeedback> ReviewFeedback => Set<ReviewFeedback>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    // Here rather than where the options are built, so every context maps the snake_case schema whoever creates it.
    protected override void OnConfiguring(DbContextOptionsBuilder options) => options.UseSnakeCaseNamingConvention();
}
