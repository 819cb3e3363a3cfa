using System.Text;

namespace Redemption.Service;

/// <summary>Settings under "Redemption".</summary>
public sealed class RedemptionOptions
{
    public const string SectionName = "Redemption";

    /// <summary>How long Claim holds a voucher for one attempt; a crashed copy strands it no longer than this.</summary>
    public TimeSpan LockTtl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long an attempt may take from lock to record before recovery may finish or undo it. Shorter than
    /// <see cref="LockTtl"/>, so recovery consumes a recorded attempt while its lock still holds.
    /// </summary>
    public TimeSpan AttemptLease { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often the recovery worker looks for attempts whose lease ran out.</summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the screening scheduler checks whether yesterday's screening ran for every campaign.</summary>
    public TimeSpan ScreeningInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often a following feed stream looks for events other copies committed.</summary>
    public TimeSpan FeedPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Claim's identity secret, so a buyer phone typed into ListRedemptions hashes as Claim hashed it; empty disables that filter.</summary>
    public string IdentitySecret { get; set; } = string.Empty;

    public byte[] IdentitySecretBytes() => Encoding.UTF8.GetBytes(IdentitySecret);
}
