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

    /// <summary>
    /// At most this many redemptions share one round trip of a kind (a Claim call, a redemptiondb transaction). Tills
    /// redeeming at the same moment share them, so a busy service pays one round trip for many redemptions.
    /// </summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>The most items Claim's LockVouchers and ConsumeVouchers take in one call.</summary>
    public const int MaximumBatchSize = 256;

    /// <summary>How many shared round trips of one kind may be in flight at once; more wait and leave together.</summary>
    public int BatchesInFlight { get; set; } = 1;

    /// <summary>A shared round trip still unanswered after this long is given up, and its redemptions answer UNAVAILABLE.</summary>
    public TimeSpan BatchTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Claim's identity secret, so a buyer phone typed into ListRedemptions hashes as Claim hashed it; empty disables that filter.</summary>
    public string IdentitySecret { get; set; } = string.Empty;

    public byte[] IdentitySecretBytes() => Encoding.UTF8.GetBytes(IdentitySecret);
}
