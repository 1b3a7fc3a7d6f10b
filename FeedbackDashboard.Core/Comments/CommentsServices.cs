using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Core.Comments;

public static class CommentsServices
{
    /// <summary>What both roles write: a comment's poll bookkeeping and signals, which the reconcile calls.</summary>
    public static IServiceCollection AddComments(this IServiceCollection services)
    {
        services.AddSingleton<CommentPolls>();
        return services;
    }

    /// <summary>The comment state read from GitHub: retirements, node ids, texts, threads, applied suggestions.</summary>
    public static IServiceCollection AddCommentsPoller(this IServiceCollection services)
    {
        services.AddSingleton<PollStore>();
        services.AddSingleton<AppliedSuggestions>();
        return services;
    }
}
