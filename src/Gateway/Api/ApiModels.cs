using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using Vouchers.Settlement.V1;

namespace Gateway.Api;

/// <summary>
/// Conversions between the contracts and JSON: enum values as lower snake case without the proto prefix
/// (<c>CAMPAIGN_STATE_RUNNING</c> → <c>running</c>), timestamps as UTC <see cref="DateTime"/>s (ISO-8601 with Z),
/// unset timestamps as null.
/// </summary>
public static class Json
{
    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, System.Enum
    {
        var pascal = value.ToString();
        var snake = new StringBuilder(pascal.Length + 4);
        foreach (var (c, i) in pascal.Select((c, i) => (c, i)))
        {
            if (char.IsUpper(c) && i > 0)
            {
                snake.Append('_');
            }

            snake.Append(char.ToLowerInvariant(c));
        }

        return snake.ToString();
    }

    /// <summary>Parses a name as <see cref="Name"/> writes it; the unspecified value is never a valid choice.</summary>
    public static bool TryParse<TEnum>(string? name, out TEnum value)
        where TEnum : struct, System.Enum =>
        System.Enum.TryParse(name?.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true, out value)
        && Convert.ToInt32(value, CultureInfo.InvariantCulture) != 0
        && System.Enum.IsDefined(value)
        && !name!.All(char.IsDigit);

    public static DateTime? Utc(Timestamp? timestamp) => timestamp?.ToDateTime();

    public static Timestamp? Timestamp(DateTimeOffset? value) => value is { } v ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(v) : null;

    public static PageRequest Page(int? pageSize, string? pageToken) => new() { PageSize = pageSize ?? 0, PageToken = pageToken ?? string.Empty };

    public static string? Next(PageResponse? page) => page?.NextPageToken is { Length: > 0 } token ? token : null;
}

/// <summary>One page of a list; <see cref="NextPageToken"/> (null on the last page) goes back as <c>pageToken</c>.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextPageToken);

/// <summary>A campaign in a list.</summary>
public sealed record CampaignCard(
    string CampaignId, string Code, string Name, string RegionName, string State, long BudgetCents, DateTime? PeriodStartUtc, DateTime? PeriodEndUtc)
{
    public static CampaignCard From(CampaignSummary c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new(c.CampaignId, c.Code, c.Name, c.RegionName, Json.Name(c.State), c.BudgetCents, Json.Utc(c.PeriodStartUtc), Json.Utc(c.PeriodEndUtc));
    }
}

/// <summary>A voucher tier: its face value and the spend it needs (a fixed amount, or a multiple of the face value in basis points).</summary>
public sealed record TierView(
    string TierId, string Name, long FaceValueCents, long? MinimumSpendCents, int? MinimumSpendFaceValueBasisPoints, string MinimumSpendScope,
    IReadOnlyList<string> CategoryIds, long MerchantCofundingCents)
{
    public static TierView From(TierDefinition t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var spend = t.MinimumSpend;
        return new(
            t.TierId, t.Name, t.FaceValueCents,
            spend?.ThresholdCase == MinimumSpendRule.ThresholdOneofCase.FixedCents ? spend.FixedCents : null,
            spend?.ThresholdCase == MinimumSpendRule.ThresholdOneofCase.FaceValueMultipleBasisPoints ? spend.FaceValueMultipleBasisPoints : null,
            spend is null ? "unspecified" : Json.Name(spend.Scope),
            [.. t.Categories?.CategoryIds ?? []],
            t.MerchantCofundingCents);
    }
}

/// <summary>A claim round: when vouchers can be claimed.</summary>
public sealed record RoundView(string RoundId, int Sequence, string Name, string State, DateTime? ClaimOpensAtUtc, DateTime? ClaimClosesAtUtc)
{
    public static RoundView From(RoundDefinition r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.RoundId, r.Sequence, r.Name, Json.Name(r.State), Json.Utc(r.ClaimOpensAtUtc), Json.Utc(r.ClaimClosesAtUtc));
    }
}

/// <summary>How many vouchers one person may claim, and in what scope.</summary>
public sealed record ClaimLimitView(string Scope, int MaxClaims);

/// <summary>The claim rules in force.</summary>
public sealed record ClaimRulesView(string Mode, IReadOnlyList<ClaimLimitView> Limits, bool GeoFenced, bool EnforcesBlockList)
{
    public static ClaimRulesView? From(ClaimRules? rules) => rules is null
        ? null
        : new(Json.Name(rules.Mode), [.. rules.Limits.Select(l => new ClaimLimitView(Json.Name(l.Scope), l.MaxClaims))], rules.GeoFence is not null, rules.EnforceBlockList);
}

/// <summary>A campaign as the public sees it: what is offered, when, under which rules.</summary>
public sealed record CampaignView(
    string CampaignId, string Code, string Name, string Theme, string Organizer, string RegionName, string TimeZone, string State,
    long BudgetCents, DateTime? PeriodStartUtc, DateTime? PeriodEndUtc, string Description,
    IReadOnlyList<TierView> Tiers, IReadOnlyList<RoundView> Rounds, ClaimRulesView? ClaimRules)
{
    public static CampaignView From(CampaignDetails c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var s = c.Settings ?? new CampaignSettings();
        return new(
            c.CampaignId, s.Code, s.Name, s.Theme, s.Organizer, s.RegionName, s.TimeZone, Json.Name(c.State), s.BudgetCents,
            Json.Utc(c.PeriodStartUtc), Json.Utc(c.PeriodEndUtc), s.Description,
            [.. c.Tiers.Select(TierView.From)], [.. c.Rounds.Select(RoundView.From)], ClaimRulesView.From(c.ClaimRules));
    }
}

/// <summary>A number of vouchers and their face value.</summary>
public sealed record TallyView(long Count, long FaceValueCents)
{
    public static TallyView From(VoucherTally? t) => new(t?.Count ?? 0, t?.FaceValueCents ?? 0);
}

/// <summary>The statutory public disclosure (公示) of a campaign's figures.</summary>
public sealed record DisclosureView(
    string CampaignId, string CampaignName, string Organizer, IReadOnlyList<string> CoOrganizers, string RegionName,
    DateTime? PeriodStartUtc, DateTime? PeriodEndUtc, long BudgetCents, TallyView Issued, TallyView Used, TallyView Expired,
    long LeveragedSpendCents, long LeverageBasisPoints, long MerchantCount, long RemainderCents, string RemainderDisposition,
    IReadOnlyDictionary<string, long> UsedCentsByCategory, DateTime? AsOfUtc)
{
    public static DisclosureView From(PublicDisclosure d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new(
            d.CampaignId, d.CampaignName, d.Organizer, [.. d.CoOrganizers], d.RegionName, Json.Utc(d.Period?.StartTime), Json.Utc(d.Period?.EndTime),
            d.BudgetCents, TallyView.From(d.Issued), TallyView.From(d.Used), TallyView.From(d.Expired), d.LeveragedSpendCents, d.LeverageBasisPoints,
            d.MerchantCount, d.RemainderCents, d.RemainderDisposition,
            d.UsedByCategory.GroupBy(u => u.CategoryId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(u => u.AmountCents), StringComparer.Ordinal),
            Json.Utc(d.AsOf));
    }
}
