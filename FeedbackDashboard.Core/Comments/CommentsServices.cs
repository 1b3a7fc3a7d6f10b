using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Core.Comments;

public static class CommentsServices
{
    /// <summary>The comment state read from GitHub: retirements, node ids, texts, threads, applied suggestions.</summary>
    public static IServiceCollection AddCommentsPoller(this IServiceCollection services)
    {
        services.AddSingleton<PollStore>();
        services.AddSingleton<AppliedSuggestions>();
        return services;
    }
}
