using Claim.Service.HotPath;
using Microsoft.Extensions.Logging.Abstractions;
using ServiceDefaults;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using DomainException = VoucherRules.DomainException;
using FailedPreconditionException = VoucherRules.FailedPreconditionException;
using IdentityKeyKind = VoucherRules.IdentityKeyKind;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;
using NotFoundException = VoucherRules.NotFoundException;
using StatusCode = Grpc.Core.StatusCode;
using VoucherTimeStatus = VoucherRules.VoucherTimeStatus;

namespace Claim.Service.Usage;

/// <summary>
/// What Redemption does to a voucher (claim.v1 VoucherUsageService), each use case idempotent on the id it carries:
/// check the request → row-lock the voucher → decide → write the change and its feed events → commit → count it.
/// </summary>
public sealed partial class VoucherUsageService(
    VoucherUsageStore store, IdentityKeys identities, TimeProvider time, ClaimMetrics? metrics = null, ILogger<VoucherUsageService>? logger = null)
{
    /// <summary>Most items one LockVouchers or ConsumeVouchers call may carry.</summary>
    public const int MaxBatchItems = 256;

    // What grpc-dotnet answers for an exception no handler caught while detailed errors are off (ServiceDefaults).
    private const string UnhandledFailureDetail = "Exception was thrown by handler.";

    private static readonly TimeSpan MinimumLockTtl = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan MaximumLockTtl = TimeSpan.FromMinutes(5);

    private readonly ILogger _logger = logger ?? NullLogger<VoucherUsageService>.Instance;

    public async Task<Voucher> ResolvePresentationCodeAsync(ResolvePresentationCodeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        VoucherTimes.RequireId(request.Token, "token");
        var code = await store.FindCodeAsync(request.Token, cancellationToken) ?? throw new NotFoundException("unknown presentation code");
        var now = time.GetUtcNow();
        if (code.Replaced || code.ExpiresAt <= now)
        {
            throw new FailedPreconditionException("the presentation code expired or was replaced by a newer one; ask the holder to refresh it");
        }

        var row = await store.FindAsync(code.VoucherId, cancellationToken) ?? throw new NotFoundException("unknown presentation code");
        return row.Current(now);
    }

    public async Task<ListUsableVouchersResponse> ListUsableVouchersAsync(ListUsableVouchersRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var holder = HolderHash(request.Person) ?? throw InvalidArgumentException.ForField("person", "person.channel_id and person.channel_account_id are required");
        var at = request.At?.ToDateTimeOffset() ?? time.GetUtcNow();
        var rows = await store.ListValidAsync(holder, request.CampaignId, at, cancellationToken);
        var response = new ListUsableVouchersResponse();
        response.Vouchers.Add(rows.Where(r => VoucherTimes.Check(r.Voucher, at) == VoucherTimeStatus.Usable).Select(r => r.Current(at)));
        return response;
    }

    public async Task<LockVoucherResponse> LockVoucherAsync(LockVoucherRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var plan = PlanLock(request, time.GetUtcNow());
        var decision = await store.ChangeAsync(request.VoucherId, (row, change) => DecideLockAsync(plan, row, change), cancellationToken);
        return Counted(decision, "lock", request.VoucherId);
    }

    public async Task<Voucher> ConsumeVoucherAsync(ConsumeVoucherRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var plan = PlanConsume(request, time.GetUtcNow());
        var decision = await store.ChangeAsync(
            request.VoucherId, (row, change) => DecideConsumeAsync(plan, row, change), cancellationToken, PriorRecord.Consumption(request.RedemptionId));
        return Counted(decision, "consume", request.VoucherId);
    }

    /// <summary>
    /// LockVoucher for many tills in one call and one transaction (<see cref="VoucherUsageStore.ChangeManyAsync"/>):
    /// each item answered as <see cref="LockVoucherAsync"/> answers it alone, in the order asked.
    /// </summary>
    public async Task<LockVouchersResponse> LockVouchersAsync(LockVouchersRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = time.GetUtcNow();
        var outcomes = await ChangeEachAsync(
            request.Items,
            item => PlanLock(item, now),
            plan => new VoucherChangeItem(plan.Request.VoucherId),
            DecideLockAsync,
            "lock",
            cancellationToken);
        var response = new LockVouchersResponse();
        response.Results.Add(outcomes.Select(outcome => outcome.Error is { } error ? new LockVoucherResult { Error = error } : new LockVoucherResult { Answer = outcome.Answer }));
        return response;
    }

    /// <summary>ConsumeVoucher for many tills in one call and one transaction, each item answered as <see cref="ConsumeVoucherAsync"/> answers it alone.</summary>
    public async Task<ConsumeVouchersResponse> ConsumeVouchersAsync(ConsumeVouchersRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = time.GetUtcNow();
        var outcomes = await ChangeEachAsync(
            request.Items,
            item => PlanConsume(item, now),
            plan => new VoucherChangeItem(plan.Request.VoucherId, PriorRecord.Consumption(plan.Request.RedemptionId)),
            DecideConsumeAsync,
            "consume",
            cancellationToken);
        var response = new ConsumeVouchersResponse();
        response.Results.Add(outcomes.Select(outcome => outcome.Error is { } error
            ? new ConsumeVoucherResult { Error = error }
            : new ConsumeVoucherResult { Voucher = request.Brief ? Brief(outcome.Answer!) : outcome.Answer }));
        return response;
    }

    /// <summary>A consumed voucher as a brief answer gives it: which voucher, its status and version.</summary>
    private static Voucher Brief(Voucher voucher) => new() { VoucherId = voucher.VoucherId, Status = voucher.Status, Version = voucher.Version };

    public async Task<Voucher> ReleaseVoucherAsync(ReleaseVoucherRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        VoucherTimes.RequireId(request.VoucherId, "voucher_id");
        VoucherTimes.RequireId(request.LockId, "lock_id");
        var now = time.GetUtcNow();
        var decision = await store.ChangeAsync(request.VoucherId, async (row, change) =>
        {
            if (row.Voucher.Status != VoucherStatus.Locked || !string.Equals(row.LockId, request.LockId, StringComparison.Ordinal))
            {
                return Unchanged(row.Current(now));
            }

            await change.ReleaseAsync();
            var released = row.Voucher.Clone();
            released.Status = VoucherStatus.Unused;
            released.Version++;
            return Changed(released);
        }, cancellationToken);

        return Counted(decision, "release", request.VoucherId);
    }

    public async Task<Voucher> ReinstateVoucherAsync(ReinstateVoucherRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        VoucherTimes.RequireId(request.VoucherId, "voucher_id");
        VoucherTimes.RequireId(request.RedemptionId, "redemption_id");
        VoucherTimes.RequireId(request.ReversalId, "reversal_id");
        var now = time.GetUtcNow();
        var decision = await store.ChangeAsync(request.VoucherId, async (row, change) =>
        {
            var earlier = await change.ReinstatedByAsync(request.ReversalId);
            if (earlier is not null)
            {
                return string.Equals(earlier, request.VoucherId, StringComparison.Ordinal)
                    ? Unchanged(row.Current(now))
                    : throw new FailedPreconditionException($"reversal '{request.ReversalId}' reinstated another voucher");
            }

            if (row.Voucher.Status != VoucherStatus.Used || !string.Equals(row.Voucher.Use?.RedemptionId, request.RedemptionId, StringComparison.Ordinal))
            {
                throw new FailedPreconditionException($"voucher '{request.VoucherId}' is not consumed by redemption '{request.RedemptionId}'");
            }

            var expired = row.Voucher.ValidUntil is { } until && until.ToDateTimeOffset() <= now;
            var status = expired ? VoucherStatus.Expired : VoucherStatus.Unused;
            await change.ReinstateAsync(status, request.RedemptionId, request.ReversalId, request.Reason, now);
            var events = new List<IssuanceEvent>
            {
                Event(row.Voucher, now, e => e.Reinstated = new VoucherReinstated { VoucherId = request.VoucherId, RedemptionId = request.RedemptionId, ReversalId = request.ReversalId }),
            };
            if (expired)
            {
                events.Add(Event(row.Voucher, now, e => e.Expired = new VoucherExpired { VoucherId = request.VoucherId, FaceValueCents = row.Voucher.FaceValueCents }));
            }

            await change.AppendEventsAsync(events);
            var reinstated = row.Voucher.Clone();
            reinstated.Status = status;
            reinstated.Use = null;
            reinstated.EndedAt = expired ? VoucherUsageStore.Stamp(now) : null;
            reinstated.Version++;
            return Changed(reinstated);
        }, cancellationToken, PriorRecord.Reinstatement(request.ReversalId));

        return Counted(decision, "reinstate", request.VoucherId);
    }

    /// <summary>LockVoucher's checks of one request, the same for the single call and for a batch item.</summary>
    private LockPlan PlanLock(LockVoucherRequest request, DateTimeOffset now)
    {
        VoucherTimes.RequireId(request.VoucherId, "voucher_id");
        VoucherTimes.RequireId(request.LockId, "lock_id");
        VoucherTimes.RequireId(request.MerchantId, "merchant_id");
        var ttl = request.Ttl?.ToTimeSpan() ?? TimeSpan.Zero;
        if (ttl < MinimumLockTtl || ttl > MaximumLockTtl)
        {
            throw InvalidArgumentException.ForField("ttl", "ttl must be between 1 second and 5 minutes");
        }

        string? presenter = null;
        if (request.Person is not null)
        {
            presenter = HolderHash(request.Person) ?? throw InvalidArgumentException.ForField("person", "person.channel_id and person.channel_account_id are required when person is set");
        }

        return new LockPlan(request, presenter, now, now + ttl);
    }

    /// <summary>Whether the row-locked voucher can be held for the lock, and if so the lock's writes.</summary>
    private static async Task<Decision<LockVoucherResponse>> DecideLockAsync(LockPlan plan, VoucherRow row, VoucherChange change)
    {
        var (request, presenter, now, expires) = plan;
        var current = row.Current(now);
        if (presenter is not null && !string.Equals(presenter, row.HolderHash, StringComparison.Ordinal))
        {
            return Unchanged(Unavailable(VoucherUnavailableReason.NotHolder, current));
        }

        var refusal = current.Status switch
        {
            VoucherStatus.Used => VoucherUnavailableReason.Used,
            VoucherStatus.Expired => VoucherUnavailableReason.Expired,
            VoucherStatus.Revoked => VoucherUnavailableReason.Revoked,
            VoucherStatus.Locked when !row.IsLockedBy(request.LockId, now) => VoucherUnavailableReason.Locked,
            _ => VoucherTimes.Refusal(VoucherTimes.Check(current, now)),
        };
        if (refusal is { } reason)
        {
            return Unchanged(Unavailable(reason, current));
        }

        await change.LockAsync(request.LockId, expires);
        var locked = current.Clone();
        locked.Status = VoucherStatus.Locked;
        locked.Version++;
        return Changed(new LockVoucherResponse { Lock = new VoucherLock { Voucher = locked, LockId = request.LockId, ExpiresAt = VoucherUsageStore.Stamp(expires) } });
    }

    /// <summary>ConsumeVoucher's checks of one request, the same for the single call and for a batch item.</summary>
    private static ConsumePlan PlanConsume(ConsumeVoucherRequest request, DateTimeOffset now)
    {
        VoucherTimes.RequireId(request.VoucherId, "voucher_id");
        VoucherTimes.RequireId(request.LockId, "lock_id");
        VoucherTimes.RequireId(request.RedemptionId, "redemption_id");
        VoucherTimes.RequireId(request.MerchantId, "merchant_id");
        return new ConsumePlan(request, now, request.UsedAt?.ToDateTimeOffset() ?? now);
    }

    /// <summary>Whether the row-locked voucher is consumed by the redemption (again, for a retry), and if newly so the consumption's writes.</summary>
    private static async Task<Decision<Voucher>> DecideConsumeAsync(ConsumePlan plan, VoucherRow row, VoucherChange change)
    {
        var (request, now, usedAt) = plan;
        var earlier = await change.ConsumedByAsync(request.RedemptionId);
        if (earlier is not null)
        {
            return string.Equals(earlier, request.VoucherId, StringComparison.Ordinal)
                ? Unchanged(row.Current(now))
                : throw new FailedPreconditionException($"redemption '{request.RedemptionId}' consumed another voucher");
        }

        if (row.Voucher.Status == VoucherStatus.Used)
        {
            throw new FailedPreconditionException($"voucher '{request.VoucherId}' was consumed by another redemption");
        }

        // A lapsed lock may still be used by its own attempt as long as nothing else happened to the voucher meanwhile.
        if (row.Voucher.Status != VoucherStatus.Locked || !string.Equals(row.LockId, request.LockId, StringComparison.Ordinal))
        {
            throw new FailedPreconditionException($"voucher '{request.VoucherId}' is not held by lock '{request.LockId}' (it is {row.Current(now).Status})");
        }

        await change.ConsumeAsync(request.RedemptionId, request.MerchantId, request.MerchantTradeName, usedAt, now);
        await change.AppendEventsAsync([Event(row.Voucher, now, e => e.Consumed = new VoucherConsumed
        {
            VoucherId = request.VoucherId,
            RedemptionId = request.RedemptionId,
            MerchantId = request.MerchantId,
        })]);
        var used = row.Voucher.Clone();
        used.Status = VoucherStatus.Used;
        used.Version++;
        used.Use = new VoucherUse { RedemptionId = request.RedemptionId, MerchantId = request.MerchantId, MerchantTradeName = request.MerchantTradeName, UsedAt = VoucherUsageStore.Stamp(usedAt) };
        return Changed(used);
    }

    /// <summary>
    /// The batch calls' one path: every item checked as its single call checks it, the valid ones changed together by
    /// <see cref="VoucherUsageStore.ChangeManyAsync"/>, and each answered with what its single call would have returned,
    /// or with the status that call would have failed with.
    /// </summary>
    private async Task<ItemOutcome<T>[]> ChangeEachAsync<TRequest, TPlan, T>(
        IReadOnlyList<TRequest> requests,
        Func<TRequest, TPlan> plan,
        Func<TPlan, VoucherChangeItem> target,
        Func<TPlan, VoucherRow, VoucherChange, Task<Decision<T>>> decide,
        string usage,
        CancellationToken cancellationToken)
        where T : class
    {
        if (requests.Count is 0 or > MaxBatchItems)
        {
            throw InvalidArgumentException.ForField("items", $"items must hold 1 to {MaxBatchItems} vouchers; this request holds {requests.Count}");
        }

        var outcomes = new ItemOutcome<T>[requests.Count];
        var planned = new List<(int Index, TPlan Plan, VoucherChangeItem Target)>(requests.Count);
        for (var index = 0; index < requests.Count; index++)
        {
            try
            {
                var itemPlan = plan(requests[index]);
                planned.Add((index, itemPlan, target(itemPlan)));
            }
            catch (DomainException refusal)
            {
                outcomes[index] = new ItemOutcome<T>(null, ItemErrorOf(refusal));
            }
        }

        var changes = await store.ChangeManyAsync(
            [.. planned.Select(p => p.Target)], (position, row, change) => decide(planned[position].Plan, row, change), cancellationToken);

        // A round's database failure is one exception shared by all its items: logged once.
        var logged = new HashSet<Exception>(ReferenceEqualityComparer.Instance);
        for (var position = 0; position < planned.Count; position++)
        {
            var (index, _, item) = planned[position];
            var change = changes[position];
            if (change.Failure is { } failure and not DomainException && logged.Add(failure))
            {
                LogBatchItemFailed(_logger, failure, usage, item.VoucherId);
            }

            outcomes[index] = change switch
            {
                { Answer: { } decision } => new ItemOutcome<T>(Counted(decision, usage, item.VoucherId), null),
                { Failure: { } error } => new ItemOutcome<T>(null, ItemErrorOf(error)),
                _ => new ItemOutcome<T>(null, ItemErrorOf(VoucherNotFound(item.VoucherId))),
            };
        }

        return outcomes;
    }

    // Counted once committed: a change the commit lost is not a business event.
    private T Counted<T>(Decision<T>? decision, string usage, string voucherId)
        where T : class
    {
        if (decision is null)
        {
            throw VoucherNotFound(voucherId);
        }

        if (decision.Changed)
        {
            metrics?.Usage(usage);
        }

        return decision.Answer;
    }

    private static NotFoundException VoucherNotFound(string voucherId) => new($"voucher '{voucherId}' not found");

    /// <summary>
    /// The status the item's single call would have ended with: a refusal as the server's interceptor maps it; anything
    /// else as gRPC answers an exception no one handled (UNKNOWN, no detail of it leaves the process).
    /// </summary>
    private static ItemError ItemErrorOf(Exception failure)
    {
        if (failure is DomainException refusal)
        {
            var status = DomainExceptionInterceptor.ToStatus(refusal);
            return new ItemError { Code = (int)status.StatusCode, Message = status.Detail };
        }

        return new ItemError { Code = (int)StatusCode.Unknown, Message = UnhandledFailureDetail };
    }

    private static Decision<T> Changed<T>(T answer)
        where T : class => new(answer, Changed: true);

    private static Decision<T> Unchanged<T>(T answer)
        where T : class => new(answer, Changed: false);

    private static LockVoucherResponse Unavailable(VoucherUnavailableReason reason, Voucher voucher) =>
        new() { Unavailable = new VoucherUnavailable { Reason = reason, Voucher = voucher } };

    private static IssuanceEvent Event(Voucher voucher, DateTimeOffset now, Action<IssuanceEvent> fill)
    {
        var e = new IssuanceEvent { CampaignId = voucher.CampaignId, OccurredAt = VoucherUsageStore.Stamp(now) };
        fill(e);
        return e;
    }

    private string? HolderHash(PersonIdentity? person) => identities.Hash(person, [IdentityKeyKind.ChannelAccount])?.AccountHash;

    [LoggerMessage(Level = LogLevel.Error, Message = "A {Usage} batch could not change voucher {VoucherId}; the items that failed with this error answer UNKNOWN")]
    private static partial void LogBatchItemFailed(ILogger logger, Exception exception, string usage, string voucherId);

    /// <summary>What a decision answers, and whether it changed the voucher (only changes are counted).</summary>
    private sealed record Decision<T>(T Answer, bool Changed)
        where T : class;

    private sealed record LockPlan(LockVoucherRequest Request, string? Presenter, DateTimeOffset Now, DateTimeOffset Expires);

    private sealed record ConsumePlan(ConsumeVoucherRequest Request, DateTimeOffset Now, DateTimeOffset UsedAt);

    /// <summary>One batch item's answer or error.</summary>
    private readonly record struct ItemOutcome<T>(T? Answer, ItemError? Error)
        where T : class;
}
