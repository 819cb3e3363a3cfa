using System.Text;

namespace Claim.Service.HotPath;

/// <summary>Settings of the claim hot path and the persister, bound from the "Claim" configuration section.</summary>
public sealed class ClaimOptions
{
    public const string SectionName = "Claim";

    /// <summary>The HMAC key for identity hashes (at least 16 bytes of UTF-8); the same on every copy.</summary>
    public string IdentitySecret { get; set; } = string.Empty;

    /// <summary>How long Redis keeps the answer to a request id for replays.</summary>
    public TimeSpan RequestIdRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The Redis stream every issued voucher is appended to.</summary>
    public string IssuedStreamKey { get; set; } = "claim:issued";

    /// <summary>The persisters' consumer group on <see cref="IssuedStreamKey"/>.</summary>
    public string PersisterGroup { get; set; } = "persisters";

    /// <summary>Entries read and written per batch.</summary>
    public int PersisterBatchSize { get; set; } = 500;

    /// <summary>Pause between polls when the stream is empty.</summary>
    public TimeSpan PersisterIdleDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Entries pending this long with another consumer are taken over (that consumer is presumed dead).</summary>
    public TimeSpan PersisterTakeoverIdle { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How often the issued stream is trimmed of entries every consumer group has read and acknowledged (they are in
    /// claimdb); zero or less turns trimming off.
    /// </summary>
    public TimeSpan StreamTrimInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often unused vouchers past their validity are expired.</summary>
    public TimeSpan ExpiryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a presentation (QR) code works.</summary>
    public TimeSpan PresentationCodeLifetime { get; set; } = TimeSpan.FromSeconds(60);

    public byte[] IdentitySecretBytes()
    {
        var bytes = Encoding.UTF8.GetBytes(IdentitySecret);
        return bytes.Length >= 16
            ? bytes
            : throw new InvalidOperationException("Claim:IdentitySecret must be set to at least 16 bytes (the same value on every copy of the service).");
    }
}
