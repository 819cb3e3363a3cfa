using System.Globalization;
using static VoucherRules.KeySegments;

namespace VoucherRules;

/// <summary>The scope a claim limit counts in (campaign.v1 LimitScope).</summary>
public enum LimitScope
{
    /// <summary>Per person per round; a batch (批次) is a round, so this is also 张店's "per batch" and 华亭's "per cycle".</summary>
    PerRound,
    /// <summary>Per person per category per round (乾安 2022).</summary>
    PerCategoryPerRound,
    /// <summary>Per person per tier over the whole campaign (友好 2023).</summary>
    PerTierPerCampaign,
    /// <summary>
    /// One tier only for the whole campaign (乾安 2020): the first claim fixes the person's tier,
    /// and MaxClaims counts claims of that tier; with MaxClaims 1 it is "one tier, once".
    /// </summary>
    SingleTierPerCampaign,
    /// <summary>Per person over the whole campaign, any tier.</summary>
    PerCampaign,
    PerTierPerRound,
    PerCategoryPerCampaign,
}

public sealed record ClaimLimit(string LimitId, LimitScope Scope, int MaxClaims = 1);

/// <summary>What a claim asks for: which campaign, round, tier and category.</summary>
public sealed record ClaimTarget(string CampaignId, string RoundId, string TierId, string CategoryId);

public enum LimitKeyKind
{
    /// <summary>An integer counter: the claim needs value &lt; MaxClaims, then increments it.</summary>
    Counter,
    /// <summary>
    /// A pinned tier: the claim needs the key absent or equal to <see cref="LimitKey.PinValue"/>,
    /// then sets it. Used by the single-tier scope.
    /// </summary>
    TierPin,
}

/// <summary>
/// One key a claim must check and update. Keys carry the campaign id in a Redis hash tag
/// ("{...}") so every key of a campaign lands in one cluster slot and one script can touch them all.
/// </summary>
public sealed record LimitKey(
    string LimitId,
    LimitScope Scope,
    IdentityKeyKind IdentityKind,
    string Key,
    LimitKeyKind Kind,
    int MaxClaims,
    string? PinValue);

public sealed record LimitDecision(bool Allowed, ClaimLimit? ReachedLimit, IdentityKeyKind? MatchedOn, string Reason)
{
    public static LimitDecision Allow { get; } = new(true, null, null, string.Empty);
}

/// <summary>A claim already granted, as the evaluator sees it: what it was for and who made it.</summary>
public sealed record PastClaim(ClaimTarget Target, IReadOnlyList<HashedIdentityKey> Identity);

/// <summary>
/// Claim limits as keys. A person is the union of their identity keys: a claim is refused when
/// ANY of its keys has reached the limit, and a granted claim counts against ALL of its keys.
/// That is what an atomic Redis script can decide in one step. It catches two accounts sharing a
/// phone or a device directly; longer chains (A shares a phone with B, B a device with C) are
/// left to reconciliation, which can join the whole history.
/// </summary>
public static class ClaimLimits
{
    /// <summary>Every key a claim must check and, when granted, update, in a stable order.</summary>
    public static IReadOnlyList<LimitKey> KeysFor(ClaimTarget target, IReadOnlyList<ClaimLimit> limits, IReadOnlyList<HashedIdentityKey> identity)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(identity);
        if (identity.Count == 0)
        {
            throw new ArgumentException("A claim needs at least one identity key.", nameof(identity));
        }

        var keys = new List<LimitKey>();
        foreach (var limit in limits)
        {
            if (limit.MaxClaims < 1)
            {
                throw new ArgumentException($"limit '{limit.LimitId}' allows {limit.MaxClaims} claims; at least 1 is needed.", nameof(limits));
            }

            foreach (var id in identity)
            {
                var prefix = $"lim:{{{Escape(target.CampaignId)}}}:{Escape(limit.LimitId)}";
                var person = $"{KindTag(id.Kind)}:{id.Hash}";
                if (limit.Scope == LimitScope.SingleTierPerCampaign)
                {
                    keys.Add(new LimitKey(limit.LimitId, limit.Scope, id.Kind, $"{prefix}:pin:{person}", LimitKeyKind.TierPin, limit.MaxClaims, target.TierId));
                }

                var segment = limit.Scope switch
                {
                    LimitScope.PerRound => $"r={Escape(target.RoundId)}",
                    LimitScope.PerCategoryPerRound => $"r={Escape(target.RoundId)}:c={Escape(target.CategoryId)}",
                    LimitScope.PerTierPerCampaign or LimitScope.SingleTierPerCampaign => $"t={Escape(target.TierId)}",
                    LimitScope.PerCampaign => "all",
                    LimitScope.PerTierPerRound => $"r={Escape(target.RoundId)}:t={Escape(target.TierId)}",
                    LimitScope.PerCategoryPerCampaign => $"c={Escape(target.CategoryId)}",
                    _ => throw new ArgumentOutOfRangeException(nameof(limits), limit.Scope, "unknown limit scope"),
                };
                keys.Add(new LimitKey(limit.LimitId, limit.Scope, id.Kind, $"{prefix}:{segment}:{person}", LimitKeyKind.Counter, limit.MaxClaims, null));
            }
        }

        return keys;
    }

    /// <summary>
    /// Decides a claim against the current key values exactly as the atomic script does: pins
    /// first (a person who fixed another tier is refused), then counters, in key order.
    /// </summary>
    public static LimitDecision Check(
        IReadOnlyList<ClaimLimit> limits,
        IReadOnlyList<LimitKey> keys,
        IReadOnlyDictionary<string, long> counters,
        IReadOnlyDictionary<string, string> pins)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(pins);
        foreach (var key in keys.Where(k => k.Kind == LimitKeyKind.TierPin))
        {
            if (pins.TryGetValue(key.Key, out var pinned) && !string.Equals(pinned, key.PinValue, StringComparison.Ordinal))
            {
                var limit = limits.First(l => string.Equals(l.LimitId, key.LimitId, StringComparison.Ordinal));
                return new LimitDecision(false, limit, key.IdentityKind,
                    $"limit '{limit.LimitId}': this person already chose tier '{pinned}' (matched on {key.IdentityKind})");
            }
        }

        foreach (var key in keys.Where(k => k.Kind == LimitKeyKind.Counter))
        {
            if (counters.GetValueOrDefault(key.Key) >= key.MaxClaims)
            {
                var limit = limits.First(l => string.Equals(l.LimitId, key.LimitId, StringComparison.Ordinal));
                return new LimitDecision(false, limit, key.IdentityKind,
                    string.Create(CultureInfo.InvariantCulture, $"limit '{limit.LimitId}' ({limit.Scope}, {limit.MaxClaims} allowed) reached (matched on {key.IdentityKind})"));
            }
        }

        return LimitDecision.Allow;
    }

    /// <summary>
    /// The in-memory evaluator for tests and reconciliation: replays the granted claims onto fresh
    /// counters and pins, then decides the new claim with <see cref="Check"/>. Revoked vouchers'
    /// claims stay in the history: revoking a scalper's voucher does not hand them a new claim.
    /// </summary>
    public static LimitDecision Evaluate(
        ClaimTarget target,
        IReadOnlyList<HashedIdentityKey> identity,
        IReadOnlyList<ClaimLimit> limits,
        IEnumerable<PastClaim> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        var pins = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var past in history)
        {
            Apply(KeysFor(past.Target, limits, past.Identity), counters, pins);
        }

        return Check(limits, KeysFor(target, limits, identity), counters, pins);
    }

    /// <summary>What a granted claim does to the keys: counters go up by one, pins are set if absent.</summary>
    public static void Apply(IReadOnlyList<LimitKey> keys, IDictionary<string, long> counters, IDictionary<string, string> pins)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(pins);
        foreach (var key in keys)
        {
            if (key.Kind == LimitKeyKind.Counter)
            {
                counters[key.Key] = counters.TryGetValue(key.Key, out var value) ? value + 1 : 1;
            }
            else
            {
                pins.TryAdd(key.Key, key.PinValue ?? string.Empty);
            }
        }
    }

    private static string KindTag(IdentityKeyKind kind) => kind switch
    {
        IdentityKeyKind.ChannelAccount => "acct",
        IdentityKeyKind.Phone => "phone",
        IdentityKeyKind.NationalId => "nid",
        IdentityKeyKind.DeviceId => "dev",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
