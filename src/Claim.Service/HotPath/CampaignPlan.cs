using StackExchange.Redis;
using Vouchers.Campaign.V1;
using Rules = VoucherRules;

namespace Claim.Service.HotPath;

/// <summary>One allocation cell of a round: how many vouchers of a tier (in a category, for a channel) it holds.</summary>
public sealed record StockCell(string RoundId, string TierId, string CategoryId, string ChannelId, long Quantity)
{
    /// <summary>Built once with the plan rather than on every claim.</summary>
    public string Field { get; } = RedisKeys.Cell(RoundId, TierId, CategoryId, ChannelId);

    /// <summary>
    /// The claim script last found this cell out of stock. Only a hint that lets a claim skip building a voucher it
    /// will not get: the script still decides, and answers NeedVoucher (recording nothing) if stock came back.
    /// Not part of the cell's equality (see <see cref="Equals(StockCell?)"/>).
    /// </summary>
    public bool SoldOutHint
    {
        get => Volatile.Read(ref _soldOutHint);
        set => Volatile.Write(ref _soldOutHint, value);
    }

    private bool _soldOutHint;

    /// <summary>A cell is what it allocates; the hint is state, not identity.</summary>
    public bool Equals(StockCell? other) =>
        other is not null
        && string.Equals(RoundId, other.RoundId, StringComparison.Ordinal)
        && string.Equals(TierId, other.TierId, StringComparison.Ordinal)
        && string.Equals(CategoryId, other.CategoryId, StringComparison.Ordinal)
        && string.Equals(ChannelId, other.ChannelId, StringComparison.Ordinal)
        && Quantity == other.Quantity;

    public override int GetHashCode() => HashCode.Combine(RoundId, TierId, CategoryId, ChannelId, Quantity);
}

/// <summary>A round as the hot path needs it: resolved UTC window, validity, usage hours, stock cells.</summary>
public sealed record RoundPlan(
    RoundDefinition Definition,
    DateTimeOffset OpensAt,
    DateTimeOffset? ClosesAt,
    DateOnly OpensOnLocal,
    Rules.ValidityRule? Validity,
    Rules.DailyUsageHours? UsageHours,
    IReadOnlyList<StockCell> Cells)
{
    public string RoundId => Definition.RoundId;

    /// <summary>The round's cells by tier, grouped once per snapshot so a claim does not filter the whole list.</summary>
    public IReadOnlyDictionary<string, StockCell[]> CellsByTier { get; } =
        Cells.GroupBy(c => c.TierId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);

    /// <summary>The round's pause field in the campaign's pause hash.</summary>
    public string PauseField { get; } = RedisKeys.RoundPauseField(Definition.RoundId);
}

/// <summary>
/// A campaign snapshot compiled once for the hot path: proto configuration turned into the rule
/// library's types, times resolved in the campaign's zone, rounds ordered by opening.
/// </summary>
public sealed class CampaignPlan
{
    private CampaignPlan(CampaignSnapshot snapshot)
    {
        Snapshot = snapshot;
        var details = snapshot.Campaign;
        Zone = Rules.TimeZones.Resolve(string.IsNullOrWhiteSpace(details.Settings?.TimeZone) ? null : details.Settings.TimeZone);
        CampaignEnd = details.PeriodEndUtc?.ToDateTimeOffset();
        Tiers = details.Tiers.ToDictionary(t => t.TierId, StringComparer.Ordinal);
        TierOrder = details.Tiers.Select(t => t.TierId).ToList();
        var rules = details.ClaimRules ?? new ClaimRules();
        Limits = rules.Limits.Select(l => new Rules.ClaimLimit(l.LimitId, ToRules(l.Scope), l.MaxClaims < 1 ? 1 : l.MaxClaims)).ToList();
        LimitDefinitions = rules.Limits.ToDictionary(l => l.LimitId, StringComparer.Ordinal);
        PersonKinds = rules.PersonKeys.Count == 0
            ? [Rules.IdentityKeyKind.ChannelAccount]
            : rules.PersonKeys.Where(k => k != Vouchers.Common.V1.IdentityKeyKind.Unspecified).Select(ToRules).Distinct().ToList();
        RequiredKinds = rules.RequiredKeys.Where(k => k != Vouchers.Common.V1.IdentityKeyKind.Unspecified).Select(ToRules).Distinct().ToList();
        Fence = rules.GeoFence is { Polygons.Count: > 0 } fence
            ? new Rules.GeoFence(fence.Polygons.Select(p => new Rules.GeoPolygon(p.Vertices.Select(v => new Rules.GeoPoint(v.Latitude, v.Longitude)).ToList())).ToList())
            : null;
        Mode = rules.Mode;
        DrawWeighting = rules.DrawWeighting == Vouchers.Campaign.V1.DrawWeighting.UniformOverTiers
            ? Rules.DrawWeighting.UniformOverTiers
            : Rules.DrawWeighting.ByRemainingStock;
        EnforceBlockList = rules.EnforceBlockList;
        _channelAllocations = (details.Settings?.ChannelAllocations ?? [])
            .Where(a => a.Channel is not null && a.AmountCents > 0)
            .GroupBy(a => a.Channel.ChannelId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(a => a.AmountCents), StringComparer.Ordinal);
        Rounds = details.Rounds.Select(CompileRound).OrderBy(r => r.OpensAt).ThenBy(r => r.Definition.Sequence).ToList();
        PauseKey = RedisKeys.Pause(snapshot.CampaignId);
        BlockListKey = RedisKeys.BlockList(snapshot.CampaignId);
        StatsKey = RedisKeys.Stats(snapshot.CampaignId);
        foreach (var cell in Rounds.SelectMany(r => r.Cells))
        {
            _stockKeys.TryAdd(cell.Field, RedisKeys.Stock(snapshot.CampaignId, cell.Field));
        }
    }

    private readonly Dictionary<string, long> _channelAllocations;

    public CampaignSnapshot Snapshot { get; }

    /// <summary>The campaign's fixed Redis keys, built once per snapshot (they were built on every claim).</summary>
    public RedisKey PauseKey { get; private init; }

    public RedisKey BlockListKey { get; private init; }

    public RedisKey StatsKey { get; private init; }

    /// <summary>The stock key of a cell of this plan.</summary>
    public RedisKey StockKey(StockCell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return _stockKeys.TryGetValue(cell.Field, out var key) ? key : RedisKeys.Stock(CampaignId, cell.Field);
    }

    private readonly Dictionary<string, RedisKey> _stockKeys = new(StringComparer.Ordinal);

    /// <summary>
    /// The face value a channel may issue over the campaign (its allocation); 0 when the campaign does not split the
    /// budget by channel; -1 for a channel the split leaves out, which has nothing to issue.
    /// </summary>
    public long ChannelAllocationCents(string channelId) =>
        _channelAllocations.Count == 0 ? 0 : _channelAllocations.TryGetValue(channelId, out var cents) ? cents : -1;

    public string CampaignId => Snapshot.CampaignId;

    public long Version => Snapshot.SnapshotVersion;

    public CampaignState State => Snapshot.Campaign.State;

    public TimeZoneInfo Zone { get; }

    public DateTimeOffset? CampaignEnd { get; }

    public IReadOnlyDictionary<string, TierDefinition> Tiers { get; }

    public IReadOnlyList<string> TierOrder { get; }

    public IReadOnlyList<Rules.ClaimLimit> Limits { get; }

    public IReadOnlyDictionary<string, ClaimLimit> LimitDefinitions { get; }

    public IReadOnlyList<Rules.IdentityKeyKind> PersonKinds { get; }

    public IReadOnlyList<Rules.IdentityKeyKind> RequiredKinds { get; }

    public Rules.GeoFence? Fence { get; }

    public ClaimMode Mode { get; }

    public Rules.DrawWeighting DrawWeighting { get; }

    public bool EnforceBlockList { get; }

    public IReadOnlyList<RoundPlan> Rounds { get; }

    public static CampaignPlan Compile(CampaignSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Campaign is null || string.IsNullOrEmpty(snapshot.CampaignId))
        {
            throw new ArgumentException("A snapshot needs a campaign id and the campaign's details.", nameof(snapshot));
        }

        return new CampaignPlan(snapshot);
    }

    public RoundPlan? FindRound(string roundId) => Rounds.FirstOrDefault(r => string.Equals(r.RoundId, roundId, StringComparison.Ordinal));

    /// <summary>
    /// The round a claim without a round id is for: the one open now, else the next to open, else the last one
    /// (whose window has passed, so the claim is answered "ended").
    /// </summary>
    public RoundPlan? CurrentRound(DateTimeOffset now)
    {
        // One pass without allocating (this runs on every claim without a round id).
        RoundPlan? open = null, next = null, last = null;
        foreach (var round in Rounds)
        {
            if (round.Definition.State == RoundState.Cancelled)
            {
                continue;
            }

            last = round;
            if (round.OpensAt <= now && (round.ClosesAt is null || now < round.ClosesAt))
            {
                open = round;
            }
            else if (round.OpensAt > now)
            {
                next ??= round;
            }
        }

        return open ?? next ?? last;
    }

    public static Rules.IdentityKeyKind ToRules(Vouchers.Common.V1.IdentityKeyKind kind) => kind switch
    {
        Vouchers.Common.V1.IdentityKeyKind.ChannelAccount => Rules.IdentityKeyKind.ChannelAccount,
        Vouchers.Common.V1.IdentityKeyKind.Phone => Rules.IdentityKeyKind.Phone,
        Vouchers.Common.V1.IdentityKeyKind.NationalId => Rules.IdentityKeyKind.NationalId,
        Vouchers.Common.V1.IdentityKeyKind.DeviceId => Rules.IdentityKeyKind.DeviceId,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown identity key kind"),
    };

    public static Vouchers.Common.V1.IdentityKeyKind ToProto(Rules.IdentityKeyKind kind) => kind switch
    {
        Rules.IdentityKeyKind.ChannelAccount => Vouchers.Common.V1.IdentityKeyKind.ChannelAccount,
        Rules.IdentityKeyKind.Phone => Vouchers.Common.V1.IdentityKeyKind.Phone,
        Rules.IdentityKeyKind.NationalId => Vouchers.Common.V1.IdentityKeyKind.NationalId,
        Rules.IdentityKeyKind.DeviceId => Vouchers.Common.V1.IdentityKeyKind.DeviceId,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static Rules.LimitScope ToRules(LimitScope scope) => scope switch
    {
        LimitScope.PerRound => Rules.LimitScope.PerRound,
        LimitScope.PerCategoryPerRound => Rules.LimitScope.PerCategoryPerRound,
        LimitScope.PerTierPerCampaign => Rules.LimitScope.PerTierPerCampaign,
        LimitScope.SingleTierPerCampaign => Rules.LimitScope.SingleTierPerCampaign,
        LimitScope.PerCampaign => Rules.LimitScope.PerCampaign,
        LimitScope.PerTierPerRound => Rules.LimitScope.PerTierPerRound,
        LimitScope.PerCategoryPerCampaign => Rules.LimitScope.PerCategoryPerCampaign,
        _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, "unknown limit scope"),
    };

    private static Rules.WallClock Clock(Vouchers.Common.V1.LocalTimeOfDay? time) =>
        time is null ? Rules.WallClock.Midnight : new Rules.WallClock(time.Hour, time.Minute);

    private static DateOnly Date(Vouchers.Common.V1.LocalDate date) => new(date.Year, date.Month, date.Day);

    private RoundPlan CompileRound(RoundDefinition round)
    {
        var opensAt = round.ClaimOpensAtUtc?.ToDateTimeOffset()
            ?? (round.ClaimOpensAt?.Date is { } openDate
                ? Rules.CampaignClock.ToInstant(Date(openDate), Clock(round.ClaimOpensAt.Time), Zone)
                : throw new ArgumentException($"round '{round.RoundId}' has no opening time"));
        var closesAt = round.ClaimClosesAtUtc?.ToDateTimeOffset()
            ?? (round.ClaimClosesAt?.Date is { } closeDate ? Rules.CampaignClock.ToInstant(Date(closeDate), Clock(round.ClaimClosesAt.Time), Zone) : null);
        if (CampaignEnd is { } end && (closesAt is null || end < closesAt))
        {
            closesAt = end;
        }

        Rules.ValidityRule? validity = round.Validity?.RuleCase switch
        {
            ValidityRule.RuleOneofCase.DaysFromClaim => new Rules.ValidForDaysFromClaim(
                round.Validity.DaysFromClaim.Days,
                round.Validity.DaysFromClaim.Counting == ValidityDayCounting.RollingHours ? Rules.ValidityDayCounting.RollingHours : Rules.ValidityDayCounting.CalendarDays),
            ValidityRule.RuleOneofCase.RoundDayDeadline => new Rules.ValidUntilRoundDay(round.Validity.RoundDayDeadline.DayNumber, Clock(round.Validity.RoundDayDeadline.Time)),
            ValidityRule.RuleOneofCase.FixedEnd => new Rules.ValidUntilFixedEnd(Date(round.Validity.FixedEnd.Date), Clock(round.Validity.FixedEnd.Time)),
            _ => null,
        };
        var usage = round.DailyUsageHours is { Start: not null, End: not null } hours
            ? new Rules.DailyUsageHours(Clock(hours.Start), Clock(hours.End))
            : null;
        var cells = (round.Allocation?.Cells ?? [])
            .Where(c => c.Quantity > 0 || Tiers.ContainsKey(c.TierId))
            .GroupBy(c => (c.TierId, c.CategoryId, c.ChannelId))
            .Select(g => new StockCell(round.RoundId, g.Key.TierId, g.Key.CategoryId, g.Key.ChannelId, g.Sum(c => c.Quantity)))
            .ToList();
        var opensOn = Rules.CampaignClock.LocalDate(opensAt, Zone);
        return new RoundPlan(round, opensAt, closesAt, opensOn, validity, usage, cells);
    }
}
