using Bunit;
using FeedbackDashboard.Components.Pages;
using FeedbackDashboard.Components.Shared;
using FeedbackDashboard.Core;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Tests.Components;

public sealed class RunDetailStateTests : BunitBase, IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();

    public ValueTask InitializeAsync() => _db.InitializeAsync();

    public new async ValueTask DisposeAsync()
    {
        await _db.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Run_detail_marks_comments_paused_while_their_repository_has_lost_access()
    {
        var now = DateTimeOffset.UtcNow;
        var task = await _db.TaskAsync("acme/paused", now);
        await _db.CommentAsync(task, "inline", 1, now, "a.cs", 3);
        await _db.CommentAsync(task, "inline", 2, now, "b.cs", 4);
        await _db.ExecuteAsync("update review_comments set gone_at = now() where github_comment_id = 2");
        await _db.ExecuteAsync("update repositories set access_lost_at = now() where full_name = 'acme/paused'");
        Services.AddSingleton(new DashboardExposure("none", loopbackOnly: true));
        Services.AddSingleton(new FeedbackSettings());
        Services.AddSingleton(TimeProvider.System);
        Services.AddFeedbackCore(_db.DataSource);
        AddBunitPersistentComponentState();

        var cut = Render<RunDetail>(p => p.Add(x => x.Id, task));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=comment-paused]")), TimeSpan.FromSeconds(10));
        Assert.Equal("paused", cut.Find("[data-testid=comment-paused]").TextContent.Trim());
    }
}
