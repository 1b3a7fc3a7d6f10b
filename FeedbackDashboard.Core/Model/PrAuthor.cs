namespace FeedbackDashboard.Core.Model;

/// <summary>Who opened a pull request, as GitHub named them when it was captured.</summary>
public sealed record PrAuthor(long GithubId, string Login, string Association);
