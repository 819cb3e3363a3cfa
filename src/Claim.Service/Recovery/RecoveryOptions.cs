namespace Claim.Service.Recovery;

/// <summary>Settings of the recovery after Redis lost data, bound from "Claim:Recovery".</summary>
public sealed class RecoveryOptions
{
    public const string SectionName = "Claim:Recovery";

    /// <summary>How often the Redis run id is compared with the one each campaign was last checked under.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long one copy may hold a campaign's recovery lock. It only matters when that copy dies mid-recovery:
    /// the lock then lapses and another copy starts over (every step of the recovery can be run again).
    /// </summary>
    public TimeSpan LockTime { get; set; } = TimeSpan.FromMinutes(2);
}
