using Claim.Service.HotPath;
using Claim.Service.Usage;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using static Claim.Service.Admin.AdminRequests;

namespace Claim.Service.Admin;

/// <summary>
/// What operators and auditors read about a campaign's stock (claim.v1 ClaimAdminService GetStockStatus and
/// GetPoolReport): Redis counters for what is left, claimdb tallies for what happened to issued vouchers.
/// </summary>
public sealed class StockReports(CampaignCatalog catalog, ClaimControls controls, VoucherTallies tallies, TimeProvider time)
{
    public async Task<StockStatus> GetStockStatusAsync(GetStockStatusRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireReader(request.Actor);
        var plan = catalog.RequireCampaign(request.CampaignId);
        var cells = SelectRounds(plan, request.RoundId).SelectMany(r => r.Cells).ToList();
        var now = time.GetUtcNow();
        var stock = await controls.StockAsync(plan.CampaignId, cells);
        var stats = await controls.StatsAsync(plan.CampaignId);
        var counted = await tallies.ForCampaignAsync(plan.CampaignId, cancellationToken);
        var status = new StockStatus { CampaignId = plan.CampaignId, Claiming = await controls.ClaimingStateAsync(plan.CampaignId), AsOf = VoucherUsageStore.Stamp(now) };
        for (var i = 0; i < cells.Count; i++)
        {
            var cell = cells[i];
            var claimed = stats.GetValueOrDefault(cell.Field);
            var returned = counted.Where(t => t.Matches(cell, cells) && t.Status is VoucherStatus.Expired or VoucherStatus.Revoked).Sum(t => t.Count);
            status.Lines.Add(new StockLine
            {
                RoundId = cell.RoundId,
                TierId = cell.TierId,
                CategoryId = cell.CategoryId,
                ChannelId = cell.ChannelId,
                FaceValueCents = plan.Tiers.TryGetValue(cell.TierId, out var tier) ? tier.FaceValueCents : 0,
                Total = cell.Quantity,

                // Not armed yet means nothing was taken: the whole quantity is still there.
                Remaining = stock[i] ?? cell.Quantity - claimed,
                Claimed = claimed,
                Returned = returned,
            });
        }

        foreach (var allocation in plan.Snapshot.Campaign.Settings?.ChannelAllocations ?? [])
        {
            var channelId = allocation.Channel?.ChannelId ?? string.Empty;
            status.Channels.Add(new ChannelIssuance
            {
                ChannelId = channelId,
                AllocationCents = allocation.AmountCents,
                IssuedCents = stats.GetValueOrDefault(RedisKeys.ChannelStatField(channelId)),
            });
        }

        return status;
    }

    public async Task<PoolReport> GetPoolReportAsync(GetPoolReportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireReader(request.Actor);
        var plan = catalog.RequireCampaign(request.CampaignId);
        var now = time.GetUtcNow();
        var counted = await tallies.ForCampaignAsync(plan.CampaignId, cancellationToken);
        return PoolReportOf(plan, counted, now);
    }

    /// <summary>Allocated, issued, used, returned and outstanding value per round cell, and what the pool can re-issue.</summary>
    private static PoolReport PoolReportOf(CampaignPlan plan, List<CellTally> counted, DateTimeOffset now)
    {
        var report = new PoolReport { CampaignId = plan.CampaignId, AsOf = VoucherUsageStore.Stamp(now) };
        var returnedByCategory = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long used = 0, outstanding = 0;
        foreach (var round in plan.Rounds)
        {
            var closed = round.ClosesAt is { } closes && closes <= now;
            foreach (var group in round.Cells.GroupBy(c => (c.TierId, c.CategoryId)).OrderBy(g => g.Key.TierId, StringComparer.Ordinal).ThenBy(g => g.Key.CategoryId, StringComparer.Ordinal))
            {
                var face = plan.Tiers.TryGetValue(group.Key.TierId, out var tier) ? tier.FaceValueCents : 0;
                var allocated = group.Sum(c => c.Quantity);
                var inCell = counted.Where(t => t.RoundId == round.RoundId && t.TierId == group.Key.TierId && t.CategoryId == group.Key.CategoryId).ToList();
                VoucherTally Of(params VoucherStatus[] statuses)
                {
                    var matching = inCell.Where(t => statuses.Contains(t.Status)).ToList();
                    return new VoucherTally { Count = matching.Sum(t => t.Count), FaceValueCents = matching.Sum(t => t.FaceValueCents) };
                }

                var issued = Of(VoucherStatus.Unused, VoucherStatus.Locked, VoucherStatus.Used, VoucherStatus.Expired, VoucherStatus.Revoked);
                var unclaimedCount = closed ? Math.Max(0, allocated - issued.Count) : 0;
                var line = new PoolLine
                {
                    RoundId = round.RoundId,
                    TierId = group.Key.TierId,
                    CategoryId = group.Key.CategoryId,
                    Allocated = new VoucherTally { Count = allocated, FaceValueCents = allocated * face },
                    Issued = issued,
                    Used = Of(VoucherStatus.Used),
                    Expired = Of(VoucherStatus.Expired),
                    Revoked = Of(VoucherStatus.Revoked),
                    Outstanding = Of(VoucherStatus.Unused, VoucherStatus.Locked),
                    Unclaimed = new VoucherTally { Count = unclaimedCount, FaceValueCents = unclaimedCount * face },
                };
                report.Lines.Add(line);
                var returned = line.Expired.FaceValueCents + line.Revoked.FaceValueCents + line.Unclaimed.FaceValueCents;
                returnedByCategory[group.Key.CategoryId] = returnedByCategory.GetValueOrDefault(group.Key.CategoryId) + returned;
                used += line.Used.FaceValueCents;
                outstanding += line.Outstanding.FaceValueCents;
            }
        }

        // Value a re-sized round already took back out of the pool is no longer there to re-issue.
        var reissuedByCategory = plan.Rounds
            .SelectMany(r => r.Definition.Resize?.ReturnedValueByCategory ?? [])
            .GroupBy(a => a.CategoryId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(a => a.AmountCents), StringComparer.Ordinal);
        foreach (var (category, amount) in returnedByCategory)
        {
            var available = Math.Max(0, amount - reissuedByCategory.GetValueOrDefault(category));
            report.ReturnedValueByCategory.Add(new CategoryAmount { CategoryId = category, AmountCents = available });
            report.ReturnedValueCents += available;
        }

        report.ReissuedValueCents = reissuedByCategory.Values.Sum();
        report.RemainderCents = Math.Max(0, (plan.Snapshot.Campaign.Settings?.BudgetCents ?? 0) - used - outstanding);
        return report;
    }
}
