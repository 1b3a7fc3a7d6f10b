using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace FeedbackDashboard.Core.Webhooks;

/// <summary>How reading a delivery's body ended.</summary>
public enum BodyCheck
{
    /// <summary>The signature matches and the body is kept.</summary>
    Valid,
    /// <summary>The signature is missing or does not match the body.</summary>
    BadSignature,
    /// <summary>The body grew past the cap; the rest was not read.</summary>
    TooLarge,
    /// <summary>The signature matches, but the body could not be kept while others held the shared allowance.</summary>
    NotKept,
}

/// <summary>
/// Bytes held for bodies whose signature is not checked yet, shared by every request of the process: whoever sends
/// unsigned bodies can make the endpoint hash them, never hold more than this.
/// </summary>
public sealed class WebhookBodyBudget(long bytes)
{
    private long _left = bytes;

    public long Left => Interlocked.Read(ref _left);

    public bool TryTake(int n)
    {
        if (Interlocked.Add(ref _left, -n) >= 0) return true;
        Interlocked.Add(ref _left, n);
        return false;
    }

    public void Give(long n) => Interlocked.Add(ref _left, n);
}

/// <summary>
/// A delivery's body read once, under a size cap, with its HMAC-SHA256 computed as it streams in. Bytes are kept in
/// pooled segments only while the shared <see cref="WebhookBodyBudget"/> allows (the first segment is each request's
/// own read buffer); past that the rest is only hashed, so an unsigned flood costs CPU, not memory.
/// </summary>
public sealed class WebhookBody : IDisposable
{
    /// <summary>Below the large-object heap's threshold, so a segment the pool drops is ordinary short-lived garbage.</summary>
    public const int SegmentSize = 64 * 1024;

    private readonly List<byte[]> _segments = [];
    private readonly WebhookBodyBudget _budget;
    private long _taken;
    private byte[]? _contiguous;

    private WebhookBody(WebhookBodyBudget budget) => _budget = budget;

    public BodyCheck Check { get; private set; }
    public long Length { get; private set; }

    /// <summary>The whole body; only for <see cref="BodyCheck.Valid"/>.</summary>
    public ReadOnlyMemory<byte> Memory
    {
        get
        {
            if (Check != BodyCheck.Valid) throw new InvalidOperationException($"the body is {Check}, not kept");
            if (_segments.Count == 1) return _segments[0].AsMemory(0, (int)Length);
            if (_contiguous is null)
            {
                // The signature is good: this copy is a delivery GitHub sent, at most the cap.
                _contiguous = GC.AllocateUninitializedArray<byte>((int)Length);
                var at = 0;
                foreach (var segment in _segments)
                {
                    var n = (int)Math.Min(SegmentSize, Length - at);
                    segment.AsSpan(0, n).CopyTo(_contiguous.AsSpan(at));
                    at += n;
                }
            }
            return _contiguous;
        }
    }

    public static async Task<WebhookBody> ReadAsync(Stream body, string secret, string? signature, long maxBytes, WebhookBodyBudget budget,
        CancellationToken ct)
    {
        var result = new WebhookBody(budget);
        try
        {
            await result.FillAsync(body, secret, signature, maxBytes, ct);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private async Task FillAsync(Stream body, string secret, string? signature, long maxBytes, CancellationToken ct)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        var keeping = true;
        var current = ArrayPool<byte>.Shared.Rent(SegmentSize);
        _segments.Add(current);
        var used = 0;
        while (true)
        {
            if (used == SegmentSize)
            {
                if (keeping && _budget.TryTake(SegmentSize))
                {
                    _taken += SegmentSize;
                    current = ArrayPool<byte>.Shared.Rent(SegmentSize);
                    _segments.Add(current);
                }
                else if (keeping)
                {
                    // Out of allowance: hand back what this body holds and go on hashing through the first segment.
                    keeping = false;
                    ReleaseAllButFirst();
                    current = _segments[0];
                }
                used = 0;
            }
            var n = await body.ReadAsync(current.AsMemory(used, SegmentSize - used), ct);
            if (n == 0) break;
            Length += n;
            if (Length > maxBytes)
            {
                Check = BodyCheck.TooLarge;
                ReleaseAllButFirst();
                return;
            }
            hmac.AppendData(current, used, n);
            used += n;
        }

        Span<byte> actual = stackalloc byte[32];
        hmac.GetHashAndReset(actual);
        Check = !WebhookSignature.Matches(signature, actual) ? BodyCheck.BadSignature : keeping ? BodyCheck.Valid : BodyCheck.NotKept;
        if (Check != BodyCheck.Valid) ReleaseAllButFirst();
    }

    private void ReleaseAllButFirst()
    {
        for (var i = _segments.Count - 1; i > 0; i--)
        {
            ArrayPool<byte>.Shared.Return(_segments[i]);
            _segments.RemoveAt(i);
        }
        _budget.Give(_taken);
        _taken = 0;
    }

    public void Dispose()
    {
        ReleaseAllButFirst();
        if (_segments.Count == 1) ArrayPool<byte>.Shared.Return(_segments[0]);
        _segments.Clear();
        _contiguous = null;
    }
}
