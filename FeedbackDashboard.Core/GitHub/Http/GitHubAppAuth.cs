using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Octokit;
using Polly.Timeout;

namespace FeedbackDashboard.Core.GitHub;

/// <summary>
/// GitHub App authentication: an RS256 JWT signed with the App key, exchanged for installation tokens that are
/// kept and reused until 5 minutes before they expire (one mint per installation per hour, not per cycle). The mint
/// is Octokit's GitHubApps.CreateInstallationToken, signed with our own JWT as Bearer credentials.
/// </summary>
public sealed class GitHubAppAuth : IDisposable
{
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private readonly IGitHubClient _app;
    private readonly long _appId;
    private readonly RSA _key;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<long, InstallationToken> _tokens = new();
    private readonly ConcurrentDictionary<long, SemaphoreSlim> _mintLocks = new();

    public GitHubAppAuth(GitHubTransport transport, long appId, string privateKeyPem, TimeProvider time)
    {
        _app = transport.CreateOctokit(new AppJwt(this));
        _appId = appId;
        _time = time;
        _key = RSA.Create();
        try
        {
            _key.ImportFromPem(privateKeyPem);
        }
        catch (ArgumentException e)
        {
            throw new InvalidSettingException($"GITHUB_APP_PRIVATE_KEY is not a PEM RSA private key: {e.Message}");
        }
    }

    /// <summary>Installation tokens minted since start (what the benchmarks and tests count).</summary>
    public int Mints => _mintCount;
    private int _mintCount;

    public string CreateJwt()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        // iat in the past absorbs clock drift between us and GitHub; exp stays inside GitHub's 10-minute cap.
        var header = Base64Url("""{"alg":"RS256","typ":"JWT"}"""u8);
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { iat = now - 60, exp = now + 540, iss = _appId.ToString() }));
        var signingInput = $"{header}.{payload}";
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signingInput}.{Base64Url(signature)}";
    }

    /// <summary>A token valid for at least 5 more minutes, minted only when the cached one is not.</summary>
    public async Task<string> GetTokenAsync(long installationId, CancellationToken ct)
    {
        if (TryCached(installationId) is { } cached) return cached;

        var gate = _mintLocks.GetOrAdd(installationId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            if (TryCached(installationId) is { } raced) return raced;
            var token = await MintAsync(installationId, ct);
            _tokens[installationId] = token;
            return token.Token;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Forget a token GitHub refused (401), so the next call mints a new one.</summary>
    public void Invalidate(long installationId, string refusedToken)
    {
        if (_tokens.TryGetValue(installationId, out var t) && t.Token == refusedToken)
            _tokens.TryRemove(installationId, out _);
    }

    private string? TryCached(long installationId) =>
        _tokens.TryGetValue(installationId, out var t) && t.ExpiresAt - RefreshMargin > _time.GetUtcNow() ? t.Token : null;

    private async Task<InstallationToken> MintAsync(long installationId, CancellationToken ct)
    {
        Interlocked.Increment(ref _mintCount);
        // Signed with the App's JWT: not an installation's request and not charged to its budget.
        using var unmetered = GitHubMeteringHandler.Unmetered();
        try
        {
            // Octokit takes no CancellationToken here; the call is bounded by the handler's per-attempt timeout.
            var token = await _app.GitHubApps.CreateInstallationToken(installationId).WaitAsync(ct);
            return token?.Token is { Length: > 0 } value
                ? new InstallationToken(value, token.ExpiresAt)
                : throw new InstallationUnavailableException(installationId, "token mint answered an empty body");
        }
        catch (ApiException e)
        {
            throw new InstallationUnavailableException(installationId, $"token mint answered {(int)e.StatusCode} {e.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new InstallationUnavailableException(installationId, $"token mint: no answer ({e.Message})");
        }
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    /// <summary>A short, non-reversible name for a token: which token an ETag was answered to.</summary>
    public static string TokenId(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)).AsSpan(0, 6));

    public void Dispose() => _key.Dispose();

    private sealed record InstallationToken(string Token, DateTimeOffset ExpiresAt);

    /// <summary>A fresh App JWT for every App-level request: it lives 9 minutes, the client lives as long as we do.</summary>
    private sealed class AppJwt(GitHubAppAuth auth) : ICredentialStore
    {
        public Task<Credentials> GetCredentials() => Task.FromResult(new Credentials(auth.CreateJwt(), AuthenticationType.Bearer));
    }
}
