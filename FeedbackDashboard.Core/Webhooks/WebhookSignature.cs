using System.Security.Cryptography;
using System.Text;

namespace FeedbackDashboard.Core.Webhooks;

/// <summary>GitHub's X-Hub-Signature-256: "sha256=" and the hex HMAC-SHA256 of the raw body, keyed with the webhook secret.</summary>
public static class WebhookSignature
{
    public const string Header = "X-Hub-Signature-256";
    private const string Prefix = "sha256=";

    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>
    /// True only for the exact signature. The comparison is over the decoded bytes in constant time, so how long it takes
    /// says nothing about how much of a forged signature was right.
    /// </summary>
    public static bool IsValid(string secret, ReadOnlySpan<byte> body, string? header)
    {
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        return Matches(header, expected);
    }

    /// <summary>True only when the header names exactly this HMAC, compared in constant time over the decoded bytes.</summary>
    public static bool Matches(string? header, ReadOnlySpan<byte> expected)
    {
        if (header is null || !header.StartsWith(Prefix, StringComparison.Ordinal) || header.Length != Prefix.Length + 64) return false;
        Span<byte> given = stackalloc byte[32];
        if (Convert.FromHexString(header.AsSpan(Prefix.Length), given, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != 32)
            return false;
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }
}
