global using static FeedbackDashboard.Tests.Infrastructure.TestCancellation;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>The running test's cancellation token, for every test (xunit cancels it when the run is stopped).</summary>
public static class TestCancellation
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;
}
