using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Core.Reactions;

public static class ReactionsServices
{
    /// <summary>Selection, reconcile and budgets, which the health page reads too.</summary>
    public static IServiceCollection AddReactions(this IServiceCollection services)
    {
        services.AddSingleton<PollSelection>();
        services.AddSingleton<ReactionsReconciler>();
        services.AddSingleton<PollBudgets>();
        return services;
    }

    /// <summary>The poll cycle.</summary>
    public static IServiceCollection AddReactionsPoller(this IServiceCollection services)
    {
        services.AddSingleton<ReactionsPoller>();
        return services;
    }
}
