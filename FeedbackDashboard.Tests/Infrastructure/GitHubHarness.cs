using FeedbackDashboard.Core.GitHub;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>The real GitHub layer wired to a <see cref="FakeGitHub"/>, sharing one clock with it.</summary>
public sealed class GitHubHarness : IAsyncDisposable
{
    public FakeGitHub Fake { get; }
    public TimeProvider Time { get; }
    public GitHubAppAuth Auth { get; }
    public GitHubConnection Connection { get; }
    public GitHubClient Client { get; }
    private readonly GitHubTransport _transport;
    private readonly bool _ownsFake = true;

    private GitHubHarness(FakeGitHub fake, TimeProvider time, bool ownsFake = true)
    {
        _ownsFake = ownsFake;
        Fake = fake;
        Time = time;
        fake.Now = time.GetUtcNow;
        _transport = new GitHubTransport(fake.ApiUrl);
        Auth = new GitHubAppAuth(_transport, FakeGitHub.AppId, fake.AppKeyPem, time);
        Connection = new GitHubConnection(_transport, Auth, time, NullLogger<GitHubConnection>.Instance);
        Client = new GitHubClient(Connection, fake.GraphQlUrl);
    }

    /// <summary>With a FakeTimeProvider by default (starting now), so token expiry is tested without sleeping.</summary>
    public static async Task<GitHubHarness> StartAsync(TimeProvider? time = null) =>
        new(await FakeGitHub.StartAsync(), time ?? new FakeTimeProvider(DateTimeOffset.UtcNow));

    public FakeTimeProvider FakeTime => (FakeTimeProvider)Time;

    /// <summary>A second GitHub layer (own tokens, own limits) over the same fake: another poller process.</summary>
    public GitHubHarness Another() => new(Fake, Time, ownsFake: false);

    public async ValueTask DisposeAsync()
    {
        Auth.Dispose();
        _transport.Dispose();
        if (_ownsFake) await Fake.DisposeAsync();
    }
}
