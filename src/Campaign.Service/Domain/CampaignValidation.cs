using System.Globalization;
using System.Text.RegularExpressions;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;
using CategoryRestriction = VoucherRules.CategoryRestriction;
using DrawWeighting = Vouchers.Campaign.V1.DrawWeighting;
using IdentityKeyKind = Vouchers.Common.V1.IdentityKeyKind;
using LimitScope = Vouchers.Campaign.V1.LimitScope;
using RulesGeoFence = VoucherRules.GeoFence;
using RulesGeoPoint = VoucherRules.GeoPoint;
using RulesGeoPolygon = VoucherRules.GeoPolygon;
using RulesMinimumSpend = VoucherRules.MinimumSpendRule;
using RulesSpendScope = VoucherRules.SpendScope;
using RulesValidityRule = VoucherRules.ValidityRule;

namespace Campaign.Service.Domain;

/// <summary>Field-by-field checks of campaign configuration; every problem names its field.</summary>
public static partial class CampaignValidation
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$")]
    private static partial Regex CodePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();

    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    public static void Settings(CampaignSettings? settings, IReadOnlyDictionary<string, bool> catalogue, IReadOnlySet<string> alreadyUsedCategories, FieldProblems problems)
    {
        if (settings is null)
        {
            problems.Add("settings", "required");
            return;
        }

        if (!CodePattern().IsMatch(settings.Code))
        {
            problems.Add("settings.code", $"'{settings.Code}' must be 2-63 lower-case letters, digits or '-', starting with a letter or digit");
        }

        Require(settings.Name, "settings.name", problems);
        Require(settings.Organizer, "settings.organizer", problems);
        Require(settings.RegionCode, "settings.region_code", problems);
        Require(settings.RegionName, "settings.region_name", problems);
        for (var i = 0; i < settings.CoOrganizers.Count; i++)
        {
            Require(settings.CoOrganizers[i], $"settings.co_organizers[{i}]", problems);
        }

        if (LocalTimes.TryResolveZone(settings.TimeZone, "settings.time_zone", problems, out var zone)
            & LocalTimes.TryRead(settings.PeriodStart, "settings.period_start", problems, out var startDate, out var startTime)
            & LocalTimes.TryRead(settings.PeriodEnd, "settings.period_end", problems, out var endDate, out var endTime))
        {
            var start = CampaignClock.ToInstant(startDate, startTime, zone);
            var end = CampaignClock.ToInstant(endDate, endTime, zone);
            if (end <= start)
            {
                problems.Add("settings.period_end", $"{Show(settings.PeriodEnd)} is not after the period start {Show(settings.PeriodStart)}");
            }
        }

        if (settings.BudgetCents <= 0)
        {
            problems.Add("settings.budget_cents", $"must be positive, got {settings.BudgetCents.ToString(CultureInfo.InvariantCulture)}");
        }

        var fundingIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < settings.FundingSources.Count; i++)
        {
            var source = settings.FundingSources[i];
            var field = $"settings.funding_sources[{i}]";
            if (string.IsNullOrWhiteSpace(source.FundingSourceId))
            {
                problems.Add(field + ".funding_source_id", "required");
            }
            else if (!fundingIds.Add(source.FundingSourceId))
            {
                problems.Add(field + ".funding_source_id", $"'{source.FundingSourceId}' appears more than once");
            }

            Require(source.Name, field + ".name", problems);
            if (source.AmountCents <= 0)
            {
                problems.Add(field + ".amount_cents", $"must be positive, got {source.AmountCents.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        var channelIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < settings.ChannelAllocations.Count; i++)
        {
            var allocation = settings.ChannelAllocations[i];
            var field = $"settings.channel_allocations[{i}]";
            var channelId = allocation.Channel?.ChannelId ?? string.Empty;
            if (!IsValidId(channelId))
            {
                problems.Add(field + ".channel.channel_id", $"'{channelId}' is not a channel id");
            }
            else if (!channelIds.Add(channelId))
            {
                problems.Add(field + ".channel.channel_id", $"'{channelId}' appears more than once");
            }

            if (allocation.AmountCents <= 0)
            {
                problems.Add(field + ".amount_cents", $"must be positive, got {allocation.AmountCents.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        if (settings.Categories.Count == 0)
        {
            problems.Add("settings.categories", "at least one category is required");
        }

        var categoryIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < settings.Categories.Count; i++)
        {
            var category = settings.Categories[i];
            var field = $"settings.categories[{i}].category_id";
            if (!catalogue.TryGetValue(category.CategoryId, out var active))
            {
                problems.Add(field, $"unknown category '{category.CategoryId}' (not in the catalogue)");
            }
            else if (!active && !alreadyUsedCategories.Contains(category.CategoryId))
            {
                problems.Add(field, $"category '{category.CategoryId}' is retired and cannot be added");
            }

            if (!categoryIds.Add(category.CategoryId))
            {
                problems.Add(field, $"'{category.CategoryId}' appears more than once");
            }
        }

        problems.AddRange("settings.categories", CategoryBudgets.Validate(settings.Categories.Select(c => new CategoryBudget(c.CategoryId, c.BudgetCents)).ToList()));

        if (settings.RemainderPolicy == RemainderPolicy.Unspecified)
        {
            problems.Add("settings.remainder_policy", "required (RETURN_TO_TREASURY or ROLL_INTO_NEXT_CAMPAIGN)");
        }
        else if (settings.RemainderPolicy == RemainderPolicy.RollIntoNextCampaign && string.IsNullOrWhiteSpace(settings.RolloverCampaignId))
        {
            problems.Add("settings.rollover_campaign_id", "required when the remainder rolls into the next campaign");
        }

        if (settings.ExpiredValuePolicy == ExpiredValuePolicy.Unspecified)
        {
            problems.Add("settings.expired_value_policy", "required (RETURN_TO_POOL or HOLD_FOR_REMAINDER)");
        }

        var redemption = settings.RedemptionPolicy;
        if (redemption is not null)
        {
            if (redemption.MaxVoucherValuePerTransactionCents < 0)
            {
                problems.Add("settings.redemption_policy.max_voucher_value_per_transaction_cents", "cannot be negative");
            }

            if (redemption.VoidWindowMinutes < 0)
            {
                problems.Add("settings.redemption_policy.void_window_minutes", "cannot be negative");
            }

            if (redemption.RequiredDetails.Any(d => d == RedemptionDetail.Unspecified))
            {
                problems.Add("settings.redemption_policy.required_details", "REDEMPTION_DETAIL_UNSPECIFIED is not a detail");
            }

            if (redemption.RequiredDetails.Count > 0 && redemption.MissingDetailHandling == MissingDetailHandling.Unspecified)
            {
                problems.Add("settings.redemption_policy.missing_detail_handling", "required when details are required");
            }
        }

        var settlement = settings.SettlementPolicy;
        if (settlement is not null)
        {
            if (settlement.Cadence == SettlementCadence.Weekly && settlement.WeekClosingDay is < 1 or > 7)
            {
                problems.Add("settings.settlement_policy.week_closing_day", $"must be 1 (Monday) to 7 (Sunday), got {settlement.WeekClosingDay.ToString(CultureInfo.InvariantCulture)}");
            }

            if (settlement.DaysAfterEnd < 0)
            {
                problems.Add("settings.settlement_policy.days_after_end", "cannot be negative");
            }
        }
    }

    public static void Tier(TierDefinition? tier, CampaignAggregate campaign, IReadOnlyDictionary<string, bool> catalogue, FieldProblems problems)
    {
        if (tier is null)
        {
            problems.Add("tier", "required");
            return;
        }

        if (!IsValidId(tier.TierId))
        {
            problems.Add("tier.tier_id", $"'{tier.TierId}' is not an id (letters, digits, '.', '_', '-')");
        }

        Require(tier.Name, "tier.name", problems);
        if (tier.FaceValueCents <= 0)
        {
            problems.Add("tier.face_value_cents", $"must be positive, got {tier.FaceValueCents.ToString(CultureInfo.InvariantCulture)}");
        }

        if (tier.MinimumSpend is null || tier.MinimumSpend.ThresholdCase == Vouchers.Common.V1.MinimumSpendRule.ThresholdOneofCase.None)
        {
            problems.Add("tier.minimum_spend", "required: fixed_cents or face_value_multiple_basis_points");
        }
        else if (tier.FaceValueCents > 0)
        {
            var rule = ToRules(tier.MinimumSpend);
            if (tier.MinimumSpend.ThresholdCase == Vouchers.Common.V1.MinimumSpendRule.ThresholdOneofCase.FixedCents && tier.MinimumSpend.FixedCents < 0)
            {
                problems.Add("tier.minimum_spend.fixed_cents", "cannot be negative");
            }
            else
            {
                problems.AddRange("tier.minimum_spend", new VoucherTerms(tier.FaceValueCents, rule, CategoryRestriction.Any).Validate());
            }
        }

        if (tier.MerchantCofundingCents < 0 || tier.MerchantCofundingCents > tier.FaceValueCents)
        {
            problems.Add("tier.merchant_cofunding_cents", $"must be between 0 and the face value {tier.FaceValueCents.ToString(CultureInfo.InvariantCulture)}, got {tier.MerchantCofundingCents.ToString(CultureInfo.InvariantCulture)}");
        }

        var campaignCategories = CampaignCategories(campaign);
        for (var i = 0; i < (tier.Categories?.CategoryIds.Count ?? 0); i++)
        {
            var id = tier.Categories!.CategoryIds[i];
            if (!catalogue.ContainsKey(id))
            {
                problems.Add($"tier.categories.category_ids[{i}]", $"unknown category '{id}'");
            }
            else if (!campaignCategories.Admits(id))
            {
                problems.Add($"tier.categories.category_ids[{i}]", $"category '{id}' is not one of the campaign's categories");
            }
        }
    }

    /// <summary>Cells and printed subtotals of a table; references are checked only when asked (the plan reports them as discrepancies instead).</summary>
    public static void Matrix(AllocationMatrix? matrix, string field, CampaignAggregate campaign, bool referencesMustExist, FieldProblems problems)
    {
        if (matrix is null)
        {
            problems.Add(field, "required");
            return;
        }

        var seen = new HashSet<(string, string, string)>();
        var categories = campaign.Settings.Categories.Select(c => c.CategoryId).ToHashSet(StringComparer.Ordinal);
        var channels = campaign.Settings.ChannelAllocations.Select(c => c.Channel.ChannelId).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < matrix.Cells.Count; i++)
        {
            var cell = matrix.Cells[i];
            var where = $"{field}.cells[{i}]";
            if (string.IsNullOrEmpty(cell.TierId))
            {
                problems.Add(where + ".tier_id", "required");
            }
            else if (referencesMustExist && campaign.FindTier(cell.TierId) is null)
            {
                problems.Add(where + ".tier_id", $"unknown tier '{cell.TierId}'");
            }

            if (referencesMustExist && cell.CategoryId.Length > 0 && !categories.Contains(cell.CategoryId))
            {
                problems.Add(where + ".category_id", $"unknown category '{cell.CategoryId}' (not one of the campaign's)");
            }

            if (referencesMustExist && cell.ChannelId.Length > 0 && !channels.Contains(cell.ChannelId))
            {
                problems.Add(where + ".channel_id", $"unknown channel '{cell.ChannelId}' (not one of the campaign's channel allocations)");
            }

            if (cell.Quantity <= 0)
            {
                problems.Add(where + ".quantity", $"must be positive (leave the cell out instead of 0), got {cell.Quantity.ToString(CultureInfo.InvariantCulture)}");
            }

            if (!seen.Add((cell.TierId, cell.CategoryId, cell.ChannelId)))
            {
                problems.Add(where, $"tier '{cell.TierId}' category '{cell.CategoryId}' channel '{cell.ChannelId}' appears more than once");
            }
        }

        var declared = new HashSet<(AllocationAxis, string)>();
        for (var i = 0; i < matrix.DeclaredTotals.Count; i++)
        {
            var total = matrix.DeclaredTotals[i];
            var where = $"{field}.declared_totals[{i}]";
            if (total.Axis == AllocationAxis.Unspecified)
            {
                problems.Add(where + ".axis", "required");
            }
            else if ((total.Axis == AllocationAxis.Grand) != (total.Key.Length == 0))
            {
                problems.Add(where + ".key", total.Axis == AllocationAxis.Grand ? "must be empty for the grand total" : "required for a row, column or channel line");
            }

            if (!total.HasCount && !total.HasAmountCents)
            {
                problems.Add(where, "a printed total needs a count, an amount or both");
            }

            if ((total.HasCount && total.Count < 0) || (total.HasAmountCents && total.AmountCents < 0))
            {
                problems.Add(where, "printed figures cannot be negative");
            }

            if (!declared.Add((total.Axis, total.Key)))
            {
                problems.Add(where, $"the {total.Axis} line '{total.Key}' is printed more than once");
            }
        }
    }

    /// <summary>The round on its own and together with the campaign's other live rounds.</summary>
    public static void Round(RoundDefinition? round, CampaignAggregate campaign, FieldProblems problems)
    {
        if (round is null)
        {
            problems.Add("round", "required");
            return;
        }

        if (!IsValidId(round.RoundId))
        {
            problems.Add("round.round_id", $"'{round.RoundId}' is not an id (letters, digits, '.', '_', '-')");
        }

        var zone = campaign.Zone;
        var opensOk = LocalTimes.TryRead(round.ClaimOpensAt, "round.claim_opens_at", problems, out var opensOn, out var opensAt);
        DateOnly? closesOn = null;
        WallClock? closesAt = null;
        if (round.ClaimClosesAt is not null)
        {
            if (LocalTimes.TryRead(round.ClaimClosesAt, "round.claim_closes_at", problems, out var date, out var time))
            {
                closesOn = date;
                closesAt = time;
            }
            else
            {
                opensOk = false;
            }
        }

        var validity = Validity(round.Validity, problems);
        if (round.DailyUsageHours is not null
            && LocalTimes.TryReadTime(round.DailyUsageHours.Start, "round.daily_usage_hours.start", problems, out var start)
            & LocalTimes.TryReadTime(round.DailyUsageHours.End, "round.daily_usage_hours.end", problems, out var end))
        {
            try
            {
                _ = new DailyUsageHours(start, end);
            }
            catch (ArgumentException ex)
            {
                problems.Add("round.daily_usage_hours", ex.Message);
            }
        }

        Matrix(round.Allocation ?? new AllocationMatrix(), "round.allocation", campaign, referencesMustExist: true, problems);
        if (!opensOk || validity is null)
        {
            return;
        }

        var others = campaign.LiveRounds
            .Where(r => !string.Equals(r.RoundId, round.RoundId, StringComparison.Ordinal))
            .Select(r => (Round: r, Opens: campaign.OpensAt(r)))
            .Append((Round: round, Opens: CampaignClock.ToInstant(opensOn, opensAt, zone)))
            .OrderBy(p => p.Opens)
            .Select(p => ReferenceEquals(p.Round, round)
                ? new RoundScheduleValidation.ScheduledRound(round.RoundId, new ClaimWindowRule(opensOn, opensAt, closesOn, closesAt), validity)
                : ToScheduled(p.Round))
            .ToList();
        var schedule = RoundScheduleValidation.Validate(others, zone, campaign.Record.PeriodStartUtc, campaign.Record.PeriodEndUtc);
        problems.AddRange("round", schedule.Where(p => p.Contains($"'{round.RoundId}'", StringComparison.Ordinal)));
    }

    public static void Rules(ClaimRules? rules, FieldProblems problems)
    {
        if (rules is null)
        {
            problems.Add("rules", "required");
            return;
        }

        if (rules.Mode == ClaimMode.Unspecified)
        {
            problems.Add("rules.mode", "required (FIRST_COME_FIRST_SERVED or LUCKY_DRAW)");
        }

        if (rules.Mode == ClaimMode.LuckyDraw && rules.DrawWeighting == DrawWeighting.Unspecified)
        {
            problems.Add("rules.draw_weighting", "required for a lucky draw");
        }

        if (rules.Limits.Count == 0)
        {
            problems.Add("rules.limits", "at least one claim limit is required");
        }

        var limitIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rules.Limits.Count; i++)
        {
            var limit = rules.Limits[i];
            if (!IsValidId(limit.LimitId))
            {
                problems.Add($"rules.limits[{i}].limit_id", $"'{limit.LimitId}' is not an id");
            }
            else if (!limitIds.Add(limit.LimitId))
            {
                problems.Add($"rules.limits[{i}].limit_id", $"'{limit.LimitId}' appears more than once");
            }

            if (limit.Scope == LimitScope.Unspecified)
            {
                problems.Add($"rules.limits[{i}].scope", "required");
            }

            if (limit.MaxClaims < 1)
            {
                problems.Add($"rules.limits[{i}].max_claims", $"must be at least 1, got {limit.MaxClaims.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        if (!rules.PersonKeys.Contains(IdentityKeyKind.ChannelAccount))
        {
            problems.Add("rules.person_keys", "must include IDENTITY_KEY_KIND_CHANNEL_ACCOUNT");
        }

        if (rules.PersonKeys.Contains(IdentityKeyKind.Unspecified) || rules.RequiredKeys.Contains(IdentityKeyKind.Unspecified))
        {
            problems.Add("rules.person_keys", "IDENTITY_KEY_KIND_UNSPECIFIED is not a key");
        }

        if (rules.GeoFence is not null)
        {
            problems.AddRange("rules.geo_fence", GeoFencing.Validate(ToRules(rules.GeoFence)));
        }
    }

    public static RulesGeoFence ToRules(Vouchers.Common.V1.GeoFence fence) =>
        new(fence.Polygons.Select(p => new RulesGeoPolygon(p.Vertices.Select(v => new RulesGeoPoint(v.Latitude, v.Longitude)).ToList())).ToList());

    public static RulesMinimumSpend ToRules(Vouchers.Common.V1.MinimumSpendRule rule)
    {
        var scope = rule.Scope == Vouchers.Common.V1.SpendScope.SingleItem ? RulesSpendScope.SingleItem : RulesSpendScope.Order;
        return rule.ThresholdCase == Vouchers.Common.V1.MinimumSpendRule.ThresholdOneofCase.FixedCents
            ? RulesMinimumSpend.Fixed(rule.FixedCents, scope)
            : RulesMinimumSpend.MultipleOfFaceValue(rule.FaceValueMultipleBasisPoints, scope);
    }

    public static CategoryRestriction CampaignCategories(CampaignAggregate campaign) =>
        new(campaign.Settings.Categories.Select(c => c.CategoryId).ToList());

    private static RulesValidityRule? Validity(Vouchers.Campaign.V1.ValidityRule? rule, FieldProblems problems)
    {
        switch (rule?.RuleCase ?? Vouchers.Campaign.V1.ValidityRule.RuleOneofCase.None)
        {
            case Vouchers.Campaign.V1.ValidityRule.RuleOneofCase.DaysFromClaim:
                if (rule!.DaysFromClaim.Days < 1)
                {
                    problems.Add("round.validity.days_from_claim.days", $"must be at least 1, got {rule.DaysFromClaim.Days.ToString(CultureInfo.InvariantCulture)}");
                    return null;
                }

                return new ValidForDaysFromClaim(rule.DaysFromClaim.Days, rule.DaysFromClaim.Counting == Vouchers.Campaign.V1.ValidityDayCounting.RollingHours
                    ? VoucherRules.ValidityDayCounting.RollingHours
                    : VoucherRules.ValidityDayCounting.CalendarDays);
            case Vouchers.Campaign.V1.ValidityRule.RuleOneofCase.RoundDayDeadline:
                var dayOk = rule!.RoundDayDeadline.DayNumber >= 1;
                if (!dayOk)
                {
                    problems.Add("round.validity.round_day_deadline.day_number", $"must be at least 1, got {rule.RoundDayDeadline.DayNumber.ToString(CultureInfo.InvariantCulture)}");
                }

                return LocalTimes.TryReadTime(rule.RoundDayDeadline.Time, "round.validity.round_day_deadline.time", problems, out var time) && dayOk
                    ? new ValidUntilRoundDay(rule.RoundDayDeadline.DayNumber, time)
                    : null;
            case Vouchers.Campaign.V1.ValidityRule.RuleOneofCase.FixedEnd:
                return LocalTimes.TryRead(rule!.FixedEnd, "round.validity.fixed_end", problems, out var date, out var clock)
                    ? new ValidUntilFixedEnd(date, clock)
                    : null;
            default:
                problems.Add("round.validity", "required: days_from_claim, round_day_deadline or fixed_end");
                return null;
        }
    }

    private static RoundScheduleValidation.ScheduledRound ToScheduled(RoundDefinition round)
    {
        var opens = round.ClaimOpensAt;
        var closes = round.ClaimClosesAt;
        var window = new ClaimWindowRule(
            LocalTimes.ToDate(opens),
            LocalTimes.ToWallClock(opens.Time),
            closes is null ? null : LocalTimes.ToDate(closes),
            closes is null ? null : LocalTimes.ToWallClock(closes.Time));
        var scratch = new FieldProblems();
        return new RoundScheduleValidation.ScheduledRound(round.RoundId, window, Validity(round.Validity, scratch)!);
    }

    private static void Require(string value, string field, FieldProblems problems)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add(field, "required");
        }
    }

    private static string Show(LocalDateTime value) => string.Create(CultureInfo.InvariantCulture,
        $"{value.Date.Year:0000}-{value.Date.Month:00}-{value.Date.Day:00} {value.Time.Hour:00}:{value.Time.Minute:00}");
}
