using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Settlement.Service.Data;
using Settlement.Service.Feeds;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using Vouchers.Settlement.V1;
using VoucherRules;
using CampaignState = Vouchers.Campaign.V1.CampaignState;
using PersonIdentity = VoucherRules.PersonIdentity;

namespace Settlement.Service.Application;

/// <summary>Where the phone filters' hashes come from: the same identity secret Claim hashes holders' keys with.</summary>
public sealed class ReportOptions
{
    public const string SectionName = "Settlement:Reports";

    public string IdentitySecret { get; set; } = string.Empty;
}

/// <summary>
/// The back-office reports and the public disclosure, computed in PostgreSQL from the projected vouchers and
/// redemptions, the statements and the campaign snapshot. A redemption used its voucher while it is COMPLETED or
/// REFUNDED with the voucher kept, and earns its subsidy when, besides, nothing excludes it: one without a required
/// detail (no invoice, no amount) used its voucher and drove its spend, only its subsidy is forfeited. "Used" and
/// spend count every used voucher, as the statements and the vouchers' own status do; subsidy counts only earnings.
/// </summary>
public sealed class Reports(IDbContextFactory<SettlementDbContext> contexts, CampaignDirectory campaigns, IOptions<ReportOptions> options)
{
    private const short Completed = (short)RedemptionStatus.Completed;
    private const short Refunded = (short)RedemptionStatus.Refunded;
    private const short MissingDetails = (short)SubsidyExclusion.MissingDetails;

    public async Task<TierCategoryReport> TierCategoryAsync(GetTierCategoryReportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Access.Reader(request.Actor, "GetTierCategoryReport");
        var snapshot = await campaigns.GetAsync(request.CampaignId, cancellationToken);
        AllocationMatrix plan = snapshot.Campaign.AllocationPlan ?? new AllocationMatrix();
        if (!string.IsNullOrEmpty(request.RoundId))
        {
            plan = snapshot.Campaign.Rounds.FirstOrDefault(r => r.RoundId == request.RoundId)?.Allocation
                ?? throw new NotFoundException($"round '{request.RoundId}' not found in campaign {snapshot.CampaignId}");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var vouchers = db.Vouchers.Where(v => v.CampaignId == snapshot.CampaignId);
        if (!string.IsNullOrEmpty(request.RoundId))
        {
            vouchers = vouchers.Where(v => v.RoundId == request.RoundId);
        }

        var tallies = await vouchers.GroupBy(v => new { v.TierId, v.CategoryId, v.Status })
            .Select(g => new { g.Key.TierId, g.Key.CategoryId, g.Key.Status, Count = g.LongCount(), Face = g.Sum(v => v.FaceValueCents) })
            .ToListAsync(cancellationToken);
        // Spend from the redemptions alone, no join: a voucher drawn from a category's stock can only be spent in that
        // category, so the order's category is the stock category where the plan splits stock by category, and the
        // lines carry no category where it does not.
        var byCategory = plan.Cells.Any(c => c.CategoryId.Length > 0);
        var used = Used(db, snapshot.CampaignId);
        if (!string.IsNullOrEmpty(request.RoundId))
        {
            used = used.Where(r => r.RoundId == request.RoundId);
        }

        var spend = await used.GroupBy(r => new { r.TierId, CategoryId = byCategory ? r.CategoryId : string.Empty })
            .Select(g => new { g.Key.TierId, g.Key.CategoryId, Spend = g.Sum(r => r.OrderAmountCents) })
            .ToListAsync(cancellationToken);
        var tiers = snapshot.Campaign.Tiers.ToDictionary(t => t.TierId, StringComparer.Ordinal);
        var keys = plan.Cells.Select(c => (c.TierId, c.CategoryId)).Concat(tallies.Select(t => (t.TierId, t.CategoryId))).Distinct()
            .OrderBy(k => tiers.TryGetValue(k.TierId, out var t) ? t.FaceValueCents : long.MaxValue).ThenBy(k => k.TierId, StringComparer.Ordinal).ThenBy(k => k.CategoryId, StringComparer.Ordinal);
        var report = new TierCategoryReport { CampaignId = snapshot.CampaignId, AsOf = await AsOfAsync(db, IssuanceProjection.Feed, cancellationToken) };
        var totals = new TierCategoryLine { Allocated = new(), Claimed = new(), Used = new(), Expired = new(), Revoked = new() };
        foreach (var (tierId, categoryId) in keys)
        {
            var face = tiers.TryGetValue(tierId, out var tier) ? tier.FaceValueCents : 0;
            var quantity = plan.Cells.Where(c => c.TierId == tierId && c.CategoryId == categoryId).Sum(c => c.Quantity);
            var own = tallies.Where(t => t.TierId == tierId && t.CategoryId == categoryId).ToList();
            VoucherTally Of(params VoucherStatus[] statuses) => Tally(own.Where(t => statuses.Contains((VoucherStatus)t.Status)).Sum(t => t.Count), own.Where(t => statuses.Contains((VoucherStatus)t.Status)).Sum(t => t.Face));
            var line = new TierCategoryLine
            {
                TierId = tierId,
                TierName = tier?.Name ?? string.Empty,
                FaceValueCents = face,
                CategoryId = categoryId,
                Allocated = Tally(quantity, checked(quantity * face)),
                Claimed = Tally(own.Sum(t => t.Count), own.Sum(t => t.Face)),
                Used = Of(VoucherStatus.Used),
                Expired = Of(VoucherStatus.Expired),
                Revoked = Of(VoucherStatus.Revoked),
                LeveragedSpendCents = spend.Where(s => s.TierId == tierId && s.CategoryId == categoryId).Sum(s => s.Spend),
            };
            report.Lines.Add(line);
            Add(totals.Allocated, line.Allocated);
            Add(totals.Claimed, line.Claimed);
            Add(totals.Used, line.Used);
            Add(totals.Expired, line.Expired);
            Add(totals.Revoked, line.Revoked);
            totals.LeveragedSpendCents += line.LeveragedSpendCents;
        }

        report.Totals = totals;
        return report;
    }

    public async Task<ListClaimRecordsResponse> ClaimRecordsAsync(ListClaimRecordsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Access.Reader(request.Actor, "ListClaimRecords");
        Pages.RequireSpecified(request.Statuses, VoucherStatus.Unspecified, "statuses");
        var (from, to) = Requests.OptionalWindow(request.Window, "window");
        var snapshot = await campaigns.GetAsync(request.CampaignId, cancellationToken);
        var filterKey = string.Join('|', "claims", request.CampaignId, request.Window, request.HolderName, request.HolderPhone, request.CategoryId, request.TierId, request.RoundId, request.ChannelId, string.Join(',', request.Statuses));
        var (size, after) = Pages.Read(request.Page, filterKey, keyParts: 2);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var all = db.Vouchers.Where(v => v.CampaignId == snapshot.CampaignId && v.ClaimedAt >= from && v.ClaimedAt < to);
        if (!string.IsNullOrEmpty(request.HolderName))
        {
            all = all.Where(v => v.HolderDisplayName.Contains(request.HolderName));
        }

        if (!string.IsNullOrEmpty(request.HolderPhone))
        {
            var hash = PhoneHash(request.HolderPhone, "holder_phone");
            all = all.Where(v => v.HolderPhoneHash == hash);
        }

        all = Optional(all, request.CategoryId, v => v.CategoryId == request.CategoryId);
        all = Optional(all, request.TierId, v => v.TierId == request.TierId);
        all = Optional(all, request.RoundId, v => v.RoundId == request.RoundId);
        all = Optional(all, request.ChannelId, v => v.ChannelId == request.ChannelId);
        if (request.Statuses.Count > 0)
        {
            var statuses = request.Statuses.Select(s => (short)s).ToList();
            all = all.Where(v => statuses.Contains(v.Status));
        }

        var page = all;
        if (after is not null)
        {
            var at = PageToken.ReadInstant(after[0]);
            var id = after[1];
            page = page.Where(v => v.ClaimedAt < at || (v.ClaimedAt == at && v.VoucherId.CompareTo(id) < 0));
        }

        var rows = await page.OrderByDescending(v => v.ClaimedAt).ThenByDescending(v => v.VoucherId).Take(size + 1).ToListAsync(cancellationToken);
        var (items, next) = PageToken.Page(rows, size, filterKey, v => [PageToken.Key(v.ClaimedAt), v.VoucherId]);
        var byStatus = await all.GroupBy(v => v.Status).Select(g => new { Status = g.Key, Count = g.LongCount(), Face = g.Sum(v => v.FaceValueCents) }).ToListAsync(cancellationToken);
        VoucherTally Of(params VoucherStatus[] statuses) => Tally(byStatus.Where(s => statuses.Contains((VoucherStatus)s.Status)).Sum(s => s.Count), byStatus.Where(s => statuses.Contains((VoucherStatus)s.Status)).Sum(s => s.Face));
        var response = new ListClaimRecordsResponse
        {
            Page = Pages.Response(next, byStatus.Sum(s => s.Count)),
            Totals = new ClaimTotals
            {
                Claimed = Tally(byStatus.Sum(s => s.Count), byStatus.Sum(s => s.Face)),
                Used = Of(VoucherStatus.Used),
                Unused = Of(VoucherStatus.Unused, VoucherStatus.Locked),
                Expired = Of(VoucherStatus.Expired),
                Revoked = Of(VoucherStatus.Revoked),
            },
        };
        foreach (var v in items)
        {
            var record = new ClaimRecord
            {
                VoucherId = v.VoucherId,
                ClaimedAt = Requests.ToTimestamp(v.ClaimedAt),
                RoundId = v.RoundId,
                TierId = v.TierId,
                CategoryId = v.CategoryId,
                ChannelId = v.ChannelId,
                FaceValueCents = v.FaceValueCents,
                Status = (VoucherStatus)v.Status,
                HolderDisplayName = v.HolderDisplayName,
                MerchantId = v.MerchantId,
                MerchantTradeName = SnapshotFacts.Merchant(snapshot, v.MerchantId)?.TradeName ?? string.Empty,
                UsedAt = Requests.ToTimestamp(v.UsedAt),
                ValidUntil = Requests.ToTimestamp(v.ValidUntil),
            };
            record.HolderKeys.AddRange(Vouchers.Claim.V1.Voucher.Parser.ParseFrom(v.HolderKeys).HolderKeys);
            response.Claims.Add(record);
        }

        return response;
    }

    public async Task<ListRedemptionRecordsResponse> RedemptionRecordsAsync(ListRedemptionRecordsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Access.Reader(request.Actor, "ListRedemptionRecords");
        Pages.RequireSpecified(request.Statuses, RedemptionStatus.Unspecified, "statuses");
        var (from, to) = Requests.OptionalWindow(request.Window, "window");
        var snapshot = await campaigns.GetAsync(request.CampaignId, cancellationToken);
        var filterKey = string.Join('|', "redemptions", request.CampaignId, request.Window, request.MerchantId, request.StaffId, request.BuyerPhone, request.CategoryId, request.TierId, string.Join(',', request.Statuses));
        var (size, after) = Pages.Read(request.Page, filterKey, keyParts: 2);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var all = db.Redemptions.Where(r => r.CampaignId == snapshot.CampaignId && r.RedeemedAt >= from && r.RedeemedAt < to);
        all = Optional(all, request.MerchantId, r => r.MerchantId == request.MerchantId);
        all = Optional(all, request.StaffId, r => r.StaffId == request.StaffId);
        all = Optional(all, request.CategoryId, r => r.CategoryId == request.CategoryId);
        all = Optional(all, request.TierId, r => r.TierId == request.TierId);
        if (!string.IsNullOrEmpty(request.BuyerPhone))
        {
            var hash = PhoneHash(request.BuyerPhone, "buyer_phone");
            all = all.Where(r => r.BuyerPhoneHash == hash);
        }

        if (request.Statuses.Count > 0)
        {
            var statuses = request.Statuses.Select(s => (short)s).ToList();
            all = all.Where(r => statuses.Contains(r.Status));
        }

        var page = all;
        if (after is not null)
        {
            var at = PageToken.ReadInstant(after[0]);
            var id = after[1];
            page = page.Where(r => r.RedeemedAt < at || (r.RedeemedAt == at && r.RedemptionId.CompareTo(id) < 0));
        }

        var rows = await page.OrderByDescending(r => r.RedeemedAt).ThenByDescending(r => r.RedemptionId)
            .Select(r => new { r.RedeemedAt, r.RedemptionId, r.Record }).Take(size + 1).ToListAsync(cancellationToken);
        var (items, next) = PageToken.Page(rows, size, filterKey, r => [PageToken.Key(r.RedeemedAt), r.RedemptionId]);
        var sums = await all.GroupBy(_ => 1).Select(g => new
        {
            Count = g.LongCount(),
            Face = g.Sum(r => r.FaceValueCents),
            Order = g.Sum(r => r.OrderAmountCents),
            Subsidy = g.Sum(r => (r.Status == Completed || r.Status == Refunded) && r.SubsidyExclusion == 0 ? r.GovernmentShareCents : 0),
        }).SingleOrDefaultAsync(cancellationToken);
        var response = new ListRedemptionRecordsResponse
        {
            Page = Pages.Response(next, sums?.Count ?? 0),
            Totals = Totals(sums?.Count ?? 0, sums?.Face ?? 0, sums?.Order ?? 0, sums?.Subsidy ?? 0),
        };
        response.Redemptions.AddRange(items.Select(r => RedemptionRecord.Parser.ParseFrom(r.Record)));
        return response;
    }

    public async Task<GetMerchantStatsResponse> MerchantStatsAsync(GetMerchantStatsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Access.Reader(request.Actor, "GetMerchantStats");
        var (from, to) = Requests.OptionalWindow(request.Window, "window");
        var snapshot = await campaigns.GetAsync(request.CampaignId, cancellationToken);
        var filterKey = string.Join('|', "merchants", request.CampaignId, request.Window, request.MerchantId, request.CategoryId, request.OrderBy);
        var (size, after) = Pages.Read(request.Page, filterKey, keyParts: 1);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var redemptions = db.Redemptions.Where(r => r.CampaignId == snapshot.CampaignId && r.RedeemedAt >= from && r.RedeemedAt < to);
        redemptions = Optional(redemptions, request.MerchantId, r => r.MerchantId == request.MerchantId);
        redemptions = Optional(redemptions, request.CategoryId, r => r.CategoryId == request.CategoryId);
        var groups = await redemptions.GroupBy(r => r.MerchantId).Select(g => new
        {
            MerchantId = g.Key,
            Count = g.LongCount(r => (r.Status == Completed || r.Status == Refunded) && r.SubsidyExclusion == 0),
            Face = g.Sum(r => (r.Status == Completed || r.Status == Refunded) && r.SubsidyExclusion == 0 ? r.FaceValueCents : 0),
            Order = g.Sum(r => (r.Status == Completed || r.Status == Refunded) && r.SubsidyExclusion == 0 ? r.OrderAmountCents : 0),
            Subsidy = g.Sum(r => (r.Status == Completed || r.Status == Refunded) && r.SubsidyExclusion == 0 ? r.GovernmentShareCents : 0),
            Buyers = g.Where(r => r.BuyerPhoneHash != string.Empty).Select(r => r.BuyerPhoneHash).Distinct().LongCount(),
            Voided = g.LongCount(r => r.Status == (short)RedemptionStatus.Voided),
            RefundedCount = g.LongCount(r => r.Status == Refunded),
            Revoked = g.LongCount(r => r.Status == (short)RedemptionStatus.Revoked),
        }).ToListAsync(cancellationToken);
        var categories = await redemptions.Select(r => new { r.MerchantId, r.CategoryId }).Distinct().ToListAsync(cancellationToken);
        var payouts = await db.Statements.Where(s => s.CampaignId == snapshot.CampaignId).GroupBy(s => new { s.MerchantId, s.PayoutStatus })
            .Select(g => new { g.Key.MerchantId, g.Key.PayoutStatus, Net = g.Sum(s => s.NetPayableCents) }).ToListAsync(cancellationToken);
        var ordered = (request.OrderBy switch
        {
            MerchantStatsOrder.Count => groups.OrderByDescending(g => g.Count),
            MerchantStatsOrder.Spend => groups.OrderByDescending(g => g.Order),
            _ => groups.OrderByDescending(g => g.Face),
        }).ThenBy(g => g.MerchantId, StringComparer.Ordinal).ToList();
        var offset = after is null ? 0 : (int)Math.Min(PageToken.ReadLong(after[0]), ordered.Count);
        var slice = ordered.Skip(offset).Take(size).ToList();
        var next = offset + slice.Count < ordered.Count ? PageToken.Create(filterKey, PageToken.Key(offset + slice.Count)) : string.Empty;
        var response = new GetMerchantStatsResponse { Page = Pages.Response(next, ordered.Count) };
        foreach (var g in slice)
        {
            long Payout(PayoutStatus status) => payouts.Where(p => p.MerchantId == g.MerchantId && p.PayoutStatus == (short)status).Sum(p => p.Net);
            var stats = new MerchantStats
            {
                MerchantId = g.MerchantId,
                MerchantTradeName = SnapshotFacts.Merchant(snapshot, g.MerchantId)?.TradeName ?? string.Empty,
                Totals = Totals(g.Count, g.Face, g.Order, g.Subsidy),
                DistinctBuyers = g.Buyers,
                VoidedCount = g.Voided,
                RefundedCount = g.RefundedCount,
                RevokedCount = g.Revoked,
                PaidCents = Payout(PayoutStatus.Paid),
                PendingCents = Payout(PayoutStatus.Pending),
                HeldCents = Payout(PayoutStatus.Held),
            };
            stats.CategoryIds.AddRange(categories.Where(c => c.MerchantId == g.MerchantId && c.CategoryId != string.Empty).Select(c => c.CategoryId).Order(StringComparer.Ordinal));
            response.Merchants.Add(stats);
        }

        return response;
    }

    public async Task<MonthlyProgress> MonthlyProgressAsync(GetMonthlyProgressRequest request, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(time);
        Access.Reader(request.Actor, "GetMonthlyProgress");
        if (request.Month is < 1 or > 12 || request.Year is < 2000 or > 9999)
        {
            throw new InvalidArgumentException("month", "a calendar month: year 2000–9999, month 1–12");
        }

        var snapshot = await campaigns.GetAsync(request.CampaignId, cancellationToken);
        var zone = SnapshotFacts.Zone(snapshot);
        var first = new DateOnly(request.Year, request.Month, 1);
        var start = CampaignClock.ToInstant(first, WallClock.Midnight, zone);
        var end = CampaignClock.ToInstant(first.AddMonths(1), WallClock.Midnight, zone);
        if (start > time.GetUtcNow())
        {
            throw new FailedPreconditionException($"{request.Year}-{request.Month:00} has not begun in {zone.Id}");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var campaignId = snapshot.CampaignId;
        var progress = new MonthlyProgress
        {
            CampaignId = campaignId,
            Year = request.Year,
            Month = request.Month,
            BudgetCents = snapshot.Campaign.Settings.BudgetCents,
            InMonth = await FiguresAsync(db, campaignId, null, start, end, cancellationToken),
            Cumulative = await FiguresAsync(db, campaignId, null, DateTimeOffset.MinValue, end, cancellationToken),
            AsOf = await AsOfAsync(db, RedemptionProjection.Feed, cancellationToken),
        };
        progress.BudgetUsedBasisPoints = progress.BudgetCents > 0 ? (int)(progress.Cumulative.Used.FaceValueCents * 10_000 / progress.BudgetCents) : 0;
        foreach (var category in snapshot.Campaign.Settings.Categories.Select(c => c.CategoryId))
        {
            progress.Categories.Add(new CategoryProgress
            {
                CategoryId = category,
                InMonth = await FiguresAsync(db, campaignId, category, start, end, cancellationToken),
                Cumulative = await FiguresAsync(db, campaignId, category, DateTimeOffset.MinValue, end, cancellationToken),
            });
        }

        return progress;
    }

    public async Task<PublicDisclosure> DisclosureAsync(GetPublicDisclosureRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var snapshot = await campaigns.GetAsync(request.CampaignId, cancellationToken);
        var settings = snapshot.Campaign.Settings;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var campaignId = snapshot.CampaignId;
        var figures = await FiguresAsync(db, campaignId, null, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, cancellationToken);
        var issued = await db.Vouchers.Where(v => v.CampaignId == campaignId).GroupBy(_ => 1).Select(g => new { Count = g.LongCount(), Face = g.Sum(v => v.FaceValueCents) }).SingleOrDefaultAsync(cancellationToken);
        var paidBySource = await db.StatementSplits
            .Where(c => db.Statements.Any(s => s.StatementId == c.StatementId && s.CampaignId == campaignId && s.PayoutStatus == (short)PayoutStatus.Paid))
            .GroupBy(c => c.FundingSourceId).Select(g => new { Source = g.Key, Paid = g.Sum(c => c.AmountCents) }).ToListAsync(cancellationToken);
        var usedByCategory = await Used(db, campaignId).GroupBy(r => r.CategoryId).Select(g => new { Category = g.Key, Face = g.Sum(r => r.FaceValueCents) }).ToListAsync(cancellationToken);
        var closed = snapshot.Campaign.State is CampaignState.Settled or CampaignState.Closed;
        var disclosure = new PublicDisclosure
        {
            CampaignId = campaignId,
            CampaignName = settings.Name,
            Organizer = settings.Organizer,
            RegionName = settings.RegionName,
            Period = Requests.ToWindow(SnapshotFacts.Start(snapshot), SnapshotFacts.End(snapshot)),
            BudgetCents = settings.BudgetCents,
            Issued = Tally(issued?.Count ?? 0, issued?.Face ?? 0),
            Used = figures.Used,
            Expired = figures.Expired,
            LeveragedSpendCents = figures.LeveragedSpendCents,
            LeverageBasisPoints = figures.Used.FaceValueCents > 0 ? figures.LeveragedSpendCents * 10_000 / figures.Used.FaceValueCents : 0,
            MerchantCount = snapshot.Merchants.Count(m => m.Status is MerchantStatus.Approved or MerchantStatus.Suspended),
            RemainderCents = settings.BudgetCents - paidBySource.Sum(p => p.Paid),
            RemainderDisposition = settings.RemainderPolicy switch
            {
                RemainderPolicy.ReturnToTreasury => "returned to the treasury, split back to the funding sources by their shares",
                RemainderPolicy.RollIntoNextCampaign => "rolled into the next campaign",
                _ => "to be decided",
            },
            AsOf = await AsOfAsync(db, RedemptionProjection.Feed, cancellationToken),
        };
        disclosure.CoOrganizers.AddRange(settings.CoOrganizers);
        foreach (var source in settings.FundingSources)
        {
            var paid = paidBySource.Where(p => p.Source == source.FundingSourceId).Sum(p => p.Paid);
            disclosure.Funding.Add(new FundingUse { FundingSourceId = source.FundingSourceId, Name = source.Name, AmountCents = source.AmountCents, PaidCents = paid, ReturnedCents = closed ? source.AmountCents - paid : 0 });
        }

        disclosure.UsedByCategory.AddRange(usedByCategory.OrderBy(c => c.Category, StringComparer.Ordinal).Select(c => new CategoryAmount { CategoryId = c.Category, AmountCents = c.Face }));
        return disclosure;
    }

    private static IQueryable<RedemptionRow> Used(SettlementDbContext db, string campaignId) =>
        db.Redemptions.Where(r => r.CampaignId == campaignId && (r.Status == Completed || r.Status == Refunded) && (r.SubsidyExclusion == 0 || r.SubsidyExclusion == MissingDetails));

    private static IQueryable<RedemptionRow> Earning(SettlementDbContext db, string campaignId) =>
        db.Redemptions.Where(r => r.CampaignId == campaignId && (r.Status == Completed || r.Status == Refunded) && r.SubsidyExclusion == 0);

    private static async Task<ProgressFigures> FiguresAsync(SettlementDbContext db, string campaignId, string? categoryId, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var vouchers = db.Vouchers.Where(v => v.CampaignId == campaignId);
        var redemptions = Used(db, campaignId).Where(r => r.RedeemedAt >= start && r.RedeemedAt < end);
        if (categoryId is not null)
        {
            vouchers = vouchers.Where(v => v.CategoryId == categoryId);
            redemptions = redemptions.Where(r => r.CategoryId == categoryId);
        }

        var claimed = await vouchers.Where(v => v.ClaimedAt >= start && v.ClaimedAt < end).GroupBy(_ => 1).Select(g => new { Count = g.LongCount(), Face = g.Sum(v => v.FaceValueCents) }).SingleOrDefaultAsync(cancellationToken);
        var expired = await vouchers.Where(v => v.Status == (short)VoucherStatus.Expired && v.EndedAt >= start && v.EndedAt < end).GroupBy(_ => 1).Select(g => new { Count = g.LongCount(), Face = g.Sum(v => v.FaceValueCents) }).SingleOrDefaultAsync(cancellationToken);
        var used = await redemptions.GroupBy(_ => 1).Select(g => new { Count = g.LongCount(), Face = g.Sum(r => r.FaceValueCents), Spend = g.Sum(r => r.OrderAmountCents), Merchants = g.Select(r => r.MerchantId).Distinct().LongCount() }).SingleOrDefaultAsync(cancellationToken);
        var paidStatements = db.Statements.Where(s => s.CampaignId == campaignId && s.PayoutStatus == (short)PayoutStatus.Paid
            && db.PayoutBatches.Any(b => b.BatchId == s.PayoutBatchId && b.PaidAt >= start && b.PaidAt < end));
        // A category's part of the payments: the government share its redemptions earned on the statements paid;
        // adjustments belong to no category.
        var paid = categoryId is null
            ? await paidStatements.SumAsync(s => s.NetPayableCents, cancellationToken)
            : await db.Redemptions.Where(r => r.CampaignId == campaignId && r.CategoryId == categoryId && r.SettledEarning
                    && paidStatements.Any(s => s.RunId == r.SettledRunId && s.MerchantId == r.MerchantId))
                .SumAsync(r => r.GovernmentShareCents, cancellationToken);
        return new ProgressFigures
        {
            Claimed = Tally(claimed?.Count ?? 0, claimed?.Face ?? 0),
            Used = Tally(used?.Count ?? 0, used?.Face ?? 0),
            Expired = Tally(expired?.Count ?? 0, expired?.Face ?? 0),
            LeveragedSpendCents = used?.Spend ?? 0,
            SubsidyPaidCents = paid,
            ActiveMerchants = used?.Merchants ?? 0,
        };
    }

    private static async Task<Google.Protobuf.WellKnownTypes.Timestamp?> AsOfAsync(SettlementDbContext db, string feed, CancellationToken cancellationToken) =>
        Requests.ToTimestamp(await db.FeedCursors.Where(c => c.Feed == feed).Select(c => c.CaughtUpTo).SingleOrDefaultAsync(cancellationToken));

    private static IQueryable<T> Optional<T>(IQueryable<T> query, string? value, System.Linq.Expressions.Expression<Func<T, bool>> filter) =>
        string.IsNullOrEmpty(value) ? query : query.Where(filter);

    private string PhoneHash(string phone, string field)
    {
        var secret = System.Text.Encoding.UTF8.GetBytes(options.Value.IdentitySecret);
        if (secret.Length == 0)
        {
            throw new FailedPreconditionException($"{field}: searching by phone needs the identity secret, which this deployment has not configured");
        }

        var keys = IdentityHashing.Hash(new PersonIdentity(string.Empty, string.Empty, Phone: phone), [VoucherRules.IdentityKeyKind.Phone], secret);
        return keys.Count > 0 ? keys[0].Hash : throw new InvalidArgumentException(field, "not a phone number");
    }

    internal static RedemptionTotals Totals(long count, long face, long order, long subsidy) => new()
    {
        Count = count,
        FaceValueCents = face,
        OrderAmountCents = order,
        LeverageBasisPoints = face > 0 ? order * 10_000 / face : 0,
        SubsidyCents = subsidy,
    };

    private static VoucherTally Tally(long count, long face) => new() { Count = count, FaceValueCents = face };

    private static void Add(VoucherTally sum, VoucherTally part)
    {
        sum.Count += part.Count;
        sum.FaceValueCents += part.FaceValueCents;
    }
}
