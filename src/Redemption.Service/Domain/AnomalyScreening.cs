using System.Globalization;
using VoucherRules;

namespace Redemption.Service.Domain;

/// <summary>Abnormal merchant patterns; mirrors redemption.v1 AnomalyKind.</summary>
public enum AnomalyType
{
    AtThreshold = 1,
    RepeatBuyer = 2,
    OddHours = 3,
    Burst = 4,
    BlockedBuyer = 5,
}

/// <summary>One redemption of the screened day, as the detectors read it. <see cref="Till"/> is the staff id, or the channel for channel redemptions.</summary>
public sealed record ScreenedRedemption(
    string RedemptionId,
    string MerchantId,
    long OrderAmountCents,
    long ThresholdCents,
    string BuyerHash,
    string BuyerMasked,
    string Till,
    DateTimeOffset RedeemedAt,
    IReadOnlyList<string>? BuyerKeyHashes = null);

/// <summary>A signal the screening raises, before it is stored.</summary>
public sealed record SignalDraft(
    AnomalyType Type,
    string MerchantId,
    int ScoreBasisPoints,
    long MatchingCount,
    long TotalCount,
    IReadOnlyList<string> SampleRedemptionIds,
    string? BuyerHash,
    string? BuyerMasked,
    string Description);

/// <summary>How sensitive the detectors are. The defaults suit the seed campaigns' daily volumes.</summary>
public sealed record ScreeningSettings
{
    /// <summary>An order "at the threshold" is at most this far above it, in basis points of the threshold (2%)…</summary>
    public int AtThresholdMarginBasisPoints { get; init; } = 200;

    /// <summary>…or at most this many cents above it, whichever is larger.</summary>
    public long AtThresholdMarginCents { get; init; } = 200;

    /// <summary>A merchant needs at least this many redemptions in the day before its share at the threshold means anything.</summary>
    public int AtThresholdMinimumOrders { get; init; } = 5;

    /// <summary>Share of the day's orders at the threshold that raises the signal.</summary>
    public int AtThresholdShareBasisPoints { get; init; } = 5000;

    /// <summary>Redemptions by one buyer at one merchant in one day that raise the signal.</summary>
    public int RepeatBuyerMinimum { get; init; } = 3;

    /// <summary>Local hours counted as odd: [start, end).</summary>
    public int OddHoursStart { get; init; }

    public int OddHoursEnd { get; init; } = 6;

    /// <summary>Odd-hour redemptions at one merchant in one day that raise the signal.</summary>
    public int OddHoursMinimum { get; init; } = 3;

    /// <summary>Redemptions at one till inside <see cref="BurstWindow"/> that raise the signal.</summary>
    public int BurstMinimum { get; init; } = 10;

    public TimeSpan BurstWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How many redemption ids a signal carries for follow-up.</summary>
    public int Samples { get; init; } = 10;
}

/// <summary>
/// The daily screening (DOMAIN.md anti-fraud signals): per merchant and local day, many orders right at the minimum
/// spend, the same buyer again and again, redemptions at odd hours, and bursts from one till. Each detector scores
/// 0..10000 basis points; the signals are sorted highest score first, then by merchant.
/// </summary>
public static class AnomalyScreening
{
    /// <param name="blockedKeyHashes">Identity key hashes on the scalper list (Claim's block list) for the campaign.</param>
    public static IReadOnlyList<SignalDraft> Detect(
        IReadOnlyList<ScreenedRedemption> day, TimeZoneInfo zone, ScreeningSettings? settings = null, IReadOnlySet<string>? blockedKeyHashes = null)
    {
        ArgumentNullException.ThrowIfNull(day);
        ArgumentNullException.ThrowIfNull(zone);
        settings ??= new ScreeningSettings();
        var signals = new List<SignalDraft>();
        foreach (var merchant in day.GroupBy(r => r.MerchantId, StringComparer.Ordinal))
        {
            var all = merchant.OrderBy(r => r.RedeemedAt).ThenBy(r => r.RedemptionId, StringComparer.Ordinal).ToList();
            AtThreshold(all, settings, signals);
            RepeatBuyers(all, settings, signals);
            OddHours(all, zone, settings, signals);
            Bursts(all, settings, signals);
            BlockedBuyers(all, blockedKeyHashes, settings, signals);
        }

        return signals
            .OrderByDescending(s => s.ScoreBasisPoints)
            .ThenBy(s => s.MerchantId, StringComparer.Ordinal)
            .ThenBy(s => s.Type)
            .ThenBy(s => s.BuyerHash, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Whether an order amount lies in [threshold, threshold + margin].</summary>
    public static bool IsAtThreshold(long orderAmountCents, long thresholdCents, ScreeningSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var margin = Math.Max(settings.AtThresholdMarginCents, Money.Share(thresholdCents, settings.AtThresholdMarginBasisPoints));
        return thresholdCents > 0 && orderAmountCents >= thresholdCents && orderAmountCents <= thresholdCents + margin;
    }

    private static void AtThreshold(List<ScreenedRedemption> all, ScreeningSettings settings, List<SignalDraft> signals)
    {
        if (all.Count < settings.AtThresholdMinimumOrders)
        {
            return;
        }

        var matching = all.Where(r => IsAtThreshold(r.OrderAmountCents, r.ThresholdCents, settings)).ToList();
        var score = Score(matching.Count, all.Count);
        if (score >= settings.AtThresholdShareBasisPoints)
        {
            signals.Add(Draft(AnomalyType.AtThreshold, all, matching, score, settings, null,
                Invariant($"{matching.Count} of {all.Count} orders right at the minimum spend ({Money.FormatYuan(matching.Min(r => r.OrderAmountCents))}–{Money.FormatYuan(matching.Max(r => r.OrderAmountCents))})")));
        }
    }

    private static void RepeatBuyers(List<ScreenedRedemption> all, ScreeningSettings settings, List<SignalDraft> signals)
    {
        foreach (var buyer in all.Where(r => r.BuyerHash.Length > 0).GroupBy(r => r.BuyerHash, StringComparer.Ordinal))
        {
            var matching = buyer.ToList();
            if (matching.Count >= settings.RepeatBuyerMinimum)
            {
                signals.Add(Draft(AnomalyType.RepeatBuyer, all, matching, Score(matching.Count, all.Count), settings, matching[0],
                    Invariant($"buyer {matching[0].BuyerMasked} redeemed {matching.Count} of {all.Count} vouchers here that day")));
            }
        }
    }

    private static void OddHours(List<ScreenedRedemption> all, TimeZoneInfo zone, ScreeningSettings settings, List<SignalDraft> signals)
    {
        var matching = all.Where(r => CampaignClock.LocalTimeOfDay(r.RedeemedAt, zone).Hour is var hour && hour >= settings.OddHoursStart && hour < settings.OddHoursEnd).ToList();
        if (matching.Count >= settings.OddHoursMinimum)
        {
            signals.Add(Draft(AnomalyType.OddHours, all, matching, Score(matching.Count, all.Count), settings, null,
                Invariant($"{matching.Count} of {all.Count} redemptions between {settings.OddHoursStart:00}:00 and {settings.OddHoursEnd:00}:00")));
        }
    }

    private static void Bursts(List<ScreenedRedemption> all, ScreeningSettings settings, List<SignalDraft> signals)
    {
        foreach (var till in all.GroupBy(r => r.Till, StringComparer.Ordinal))
        {
            var series = till.ToList();
            List<ScreenedRedemption> densest = [];
            var start = 0;
            for (var end = 0; end < series.Count; end++)
            {
                while (series[end].RedeemedAt - series[start].RedeemedAt >= settings.BurstWindow)
                {
                    start++;
                }

                if (end - start + 1 > densest.Count)
                {
                    densest = series.GetRange(start, end - start + 1);
                }
            }

            if (densest.Count >= settings.BurstMinimum)
            {
                var score = (int)Math.Min(Money.FullShareBasisPoints, (long)densest.Count * Money.FullShareBasisPoints / (2L * settings.BurstMinimum));
                signals.Add(Draft(AnomalyType.Burst, all, densest, score, settings, null,
                    Invariant($"{densest.Count} redemptions within {settings.BurstWindow.TotalMinutes:0} minutes at till '{till.Key}' from {densest[0].RedeemedAt:u}")));
            }
        }
    }

    /// <summary>A buyer on the scalper list is a finding in itself, however few their redemptions: full score.</summary>
    private static void BlockedBuyers(List<ScreenedRedemption> all, IReadOnlySet<string>? blocked, ScreeningSettings settings, List<SignalDraft> signals)
    {
        if (blocked is not { Count: > 0 })
        {
            return;
        }

        var listed = all.Where(r => (r.BuyerKeyHashes ?? [r.BuyerHash]).Any(h => h.Length > 0 && blocked.Contains(h)));
        foreach (var buyer in listed.GroupBy(r => r.BuyerHash, StringComparer.Ordinal))
        {
            var matching = buyer.ToList();
            signals.Add(Draft(AnomalyType.BlockedBuyer, all, matching, Money.FullShareBasisPoints, settings, matching[0],
                Invariant($"buyer {matching[0].BuyerMasked} is on the scalper list and redeemed {matching.Count} of {all.Count} vouchers here that day")));
        }
    }

    private static int Score(long matching, long total) => total == 0 ? 0 : (int)(matching * Money.FullShareBasisPoints / total);

    private static SignalDraft Draft(AnomalyType type, List<ScreenedRedemption> all, List<ScreenedRedemption> matching, int score, ScreeningSettings settings, ScreenedRedemption? buyer, string description) =>
        new(type, all[0].MerchantId, score, matching.Count, all.Count, matching.Take(settings.Samples).Select(r => r.RedemptionId).ToList(), buyer?.BuyerHash, buyer?.BuyerMasked, description);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
