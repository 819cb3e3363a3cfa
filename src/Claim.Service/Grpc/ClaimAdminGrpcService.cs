using Claim.Service.Admin;
using Claim.Service.HotPath;
using Claim.Service.Persistence;
using Claim.Service.Usage;
using Grpc.Core;
using Npgsql;
using StackExchange.Redis;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using FailedPreconditionException = VoucherRules.FailedPreconditionException;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;
using NotFoundException = VoucherRules.NotFoundException;
using PermissionDeniedException = VoucherRules.PermissionDeniedException;
using UnavailableException = VoucherRules.UnavailableException;

namespace Claim.Service.Grpc;

/// <summary>claim.v1 ClaimAdminService: stock, the scalper list, claim pauses, revocation, expiry and the pool report.</summary>
public sealed class ClaimAdminGrpcService(
    CampaignCatalog catalog,
    IDatabase redis,
    NpgsqlDataSource dataSource,
    BlockListStore blockList,
    WalletStore wallet,
    IdentityKeys identities,
    Reconciler reconciler,
    TimeProvider time) : ClaimAdminService.ClaimAdminServiceBase
{
    private const string LatestPauseReasonField = "reason";
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 1000;

    public override async Task<StockStatus> GetStockStatus(GetStockStatusRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireReader(request.Actor);
        var plan = FindCampaign(request.CampaignId);
        var rounds = SelectRounds(plan, request.RoundId);
        var cells = rounds.SelectMany(r => r.Cells).ToList();
        var now = time.GetUtcNow();
        var stock = await Unavailable(() => redis.StringGetAsync(cells.Select(c => (RedisKey)RedisKeys.Stock(plan.CampaignId, c.Field)).ToArray()));
        var stats = (await Unavailable(() => redis.HashGetAllAsync(RedisKeys.Stats(plan.CampaignId))))
            .ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);
        var tallies = await TallyAsync(plan.CampaignId, context.CancellationToken);
        var status = new StockStatus { CampaignId = plan.CampaignId, Claiming = await ClaimingStateAsync(plan.CampaignId), AsOf = VoucherUsageStore.Stamp(now) };
        for (var i = 0; i < cells.Count; i++)
        {
            var cell = cells[i];
            var claimed = stats.GetValueOrDefault(cell.Field);
            var returned = tallies.Where(t => t.Matches(cell, cells) && t.Status is VoucherStatus.Expired or VoucherStatus.Revoked).Sum(t => t.Count);
            status.Lines.Add(new StockLine
            {
                RoundId = cell.RoundId,
                TierId = cell.TierId,
                CategoryId = cell.CategoryId,
                ChannelId = cell.ChannelId,
                FaceValueCents = plan.Tiers.TryGetValue(cell.TierId, out var tier) ? tier.FaceValueCents : 0,
                Total = cell.Quantity,

                // Not armed yet means nothing was taken: the whole quantity is still there.
                Remaining = stock[i].IsNull ? cell.Quantity - claimed : (long)stock[i],
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

    public override async Task<AddToBlockListResponse> AddToBlockList(AddToBlockListRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireWriter(request.Actor);
        if (request.Keys.Count == 0)
        {
            throw InvalidArgumentException.ForField("keys", "at least one key is required");
        }

        RequireText(request.Reason, "reason");
        if (request.CampaignId.Length > 0)
        {
            FindCampaign(request.CampaignId);
        }

        var now = time.GetUtcNow();
        var expires = request.ExpiresAt?.ToDateTimeOffset();
        if (expires is { } lapse && lapse <= now)
        {
            throw InvalidArgumentException.ForField("expires_at", "expires_at must be in the future");
        }

        var keys = request.Keys.Select(k =>
        {
            if (k.Kind == IdentityKeyKind.Unspecified || !System.Enum.IsDefined(k.Kind))
            {
                throw InvalidArgumentException.ForField("keys", "every key needs a kind");
            }

            if (string.IsNullOrWhiteSpace(k.Value) || (k.Kind == IdentityKeyKind.ChannelAccount && string.IsNullOrWhiteSpace(k.ChannelId)))
            {
                throw InvalidArgumentException.ForField("keys", $"the {k.Kind} key needs a value{(k.Kind == IdentityKeyKind.ChannelAccount ? " and a channel_id" : string.Empty)}");
            }

            var kind = CampaignPlan.ToRules(k.Kind);
            return (Kind: kind, Hash: identities.HashOne(kind, k.Value, k.ChannelId), Masked: IdentityKeys.MaskOne(kind, k.Value, k.ChannelId));
        }).ToList();
        var response = new AddToBlockListResponse();
        foreach (var key in keys)
        {
            response.Entries.Add(await Unavailable(() => blockList.AddAsync(key.Kind, key.Hash, key.Masked, request.CampaignId, request.Reason, request.Actor, expires, now, context.CancellationToken)));
        }

        return response;
    }

    public override async Task<BlockListEntry> RemoveFromBlockList(RemoveFromBlockListRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireWriter(request.Actor);
        VoucherTimes.RequireId(request.EntryId, "entry_id");
        RequireText(request.Reason, "reason");
        return await Unavailable(() => blockList.RemoveAsync(request.EntryId, request.Reason, time.GetUtcNow(), context.CancellationToken))
            ?? throw new NotFoundException($"block-list entry '{request.EntryId}' not found");
    }

    public override async Task<ListBlockListResponse> ListBlockList(ListBlockListRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireReader(request.Actor);
        var requested = request.Page?.PageSize ?? 0;
        if (requested < 0)
        {
            throw InvalidArgumentException.ForField("page_size", "page_size must not be negative");
        }

        var pageSize = requested == 0 ? DefaultPageSize : Math.Min(requested, MaxPageSize);
        var filters = string.Join('|', "block", request.CampaignId, (int)request.Kind, request.IncludeInactive);
        var after = WalletStore.ReadPageToken(request.Page?.PageToken ?? string.Empty, filters);
        var entries = await blockList.ListAsync(request.CampaignId, request.Kind, request.IncludeInactive, time.GetUtcNow(), pageSize + 1, after, context.CancellationToken);
        var response = new ListBlockListResponse { Page = new PageResponse { TotalSize = -1 } };
        response.Entries.Add(entries.Take(pageSize));
        if (entries.Count > pageSize)
        {
            response.Page.NextPageToken = WalletStore.PageToken(filters, entries[pageSize - 1].EntryId);
        }

        return response;
    }

    public override async Task<ClaimingState> PauseClaiming(PauseClaimingRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireWriter(request.Actor);
        RequireText(request.Reason, "reason");
        var plan = FindCampaign(request.CampaignId);
        var field = PauseField(plan, request.RoundId);
        var key = RedisKeys.Pause(plan.CampaignId);
        await Unavailable(() => redis.HashSetAsync(key, field, request.Reason));
        await Unavailable(() => redis.HashSetAsync(key, LatestPauseReasonField, request.Reason));
        return await ClaimingStateAsync(plan.CampaignId);
    }

    public override async Task<ClaimingState> ResumeClaiming(ResumeClaimingRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireWriter(request.Actor);
        var plan = FindCampaign(request.CampaignId);
        await Unavailable(() => redis.HashDeleteAsync(RedisKeys.Pause(plan.CampaignId), PauseField(plan, request.RoundId)));
        return await ClaimingStateAsync(plan.CampaignId);
    }

    public override async Task<Voucher> RevokeVoucher(RevokeVoucherRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireWriter(request.Actor);
        VoucherTimes.RequireId(request.VoucherId, "voucher_id");
        RequireText(request.Reason, "reason");
        var now = time.GetUtcNow();
        var store = new VoucherUsageStore(dataSource);
        var answer = await store.ChangeAsync(request.VoucherId, async (row, change) =>
        {
            var current = row.Current(now);
            if (current.Status != VoucherStatus.Unused)
            {
                throw new FailedPreconditionException($"voucher '{request.VoucherId}' is {current.Status}; only an unused voucher can be revoked here");
            }

            await change.RevokeAsync(request.Reason, now);
            await change.AppendEventsAsync([new IssuanceEvent
            {
                CampaignId = current.CampaignId,
                OccurredAt = VoucherUsageStore.Stamp(now),
                Revoked = new VoucherRevoked { VoucherId = current.VoucherId, FaceValueCents = current.FaceValueCents, Reason = request.Reason },
            }]);
            var revoked = current.Clone();
            revoked.Status = VoucherStatus.Revoked;
            revoked.EndedAt = VoucherUsageStore.Stamp(now);
            revoked.RevokeReason = request.Reason;
            revoked.Version++;
            return revoked;
        }, context.CancellationToken);
        return answer ?? throw new NotFoundException($"voucher '{request.VoucherId}' not found");
    }

    public override async Task<ExpireVouchersResponse> ExpireVouchers(ExpireVouchersRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireWriter(request.Actor);
        if (request.CampaignId.Length > 0)
        {
            FindCampaign(request.CampaignId);
        }

        return new ExpireVouchersResponse { Expired = await wallet.ExpireAsync(time.GetUtcNow(), request.CampaignId, context.CancellationToken) };
    }

    public override async Task<PoolReport> GetPoolReport(GetPoolReportRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireReader(request.Actor);
        var plan = FindCampaign(request.CampaignId);
        var now = time.GetUtcNow();
        var tallies = await TallyAsync(plan.CampaignId, context.CancellationToken);
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
                var inCell = tallies.Where(t => t.RoundId == round.RoundId && t.TierId == group.Key.TierId && t.CategoryId == group.Key.CategoryId).ToList();
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

    public override async Task<ReconciliationReport> ReconcileCampaign(ReconcileCampaignRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (request.Repair)
        {
            RequireWriter(request.Actor);
        }
        else
        {
            RequireReader(request.Actor);
        }

        var plan = FindCampaign(request.CampaignId);
        return await Unavailable(() => reconciler.ReconcileAsync(plan, request.Repair, time.GetUtcNow(), context.CancellationToken));
    }

    private static void RequireText(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw InvalidArgumentException.ForField(field, $"{field} is required");
        }
    }

    private static void RequireWriter(Actor? actor)
    {
        if (actor is null || string.IsNullOrWhiteSpace(actor.ActorId) || actor.Role is not (ActorRole.Operator or ActorRole.System))
        {
            throw new PermissionDeniedException("an operator actor is required");
        }
    }

    private static void RequireReader(Actor? actor)
    {
        if (actor is null || string.IsNullOrWhiteSpace(actor.ActorId) || actor.Role is not (ActorRole.Operator or ActorRole.Auditor or ActorRole.Finance or ActorRole.System))
        {
            throw new PermissionDeniedException("an operator or auditor actor is required");
        }
    }

    private static IReadOnlyList<RoundPlan> SelectRounds(CampaignPlan plan, string roundId)
    {
        if (string.IsNullOrEmpty(roundId))
        {
            return plan.Rounds;
        }

        return [plan.FindRound(roundId) ?? throw new NotFoundException($"round '{roundId}' not found in campaign '{plan.CampaignId}'")];
    }

    private static string PauseField(CampaignPlan plan, string roundId) =>
        string.IsNullOrEmpty(roundId) ? RedisKeys.CampaignPauseField : RedisKeys.RoundPauseField(SelectRounds(plan, roundId)[0].RoundId);

    private static async Task<T> Unavailable<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (RedisFaults.IsOutage(ex))
        {
            throw new UnavailableException("the claim store cannot be reached; retry", ex);
        }
    }

    private CampaignPlan FindCampaign(string campaignId)
    {
        if (string.IsNullOrWhiteSpace(campaignId))
        {
            throw InvalidArgumentException.ForField("campaign_id", "campaign_id is required");
        }

        return catalog.Find(campaignId) ?? throw new NotFoundException($"campaign '{campaignId}' not found");
    }

    private async Task<ClaimingState> ClaimingStateAsync(string campaignId)
    {
        var fields = await Unavailable(() => redis.HashGetAllAsync(RedisKeys.Pause(campaignId)));
        var state = new ClaimingState { CampaignId = campaignId };
        foreach (var field in fields)
        {
            var name = field.Name.ToString();
            if (string.Equals(name, RedisKeys.CampaignPauseField, StringComparison.Ordinal))
            {
                state.CampaignPaused = true;
            }
            else if (name.StartsWith(RedisKeys.RoundPauseField(string.Empty), StringComparison.Ordinal))
            {
                state.PausedRoundIds.Add(name[RedisKeys.RoundPauseField(string.Empty).Length..]);
            }
            else if (string.Equals(name, LatestPauseReasonField, StringComparison.Ordinal))
            {
                state.Reason = field.Value.ToString();
            }
        }

        if (!state.CampaignPaused && state.PausedRoundIds.Count == 0)
        {
            state.Reason = string.Empty;
        }

        return state;
    }

    private async Task<List<CellTally>> TallyAsync(string campaignId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT round_id, tier_id, category_id, channel_id, status, count(*), coalesce(sum(face_value_cents), 0)::bigint
            FROM vouchers WHERE campaign_id = @campaign
            GROUP BY round_id, tier_id, category_id, channel_id, status
            """);
        command.Parameters.AddWithValue("campaign", campaignId);
        var tallies = new List<CellTally>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tallies.Add(new CellTally(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), (VoucherStatus)reader.GetInt16(4), reader.GetInt64(5), reader.GetInt64(6)));
        }

        return tallies;
    }

    private sealed record CellTally(string RoundId, string TierId, string CategoryId, string ChannelId, VoucherStatus Status, long Count, long FaceValueCents)
    {
        /// <summary>A voucher's channel is the claimer's; a cell without a channel takes the vouchers of every channel without a cell of its own.</summary>
        public bool Matches(StockCell cell, IReadOnlyCollection<StockCell> siblings) =>
            SameAllocation(cell)
            && (ChannelId == cell.ChannelId || (cell.ChannelId.Length == 0 && !siblings.Any(s => SameAllocation(s) && s.ChannelId == ChannelId)));

        private bool SameAllocation(StockCell cell) => RoundId == cell.RoundId && TierId == cell.TierId && CategoryId == cell.CategoryId;
    }
}
