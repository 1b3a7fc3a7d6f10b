using System.Net.Http.Headers;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Core.GitHub;

/// <summary>
/// The fake GitHub's REST answers, read raw with an installation token, have the shapes GitHub publishes for them
/// (@octokit/openapi): a reaction list with a person, a bot and a deleted account, the installation's repositories,
/// a review comment, a repository, the repository-wide comment lists, a pull request, its commits (paged) and a
/// commit with its patches, and a 404. Our fake may not agree with our code and disagree with GitHub.
/// </summary>
public sealed class FakeGitHubShapeTests : IAsyncLifetime
{
    private const long Inst = 77;
    private GitHubHarness _gh = null!;

    public async ValueTask InitializeAsync()
    {
        _gh = await GitHubHarness.StartAsync();
        _gh.Fake.Installations.Add(Inst);
    }

    public async ValueTask DisposeAsync() => await _gh.DisposeAsync();

    [Fact]
    public async Task The_fakes_rest_answers_have_githubs_published_shapes()
    {
        var fake = _gh.Fake;
        fake.AddRepo("acme/widgets", "Organization", 900, "acme");
        fake.AddComment("acme/widgets", CommentKind.Inline, 1, "src/a.cs", 3, reviewId: 70, prNumber: 5);
        fake.AddComment("acme/widgets", CommentKind.Reply, 2);
        fake.React(CommentKind.Inline, 1, 10, "+1", "ann");
        fake.ReactAsBot(CommentKind.Inline, 1, 41898282, "-1");
        fake.ReactAsGhost(CommentKind.Inline, 1, 55, "+1");
        fake.React(CommentKind.Reply, 2, 11, "-1", "bob");
        fake.AddBotComment("acme/widgets", CommentKind.Inline, 3, "coderabbitai[bot]", prNumber: 5, reviewId: 71);
        fake.AddBotComment("acme/widgets", CommentKind.Reply, 4, "coderabbitai[bot]", prNumber: 5);
        fake.AddPlainIssueComment("acme/widgets", 5, "dependabot[bot]", issueNumber: 8);
        fake.SetPullAuthor("acme/widgets", 5, 601, "alice", "MEMBER");
        var applied = fake.Push("acme/widgets", 5, FakeGitHub.CommitSuggestionMessage("review-bot[bot]"),
            new FakeGitHub.FakeFile("src/a.cs", FakeGitHub.Patch(["old();"], ["fresh();"])), new FakeGitHub.FakeFile("logo.png", null, "added"));
        fake.PushMerge("acme/widgets", 5);
        fake.MaxPageSize = 1;

        using var http = new HttpClient { BaseAddress = fake.ApiUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await _gh.Auth.GetTokenAsync(Inst, Ct));
        http.DefaultRequestHeaders.UserAgent.ParseAdd("test");
        async Task<OpenApiShapes.Sample> Get(string path, string template, int status = 200)
        {
            using var response = await http.GetAsync(path, Ct);
            Assert.Equal(status, (int)response.StatusCode);
            return new OpenApiShapes.Sample("GET", template, status, await response.Content.ReadAsStringAsync(Ct));
        }

        await OpenApiShapes.AssertValidAsync(
        [
            await Get("repos/acme/widgets/pulls/comments/1/reactions?per_page=100", "/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions"),
            await Get("repos/acme/widgets/issues/comments/2/reactions", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"),
            await Get("installation/repositories?per_page=100", "/installation/repositories"),
            await Get("repos/acme/widgets", "/repos/{owner}/{repo}"),
            await Get("repos/acme/widgets/pulls/comments/9", "/repos/{owner}/{repo}/pulls/comments/{comment_id}", 404),
            await Get("repos/acme/widgets/pulls/comments?sort=updated&direction=asc&since=2000-01-01T00:00:00Z&per_page=100",
                "/repos/{owner}/{repo}/pulls/comments"),
            await Get("repos/acme/widgets/issues/comments?sort=updated&direction=asc&since=2000-01-01T00:00:00Z&per_page=100",
                "/repos/{owner}/{repo}/issues/comments"),
            await Get("repos/acme/widgets/pulls/5", "/repos/{owner}/{repo}/pulls/{pull_number}"),
            await Get("repos/acme/widgets/pulls/77", "/repos/{owner}/{repo}/pulls/{pull_number}", 404),
            await Get("repos/acme/widgets/pulls/5/commits?per_page=100", "/repos/{owner}/{repo}/pulls/{pull_number}/commits"),
            await Get("repos/acme/widgets/pulls/5/commits?per_page=100&page=2", "/repos/{owner}/{repo}/pulls/{pull_number}/commits"),
            await Get($"repos/acme/widgets/commits/{applied.Sha}", "/repos/{owner}/{repo}/commits/{ref}"),
        ], Ct);
    }
}
