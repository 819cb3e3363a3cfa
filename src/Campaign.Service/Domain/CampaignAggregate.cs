using Campaign.Service.Data;
using Vouchers.Campaign.V1;
using VoucherRules;
using CampaignState = Vouchers.Campaign.V1.CampaignState;
using RulesState = VoucherRules.CampaignState;

namespace Campaign.Service.Domain;

/// <summary>
/// A campaign loaded for reading or changing: the stored row with its configuration parts parsed.
/// Rounds are stored without their output-only fields, except CANCELLED (a fact, not derived).
/// </summary>
public sealed class CampaignAggregate
{
    private CampaignAggregate(CampaignRecord record)
    {
        Record = record;
        Settings = ProtoJson.Parse<CampaignSettings>(record.SettingsJson);
        Tiers = ProtoJson.ParseList<TierDefinition>(record.TiersJson);
        Rounds = ProtoJson.ParseList<RoundDefinition>(record.RoundsJson);
        Plan = ProtoJson.Parse<AllocationMatrix>(record.PlanJson);
        Rules = record.ClaimRulesJson is null ? null : ProtoJson.Parse<ClaimRules>(record.ClaimRulesJson);
    }

    public CampaignRecord Record { get; }

    public CampaignSettings Settings { get; set; }

    public List<TierDefinition> Tiers { get; }

    public List<RoundDefinition> Rounds { get; }

    public AllocationMatrix Plan { get; set; }

    public ClaimRules? Rules { get; set; }

    /// <summary>Moves only through <see cref="Move"/>, that is through <see cref="CampaignLifecycle"/>.</summary>
    public CampaignState State
    {
        get => (CampaignState)Record.State;
        private set => Record.State = (int)value;
    }

    public TimeZoneInfo Zone => LocalTimes.Zone(Settings.TimeZone);

    public RulesState RulesState => ToRulesState(State);

    public static CampaignAggregate Load(CampaignRecord record) => new(record ?? throw new ArgumentNullException(nameof(record)));

    /// <summary>A new DRAFT at version 1 with the given settings, stored into a fresh row.</summary>
    public static CampaignAggregate NewDraft(string id, CampaignSettings settings, DateTimeOffset now, string? createRequestId = null, string? createRequestHash = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var campaign = Load(new CampaignRecord
        {
            Id = id,
            Code = settings.Code,
            CreateRequestId = createRequestId,
            CreateRequestHash = createRequestHash,
            State = (int)CampaignState.Draft,
            Version = 1,
            Name = string.Empty,
            Theme = string.Empty,
            RegionCode = string.Empty,
            SettingsJson = "{}",
            TiersJson = "[]",
            RoundsJson = "[]",
            PlanJson = "{}",
            CreatedAt = now,
        });
        campaign.Settings = settings.Clone();
        campaign.Store(now);
        return campaign;
    }

    public static RulesState ToRulesState(CampaignState state) => state switch
    {
        CampaignState.Draft => RulesState.Draft,
        CampaignState.Published => RulesState.Published,
        CampaignState.Running => RulesState.Running,
        CampaignState.Paused => RulesState.Paused,
        CampaignState.Ended => RulesState.Ended,
        CampaignState.Settled => RulesState.Settled,
        CampaignState.Closed => RulesState.Closed,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "stored campaign state is not a lifecycle state"),
    };

    public static CampaignState FromRulesState(RulesState state) => state switch
    {
        RulesState.Draft => CampaignState.Draft,
        RulesState.Published => CampaignState.Published,
        RulesState.Running => CampaignState.Running,
        RulesState.Paused => CampaignState.Paused,
        RulesState.Ended => CampaignState.Ended,
        RulesState.Settled => CampaignState.Settled,
        _ => CampaignState.Closed,
    };

    /// <summary>Refuses (FAILED_PRECONDITION, naming the state) when the lifecycle does not allow the action now.</summary>
    public LifecycleDecision RequireAllowed(LifecycleAction action)
    {
        var decision = CampaignLifecycle.Apply(RulesState, action);
        return decision.Allowed ? decision : throw new FailedPreconditionException(decision.Reason);
    }

    /// <summary>
    /// The one way a campaign's state changes: the lifecycle decides the next state, and the aggregate
    /// stamps when it happened (and why, for a pause).
    /// </summary>
    public void Move(LifecycleAction action, DateTimeOffset now, string reason)
    {
        var decision = RequireAllowed(action);
        switch (action)
        {
            case LifecycleAction.Publish:
                Record.PublishedAt = now;
                break;
            case LifecycleAction.Start:
                Record.StartedAt = now;
                break;
            case LifecycleAction.Pause:
                Record.PauseReason = reason;
                break;
            case LifecycleAction.Resume when now >= Record.PeriodEndUtc:
                throw new FailedPreconditionException($"campaign is PAUSED and its period ended at {Record.PeriodEndUtc:u}: it can only end now");
            case LifecycleAction.Resume:
                Record.PauseReason = null;
                break;
            case LifecycleAction.End:
                Record.EndedAt = now;
                Record.PauseReason = null;
                break;
            case LifecycleAction.Settle:
                Record.SettledAt = now;
                break;
            case LifecycleAction.Close:
                Record.ClosedAt = now;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, null);
        }

        State = FromRulesState(decision.To);
    }

    /// <summary>The move the campaign's period asks for at <paramref name="now"/>: start at the period start, end at its end.</summary>
    public LifecycleAction? ScheduledMoveDue(DateTimeOffset now) => State switch
    {
        CampaignState.Published when now >= Record.PeriodStartUtc => LifecycleAction.Start,
        CampaignState.Running or CampaignState.Paused when now >= Record.PeriodEndUtc => LifecycleAction.End,
        _ => null,
    };

    /// <summary>What a draft still lacks before it can be published (tiers, a round, claim rules).</summary>
    public IReadOnlyList<string> MissingForPublication()
    {
        var missing = new List<string>();
        if (Tiers.Count == 0)
        {
            missing.Add("no tier");
        }

        if (!LiveRounds.Any())
        {
            missing.Add("no round");
        }

        if (Rules is null)
        {
            missing.Add("no claim rules");
        }

        return missing;
    }

    /// <summary>A detached copy of the configuration, to try a change on (a proposal) without touching the row.</summary>
    public CampaignAggregate Detached() => Load(new CampaignRecord
    {
        Id = Record.Id,
        Code = Record.Code,
        Name = Record.Name,
        Theme = Record.Theme,
        RegionCode = Record.RegionCode,
        SettingsJson = Record.SettingsJson,
        TiersJson = Record.TiersJson,
        RoundsJson = Record.RoundsJson,
        PlanJson = Record.PlanJson,
        ClaimRulesJson = Record.ClaimRulesJson,
        PeriodStartUtc = Record.PeriodStartUtc,
        PeriodEndUtc = Record.PeriodEndUtc,
    });

    public TierDefinition? FindTier(string tierId) => Tiers.Find(t => string.Equals(t.TierId, tierId, StringComparison.Ordinal));

    public RoundDefinition? FindRound(string roundId) => Rounds.Find(r => string.Equals(r.RoundId, roundId, StringComparison.Ordinal));

    public IEnumerable<RoundDefinition> LiveRounds => Rounds.Where(r => r.State != RoundState.Cancelled);

    public DateTimeOffset OpensAt(RoundDefinition round) => LocalTimes.ToInstant(round.ClaimOpensAt, Zone);

    public DateTimeOffset? ClosesAt(RoundDefinition round) => round.ClaimClosesAt is null ? null : LocalTimes.ToInstant(round.ClaimClosesAt, Zone);

    public bool HasOpened(RoundDefinition round, DateTimeOffset now) =>
        round.State != RoundState.Cancelled && now >= OpensAt(round);

    public bool AnyRoundOpened(DateTimeOffset now) => LiveRounds.Any(r => HasOpened(r, now));

    public RoundState RoundStateAt(RoundDefinition round, DateTimeOffset now)
    {
        if (round.State == RoundState.Cancelled)
        {
            return RoundState.Cancelled;
        }

        if (now < OpensAt(round))
        {
            return RoundState.Scheduled;
        }

        var ended = State is CampaignState.Ended or CampaignState.Settled or CampaignState.Closed;
        var closes = ClosesAt(round);
        return ended || (closes is { } close && now >= close) || now >= Record.PeriodEndUtc ? RoundState.Closed : RoundState.Open;
    }

    /// <summary>Sorts rounds by opening, numbers the live ones, and writes everything back to the row.</summary>
    public void Store(DateTimeOffset now)
    {
        var zone = Zone;
        Rounds.Sort((a, b) => LocalTimes.ToInstant(a.ClaimOpensAt, zone).CompareTo(LocalTimes.ToInstant(b.ClaimOpensAt, zone)));
        var sequence = 0;
        foreach (var round in Rounds)
        {
            round.Sequence = round.State == RoundState.Cancelled ? 0 : ++sequence;
        }

        Record.Code = Settings.Code;
        Record.Name = Settings.Name;
        Record.Theme = Settings.Theme;
        Record.RegionCode = Settings.RegionCode;
        Record.BudgetCents = Settings.BudgetCents;
        Record.PeriodStartUtc = LocalTimes.ToInstant(Settings.PeriodStart, zone);
        Record.PeriodEndUtc = LocalTimes.ToInstant(Settings.PeriodEnd, zone);
        Record.SettingsJson = ProtoJson.Format(Settings);
        Record.TiersJson = ProtoJson.FormatList(Tiers);
        Record.RoundsJson = ProtoJson.FormatList(Rounds);
        Record.PlanJson = ProtoJson.Format(Plan);
        Record.ClaimRulesJson = Rules is null ? null : ProtoJson.Format(Rules);
        Record.UpdatedAt = now;
    }

    public CampaignDetails ToDetails(DateTimeOffset now)
    {
        var details = new CampaignDetails
        {
            CampaignId = Record.Id,
            Version = Record.Version,
            State = State,
            Settings = Settings.Clone(),
            AllocationPlan = Plan.Clone(),
            PeriodStartUtc = LocalTimes.ToTimestamp(Record.PeriodStartUtc),
            PeriodEndUtc = LocalTimes.ToTimestamp(Record.PeriodEndUtc),
            PauseReason = State == CampaignState.Paused ? Record.PauseReason ?? string.Empty : string.Empty,
            CreatedAt = LocalTimes.ToTimestamp(Record.CreatedAt),
            UpdatedAt = LocalTimes.ToTimestamp(Record.UpdatedAt),
            PublishedAt = Optional(Record.PublishedAt),
            StartedAt = Optional(Record.StartedAt),
            EndedAt = Optional(Record.EndedAt),
            SettledAt = Optional(Record.SettledAt),
            ClosedAt = Optional(Record.ClosedAt),
        };
        if (Rules is not null)
        {
            details.ClaimRules = Rules.Clone();
        }

        details.Tiers.AddRange(Tiers.Select(t => t.Clone()));
        foreach (var stored in Rounds)
        {
            var round = stored.Clone();
            round.State = RoundStateAt(stored, now);
            round.ClaimOpensAtUtc = LocalTimes.ToTimestamp(OpensAt(stored));
            if (ClosesAt(stored) is { } closes)
            {
                round.ClaimClosesAtUtc = LocalTimes.ToTimestamp(closes);
            }

            details.Rounds.Add(round);
        }

        return details;
    }

    public CampaignSummary ToSummary() => new()
    {
        CampaignId = Record.Id,
        Version = Record.Version,
        State = State,
        Code = Settings.Code,
        Name = Settings.Name,
        RegionName = Settings.RegionName,
        BudgetCents = Settings.BudgetCents,
        PeriodStartUtc = LocalTimes.ToTimestamp(Record.PeriodStartUtc),
        PeriodEndUtc = LocalTimes.ToTimestamp(Record.PeriodEndUtc),
    };

    private static Google.Protobuf.WellKnownTypes.Timestamp? Optional(DateTimeOffset? instant) =>
        instant is { } value ? LocalTimes.ToTimestamp(value) : null;
}
