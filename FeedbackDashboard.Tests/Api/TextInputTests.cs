using System.Net;
using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Api;

/// <summary>Strings a client controls: control characters, GitHub's owner/name rules, length limits. Always a 400 naming the field.</summary>
public sealed class TextInputTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>
{

    [Theory]
    [InlineData("acme/widgets\n", "repository")]
    [InlineData("acme/.", "repository")]
    [InlineData("acme/..", "repository")]
    [InlineData("acme/wid\u0000gets", "repository")]
    [InlineData("-acme/widgets", "repository")]
    [InlineData("acme-that-is-much-too-long-for-a-github-login/widgets", "repository")]
    public async Task A_repository_outside_GitHub_rules_is_a_400_naming_it(string repository, string field)
    {
        await using var app = new AppFactory(db.ConnectionString);
        var client = await app.WithKeyAsync(db, Scopes.ReviewWrite);
        var before = await db.ScalarAsync<long>("select count(*) from repositories");
        var response = await client.PostJsonAsync("/api/tasks", ApiClients.Task(repository: repository));
        await AssertBadAsync(response, field);
        Assert.Equal(before, await db.ScalarAsync<long>("select count(*) from repositories"));
    }

    [Fact]
    public async Task Dots_inside_a_name_are_still_a_repository()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var client = await app.WithKeyAsync(db, Scopes.ReviewWrite);
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "acme/.github"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "acme/a..b"))).StatusCode);
    }

    [Fact]
    public async Task Control_characters_and_overlong_strings_are_a_400_naming_the_field_and_change_nothing()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var client = await app.WithKeyAsync(db, Scopes.ReviewWrite);

        await AssertBadAsync(await client.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "acme/nul", authorLogin: "oc\u0000to")), "pr_author.login");
        await AssertBadAsync(await client.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "acme/nul", authorLogin: "oc\u001bto")), "pr_author.login");
        await AssertBadAsync(await client.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "acme/nul", authorLogin: new string('a', 101))), "pr_author.login");
        await AssertBadAsync(await client.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "acme/nul", association: "MEMBER\u0000")), "pr_author.association");
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from tasks where repository_id in (select id from repositories where full_name = 'acme/nul')"));

        var created = await (await client.PostJsonAsync("/api/tasks", ApiClients.Task(repository: "acme/text"))).JsonAsync();
        var id = created.GetProperty("id").GetString();
        object[] bad =
        [
            new { kind = "inline", github_comment_id = 1, file = "src/a\u0000.cs", line = 1 },
            new { kind = "inline", github_comment_id = 2, file = "src/a.cs\n", line = 1 },
            new { kind = "inline", github_comment_id = 3, file = new string('f', CaptureValidation.Limits.File + 1), line = 1 },
            new { kind = "inline", github_comment_id = 4, node_id = "PRRC_\u0000", line = 1 },
            new { kind = "inline", github_comment_id = 5, finding_id = new string('x', 201) },
            new { kind = "in\u0000line", github_comment_id = 6 },
        ];
        var response = await client.PostJsonAsync($"/api/tasks/{id}/comments", bad);
        var problem = await AssertBadAsync(response, "[0].file");
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "[1].file", "[2].file", "[3].node_id", "[4].finding_id", "[5].kind" })
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from review_comments"));

        // The longest allowed file path is stored.
        var longest = new[] { new { kind = "inline", github_comment_id = 7, file = new string('f', CaptureValidation.Limits.File), line = 1 } };
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync($"/api/tasks/{id}/comments", longest)).StatusCode);

        var review = new { github_review_id = 9, findings = new[] { new { file = "a\u0000", line = 1, finding_id = "F" } } };
        await AssertBadAsync(await client.PostJsonAsync($"/api/tasks/{id}/reviews", review), "findings[0].file");
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from review_captures"));
    }

    [Fact]
    public async Task Control_characters_in_query_and_route_strings_are_a_400()
    {
        await using var app = new AppFactory(db.ConnectionString);
        var client = await app.WithKeyAsync(db, Scopes.ReviewRead, Scopes.MaintainersRead);
        await AssertBadAsync(await client.GetAsync("/api/tasks?repository=acme%2Fw%00x", Ct), "repository");
        await AssertBadAsync(await client.GetAsync("/api/feedback/export?repository=acme%2F..", Ct), "repository");
        // (A NUL in the path itself never reaches the app: Kestrel refuses it.)
        await AssertBadAsync(await client.GetAsync("/api/repos/acme/w%1Bx/maintainers", Ct), "repository");
    }

    private static async Task<System.Text.Json.JsonElement> AssertBadAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {text}");
        return problem;
    }
}
