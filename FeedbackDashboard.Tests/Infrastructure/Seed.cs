namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>Direct SQL inserts for read-side tests: the shape of the data, without going through the API.</summary>
public static class Seed
{
    public static async Task<long> RepoAsync(this PostgresDatabase db, string fullName, long installation = 77)
    {
        var parts = fullName.Split('/');
        return await db.ScalarAsync<long>($"""
            insert into repositories (owner, name, full_name, installation_id) values ('{parts[0]}', '{parts[1]}', '{fullName.ToLowerInvariant()}', {installation})
            on conflict (full_name) do update set installation_id = excluded.installation_id returning id
            """);
    }

    public static async Task<Guid> TaskAsync(this PostgresDatabase db, string repo, DateTimeOffset createdAt, int pr = 1,
        long authorId = 501, string authorLogin = "octo", string association = "CONTRIBUTOR", long installation = 77)
    {
        var repoId = await db.RepoAsync(repo, installation);
        var id = Guid.NewGuid();
        await db.ExecuteAsync($"""
            insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login, pr_author_association, created_at)
            values ('{id}', {repoId}, {installation}, {pr}, {authorId}, '{authorLogin}', '{association}', '{createdAt:O}')
            """);
        return id;
    }

    public static Task CommentAsync(this PostgresDatabase db, Guid task, string kind, long id, DateTimeOffset createdAt,
        string? file = "src/app.cs", int? line = 10, string? nodeId = null) =>
        db.ExecuteAsync($"""
            insert into review_comments (kind, github_comment_id, task_id, node_id, file, line, created_at)
            values ('{kind}', {id}, '{task}', {(nodeId is null ? "null" : $"'{nodeId}'")}, {(file is null ? "null" : $"'{file}'")}, {(line is null ? "null" : line.ToString())}, '{createdAt:O}')
            """);

    public static Task ReactionAsync(this PostgresDatabase db, string kind, long commentId, long reactorId, string content,
        DateTimeOffset? at = null, string? login = null, string association = "NONE") =>
        db.ExecuteAsync($"""
            insert into review_feedback (kind, github_comment_id, reactor_id, reactor_login, reactor_association, content, reacted_at)
            values ('{kind}', {commentId}, {reactorId}, '{login ?? $"user{reactorId}"}', '{association}', '{content}', '{(at ?? DateTimeOffset.UtcNow):O}')
            """);

    public static Task MaintainerAsync(this PostgresDatabase db, string repo, long githubId, string login, string association,
        DateTimeOffset? refreshedAt = null) =>
        db.ExecuteAsync($"""
            insert into maintainers (repo_full_name, github_id, login, association, refreshed_at)
            values ('{repo.ToLowerInvariant()}', {githubId}, '{login}', '{association}', '{(refreshedAt ?? DateTimeOffset.UtcNow):O}')
            on conflict (repo_full_name, github_id) do update set association = excluded.association
            """);
}
