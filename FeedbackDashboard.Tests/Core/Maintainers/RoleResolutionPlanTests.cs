using FeedbackDashboard.Core.Maintainers;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Core.Maintainers;

public sealed class RoleResolutionPlanTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task The_role_join_is_an_index_lookup_at_100000_maintainers()
    {
        var now = DateTimeOffset.UtcNow;
        var task = await db.TaskAsync("acme/repo-500", now, authorId: 500_042);
        await db.ExecuteAsync($"""
            insert into maintainers (repo_full_name, github_id, login, association, refreshed_at)
            select 'acme/repo-' || (g / 100), g, 'user' || g, 'MEMBER', now() from generate_series(0, 99999) g;
            insert into review_comments (kind, github_comment_id, task_id, created_at)
            select 'inline', g, '{task}', now() from generate_series(1, 50) g;
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, content, reacted_at)
            select 'inline', c, 50000 + u, 'u', '+1', now() from generate_series(1, 50) c, generate_series(1, 4) u;
            analyze;
            """);
        Assert.Equal(100_000L, await db.ScalarAsync<long>("select count(*) from maintainers"));

        var sql = $"""
            explain select f.reactor_id, {RoleResolution.Resolved("m", "f.reactor_association")}
            from review_comments c
            join tasks t on t.id = c.task_id
            join repositories r on r.id = t.repository_id
            join review_feedback f on f.kind = c.kind and f.github_comment_id = c.github_comment_id
            {RoleResolution.Join("m", "r.full_name", "f.reactor_id")}
            where c.task_id = '{task}'
            """;
        var plan = string.Join("\n", await PlanAsync(sql));

        Assert.DoesNotContain("Seq Scan on maintainers", plan);
        Assert.Contains("maintainers_pkey", plan);
    }

    private async Task<List<string>> PlanAsync(string sql)
    {
        var lines = new List<string>();
        await using var cmd = db.DataSource.CreateCommand(sql);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) lines.Add(r.GetString(0));
        return lines;
    }
}
