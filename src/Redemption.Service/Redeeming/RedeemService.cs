using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Redemption.Service.Access;
using Redemption.Service.Campaigns;
using Redemption.Service.Domain;
using Redemption.Service.Peers;
using Redemption.Service.Storage;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using AlreadyExistsException = VoucherRules.AlreadyExistsException;
using FieldProblems = VoucherRules.FieldProblems;
using NotFoundException = VoucherRules.NotFoundException;
using UnavailableException = VoucherRules.UnavailableException;

namespace Redemption.Service.Redeeming;

/// <summary>One voucher judged for the order, with the campaign and merchant it was judged against.</summary>
internal sealed record Judged(Voucher Voucher, Candidate Candidate, CampaignView? Campaign, CampaignMerchant? Merchant);

/// <summary>
/// QuoteRedemption and Redeem. Redeem: check the request → answer a known key from its stored answer → find and judge
/// the voucher → open the attempt → lock in Claim → record (redemption, the key's answer and the feed event in one
/// transaction) → consume in Claim → answer → end the attempt. A named voucher is locked while its key is checked and
/// judged from the lock's answer. A failure before the record leaves the lock to be released; after it, recovery
/// consumes. Either way the voucher is never locked for ever and never consumed twice.
/// </summary>
public sealed partial class RedeemService(
    ClaimGateway claim,
    CampaignRules campaigns,
    RedemptionStore store,
    IOptions<RedemptionOptions> options,
    TimeProvider time,
    RedemptionMetrics metrics,
    ILogger<RedeemService> logger)
{
    private static readonly TimeSpan SiblingPoll = TimeSpan.FromMilliseconds(20);

    public async Task<QuoteRedemptionResponse> QuoteAsync(QuoteRedemptionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Actors.RequireMayRedeem(request.Actor);
        var problems = new FieldProblems();
        problems.Require(request.MerchantId, "merchant_id", "请填写商户 (merchant_id is required)");
        ValidateOrder(request.Order, problems);
        ValidateSource(request.VoucherSourceCase == QuoteRedemptionRequest.VoucherSourceOneofCase.PresentationToken ? Source.Token
            : request.VoucherSourceCase == QuoteRedemptionRequest.VoucherSourceOneofCase.VoucherId ? Source.Voucher
            : request.VoucherSourceCase == QuoteRedemptionRequest.VoucherSourceOneofCase.AutoPick ? Source.Auto : Source.None,
            request.PresentationToken, request.VoucherId, request.Person, problems);
        problems.ThrowIfAny();
        Actors.RequireRedeemer(request.Actor, request.MerchantId);
        RequireKnownMerchant(request.MerchantId);

        var now = time.GetUtcNow();
        var order = VoucherReading.Order(request.Order);
        var (_, ranked) = await FindAndJudgeAsync(
            request.VoucherSourceCase switch
            {
                QuoteRedemptionRequest.VoucherSourceOneofCase.PresentationToken => claim.ResolveCodeAsync(request.PresentationToken, cancellationToken),
                QuoteRedemptionRequest.VoucherSourceOneofCase.VoucherId => claim.GetHeldAsync(request.Person, request.VoucherId, cancellationToken),
                _ => claim.ListUsableAsync(request.Person, request.AutoPick.CampaignId, now, cancellationToken),
            },
            request.MerchantId, order, staffId: null, now);
        var response = new QuoteRedemptionResponse();
        foreach (var judged in ranked)
        {
            response.Candidates.Add(Option(judged, order));
        }

        if (ranked.Count > 0 && ranked[0].Candidate.Verdict.Qualifies)
        {
            response.Best = response.Candidates[0];
            if (ranked[0].Campaign is { } campaign && !campaign.Terms.RefuseMissingDetails)
            {
                response.MissingDetails.Add(Subsidy.MissingDetails(campaign.Terms.RequiredDetails, order).Select(d => (Vouchers.Campaign.V1.RedemptionDetail)(int)d));
            }
        }

        return response;
    }

    public async Task<RedeemOutcome> RedeemAsync(RedeemRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Actors.RequireMayRedeem(request.Actor);
        Validate(request);
        Actors.RequireRedeemer(request.Actor, request.MerchantId);
        var key = request.IdempotencyKey;
        var fingerprint = Fingerprint(request);
        var transactionKey = TransactionKey(request);
        // A named voucher is locked while the key is checked, not after: the two round trips overlap. Should the key
        // already have an answer, or the transaction a voucher, the lock is given back (unless the answer is the
        // redemption of this very voucher, whose lock it is).
        var speculativeLock = request.VoucherSourceCase == RedeemRequest.VoucherSourceOneofCase.VoucherId && campaigns.KnowsMerchant(request.MerchantId)
            ? TryLockNamedAsync(request, cancellationToken)
            : null;
        RedemptionStore.KeyHold keyHold;
        try
        {
            keyHold = await store.HoldKeyAsync(key, request.MerchantId, transactionKey, cancellationToken);
        }
        catch
        {
            await GiveBackAsync(speculativeLock, request, kept: null);
            throw;
        }

        await using var heldKey = keyHold;
        if (keyHold.Answer is { } earlier)
        {
            await GiveBackAsync(speculativeLock, request, kept: earlier);
            return Replay(earlier, fingerprint);
        }

        var now = time.GetUtcNow();
        var order = VoucherReading.Order(request.Order);
        if (speculativeLock is null)
        {
            RequireKnownMerchant(request.MerchantId);
        }

        if (keyHold.TransactionTaken)
        {
            await GiveBackAsync(speculativeLock, request, kept: null);
            return await RefuseAsync(key, fingerprint, VoucherReading.Refusal(RefusalReason.TransactionAlreadyHasVoucher), cancellationToken, beforeAttempt: true);
        }

        if (request.VoucherSourceCase == RedeemRequest.VoucherSourceOneofCase.VoucherId && await (speculativeLock ?? TryLockNamedAsync(request, cancellationToken)) is { } held)
        {
            // Claim's lock answer carries the voucher, so a named voucher needs no separate read: judged as it was before this lock.
            var before = held.Lock.Voucher.Clone();
            before.Status = VoucherStatus.Unused;
            var (_, heldRanked) = await FindAndJudgeAsync(Task.FromResult(new VoucherLookup([before], RefusalReason.None)), request.MerchantId, order, request.StaffId, now);
            var judged = heldRanked[0];
            if (judged.Candidate.Verdict.Qualifies)
            {
                return await LockRecordConsumeAsync(request, fingerprint, judged, order, transactionKey, now, cancellationToken, held);
            }

            await ReleaseQuietlyAsync(request.VoucherId, key);
            return await RefuseAsync(key, fingerprint, VoucherReading.Refusal(judged.Candidate.Verdict.First, request.VoucherId, judged.Candidate.Verdict), cancellationToken, beforeAttempt: true);
        }

        // A presentation code, auto-pick, or a named voucher Claim would not lock: read, judge, then lock (the refusal
        // then names the first rule the voucher fails, as the judge orders them, not only what Claim saw).
        var (lookup, ranked) = await FindAndJudgeAsync(
            request.VoucherSourceCase switch
            {
                RedeemRequest.VoucherSourceOneofCase.PresentationToken => claim.ResolveCodeAsync(request.PresentationToken, cancellationToken),
                RedeemRequest.VoucherSourceOneofCase.VoucherId => claim.GetHeldAsync(request.Person, request.VoucherId, cancellationToken),
                _ => claim.ListUsableAsync(request.Person, request.AutoPick.CampaignId, now, cancellationToken),
            },
            request.MerchantId, order, request.StaffId, now);
        if (ranked.Count == 0)
        {
            return await RefuseAsync(key, fingerprint, VoucherReading.Refusal(lookup.Missing == RefusalReason.None ? RefusalReason.NoQualifyingVoucher : lookup.Missing), cancellationToken, beforeAttempt: true);
        }

        var chosen = ranked[0];
        if (!chosen.Candidate.Verdict.Qualifies)
        {
            var reason = request.VoucherSourceCase == RedeemRequest.VoucherSourceOneofCase.AutoPick ? RefusalReason.NoQualifyingVoucher : chosen.Candidate.Verdict.First;
            return await RefuseAsync(key, fingerprint, VoucherReading.Refusal(reason, chosen.Voucher.VoucherId, chosen.Candidate.Verdict), cancellationToken, beforeAttempt: true);
        }

        return await LockRecordConsumeAsync(request, fingerprint, chosen, order, transactionKey, now, cancellationToken);
    }

    /// <summary>
    /// Lock → record; the consume follows unless <paramref name="stopAfterRecord"/> (tests stop there to play a crash).
    /// The attempt row is removed after the answer is given (recovery removes what a dead copy left).
    /// </summary>
    internal async Task<RedeemOutcome> LockRecordConsumeAsync(
        RedeemRequest request, string fingerprint, Judged chosen, OrderInput order, string transactionKey, DateTimeOffset now, CancellationToken cancellationToken,
        LockVoucherResponse? held = null, bool stopAfterRecord = false)
    {
        var settings = options.Value;
        var key = request.IdempotencyKey;
        var campaign = chosen.Campaign!;
        var merchant = chosen.Merchant!;
        // A voucher already locked (named) opens its attempt in the recording transaction: its lock came before any
        // attempt row, and a copy dying before the record leaves that lock to its TTL and the till's retry either way.
        // The others open the attempt before they lock, so recovery can release a lock whose copy died.
        var redemptionId = "rdm-" + Guid.NewGuid().ToString("N");
        RedemptionStore.AttemptOpening? opening = null;
        if (held is null)
        {
            (redemptionId, var attemptVoucher) = await store.BeginAttemptAsync(
                key, redemptionId, chosen.Voucher.VoucherId, request.MerchantId, merchant.TradeName, now + settings.AttemptLease, now, cancellationToken);
            if (!string.Equals(attemptVoucher, chosen.Voucher.VoucherId, StringComparison.Ordinal))
            {
                throw new UnavailableException("同一请求号的另一次尝试正在处理中，请稍后用同一请求号重试 (another attempt with this key is in progress; retry with the same key)");
            }
        }
        else
        {
            opening = new RedemptionStore.AttemptOpening(redemptionId, chosen.Voucher.VoucherId, request.MerchantId, merchant.TradeName, now + settings.AttemptLease);
        }

        // A presentation code proves possession; a named or auto-picked voucher must belong to the presenting person.
        var presenter = request.VoucherSourceCase == RedeemRequest.VoucherSourceOneofCase.PresentationToken ? null : request.Person;
        var locked = held ?? await claim.LockAsync(chosen.Voucher.VoucherId, key, request.MerchantId, presenter, settings.LockTtl, cancellationToken);
        if (locked.ResultCase != LockVoucherResponse.ResultOneofCase.Lock)
        {
            // The attempt row stays: recovery releases (a no-op without a lock) and removes it once its lease ends, so a
            // concurrent retry of this key that did take the lock keeps its row.
            return await RefuseAsync(key, fingerprint, VoucherReading.Refusal(VoucherReading.FromLock(locked.Unavailable.Reason), chosen.Voucher.VoucherId), cancellationToken);
        }

        var record = Record(request, redemptionId, locked.Lock.Voucher, campaign, merchant, order, now);
        var outcome = new RedeemOutcome { Redemption = record };
        var columns = new RedemptionColumns(
            transactionKey,
            VoucherReading.BuyerHash(chosen.Voucher, IdentityKeyKind.ChannelAccount),
            VoucherReading.BuyerHash(chosen.Voucher, IdentityKeyKind.Phone),
            chosen.Candidate.Verdict.RequiredAmountCents);
        RecordResult result;
        StoredAnswer? stored;
        try
        {
            (result, stored) = await store.RecordAsync(key, fingerprint, outcome, columns, now, cancellationToken, opening);
        }
        catch (Npgsql.NpgsqlException ex)
        {
            await ReleaseQuietlyAsync(chosen.Voucher.VoucherId, key);
            throw new UnavailableException("核销记录暂时无法保存，请用同一请求号重试 (the redemption could not be stored; retry with the same key)", ex);
        }

        switch (result)
        {
            case RecordResult.KeyTaken:
                return Replay(stored!, fingerprint);
            case RecordResult.LeaseLost:
                throw new UnavailableException("核销处理超时，请用同一请求号重试 (the attempt took too long and was undone; retry with the same key)");
            case RecordResult.TransactionTaken or RecordResult.VoucherTaken:
                await ReleaseQuietlyAsync(chosen.Voucher.VoucherId, key);
                await store.EndAttemptAsync(key, cancellationToken);
                return await RefuseAsync(key, fingerprint, VoucherReading.Refusal(
                    result == RecordResult.TransactionTaken ? RefusalReason.TransactionAlreadyHasVoucher : RefusalReason.VoucherUsed, chosen.Voucher.VoucherId), cancellationToken);
        }

        metrics.Redeemed(record.FaceValueCents, record.OrderAmountCents);
        if (stopAfterRecord)
        {
            return outcome;
        }

        try
        {
            await claim.ConsumeAsync(Consume(record, key, merchant.TradeName), cancellationToken);
        }
        catch (Exception ex) when (ex is UnavailableException or global::Grpc.Core.RpcException or Npgsql.NpgsqlException)
        {
            // Recorded: the answer stands. The attempt row stays, and recovery consumes once its lease ends.
            LogConsumeDeferred(logger, ex, record.RedemptionId);
            return outcome;
        }

        // Recorded and consumed, so the answer stands whatever becomes of the attempt row: the till need not wait for
        // its removal. Should that fail or this copy die first, recovery finds the row once its lease ends, consumes
        // again (a no-op for the same redemption) and removes it. The key already has its answer, so no later attempt
        // of it can open a row this removal would take.
        _ = EndAttemptQuietlyAsync(key);
        return outcome;
    }

    /// <summary>
    /// Locks a named voucher for the presenting person before anything is read. Null when Claim will not lock it (or does
    /// not know it): the caller then reads and judges it to give the refusal. A lock taken before the attempt row exists
    /// is undone by its own expiry if this copy dies before recording; a retry with the same key takes it again.
    /// </summary>
    private async Task<LockVoucherResponse?> TryLockNamedAsync(RedeemRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var locked = await claim.LockAsync(request.VoucherId, request.IdempotencyKey, request.MerchantId, request.Person, options.Value.LockTtl, cancellationToken);
            return locked.ResultCase == LockVoucherResponse.ResultOneofCase.Lock ? locked : null;
        }
        catch (global::Grpc.Core.RpcException ex) when (ex.StatusCode is global::Grpc.Core.StatusCode.NotFound)
        {
            return null;
        }
    }

    internal static ConsumeVoucherRequest Consume(RedemptionRecord record, string lockId, string tradeName) => new()
    {
        VoucherId = record.VoucherId,
        LockId = lockId,
        RedemptionId = record.RedemptionId,
        MerchantId = record.MerchantId,
        MerchantTradeName = tradeName,
        UsedAt = record.RedeemedAt,
    };

    internal static string Fingerprint(IMessage request) => Convert.ToHexString(SHA256.HashData(request.ToByteArray()));

    internal static string TransactionKey(RedeemRequest request) =>
        request.ChannelTransactionId.Length > 0
            ? $"channel:{request.AcquiringChannelId}:{request.ChannelTransactionId}"
            : "till:" + request.Order.MerchantOrderNumber;

    internal async Task<(VoucherLookup Lookup, IReadOnlyList<Judged> Ranked)> FindAndJudgeAsync(
        Task<VoucherLookup> find, string merchantId, OrderInput order, string? staffId, DateTimeOffset now)
    {
        var lookup = await find;
        var judged = new List<Judged>();
        foreach (var voucher in lookup.Vouchers)
        {
            var facts = VoucherReading.Facts(voucher);
            var campaign = campaigns.Find(voucher.CampaignId);
            if (campaign is null)
            {
                // Not yet received is not unknown: a copy still loading snapshots asks for a retry instead of refusing.
                if (!campaigns.Complete)
                {
                    throw campaigns.Missing($"活动 {voucher.CampaignId} 不存在 (campaign '{voucher.CampaignId}' not found)");
                }

                judged.Add(new Judged(voucher, new Candidate(facts, new Verdict([RefusalReason.CampaignUnknown], 0, null)), null, null));
                continue;
            }

            var merchant = campaign.MerchantOrAbsent(merchantId);
            var verdict = Eligibility.Check(facts, campaign.Terms, merchant.Terms, order, staffId, now);
            judged.Add(new Judged(voucher, new Candidate(facts, verdict), campaign, merchant));
        }

        var ranked = Domain.AutoPick.Rank(judged.Select(j => j.Candidate));
        var byCandidate = judged.ToDictionary(j => j.Candidate);
        return (lookup, ranked.Select(c => byCandidate[c]).ToList());
    }

    private static RedemptionRecord Record(RedeemRequest request, string redemptionId, Voucher voucher, CampaignView campaign, CampaignMerchant merchant, OrderInput order, DateTimeOffset now)
    {
        var missing = Subsidy.MissingDetails(campaign.Terms.RequiredDetails, order);
        var record = new RedemptionRecord
        {
            RedemptionId = redemptionId,
            IdempotencyKey = request.IdempotencyKey,
            VoucherId = voucher.VoucherId,
            CampaignId = voucher.CampaignId,
            RoundId = voucher.RoundId,
            TierId = voucher.TierId,
            IssuingChannelId = voucher.ChannelId,
            MerchantId = request.MerchantId,
            MerchantTradeName = merchant.TradeName,
            StaffId = request.StaffId,
            AcquiringChannelId = request.AcquiringChannelId,
            ChannelTransactionId = request.ChannelTransactionId,
            MerchantOrderNumber = request.Order.MerchantOrderNumber,
            FaceValueCents = voucher.FaceValueCents,
            OrderAmountCents = order.OrderAmountCents,
            QualifyingItemAmountCents = order.QualifyingItemAmountCents,
            PaidCents = Math.Max(0, order.OrderAmountCents - voucher.FaceValueCents),
            CategoryId = order.CategoryId,
            Note = order.Note,
            InvoiceNumber = order.InvoiceNumber,
            MerchantCofundingCents = voucher.MerchantCofundingCents,
            GovernmentShareCents = Subsidy.GovernmentShareCents(voucher.FaceValueCents, voucher.MerchantCofundingCents),
            Status = RedemptionStatus.Completed,
            SubsidyExclusion = (Vouchers.Redemption.V1.SubsidyExclusion)(int)Subsidy.ExclusionAtRedemption(missing),
            RedeemedAt = Timestamp.FromDateTimeOffset(now),
            Version = 1,
        };
        record.BuyerKeys.Add(voucher.HolderKeys);
        record.MissingDetails.Add(missing.Select(d => (Vouchers.Campaign.V1.RedemptionDetail)(int)d));
        return record;
    }

    private static VoucherOption Option(Judged judged, OrderInput order)
    {
        var option = new VoucherOption
        {
            Voucher = judged.Voucher,
            Qualifies = judged.Candidate.Verdict.Qualifies,
            PaidCents = Math.Max(0, order.OrderAmountCents - judged.Voucher.FaceValueCents),
        };
        option.Reasons.Add(judged.Candidate.Verdict.Reasons.Select(VoucherReading.ToProto));
        return option;
    }

    private RedeemOutcome Replay(StoredAnswer earlier, string fingerprint)
    {
        if (!string.Equals(earlier.Fingerprint, fingerprint, StringComparison.Ordinal))
        {
            throw new AlreadyExistsException("该请求号已用于另一笔不同的核销 (idempotency_key was already used for a different request)");
        }

        metrics.Replayed();
        var replay = earlier.Outcome.Clone();
        replay.Replayed = true;
        return replay;
    }

    private async Task<RedeemOutcome> RefuseAsync(string key, string fingerprint, RedemptionRefusal refusal, CancellationToken cancellationToken, bool beforeAttempt = false)
    {
        // A concurrent retry of this very request may hold the voucher right now (so this copy saw it locked or gone):
        // its answer is the first answer, so wait for it instead of storing a refusal that would stand in its way.
        if (beforeAttempt && await WaitForSiblingAsync(key, cancellationToken) is { } sibling)
        {
            return Replay(sibling, fingerprint);
        }

        // An earlier attempt of this very request that a dead copy left open may hold the voucher (so this copy saw it
        // locked, or not usable): the voucher is this request's, and recovery will release it or finish the redemption.
        // A refusal stored now would stand for ever against a request that may well succeed, so the till retries instead.
        if (beforeAttempt && await store.AttemptOpenAsync(key, cancellationToken))
        {
            throw new UnavailableException("同一请求号的上一次尝试尚未结束，请稍后用同一请求号重试 (an earlier attempt with this key is still being finished; retry with the same key)");
        }

        var outcome = new RedeemOutcome { Refusal = refusal };
        var stands = await store.StoreAnswerAsync(key, fingerprint, outcome, time.GetUtcNow(), cancellationToken);
        if (!ReferenceEquals(stands.Outcome, outcome))
        {
            return Replay(stands, fingerprint);
        }

        metrics.Refused(refusal.Reason.ToString());
        return outcome;
    }

    private async Task<StoredAnswer?> WaitForSiblingAsync(string key, CancellationToken cancellationToken)
    {
        while (await store.AttemptInFlightAsync(key, time.GetUtcNow(), cancellationToken))
        {
            if (await store.FindAnswerAsync(key, cancellationToken) is { } answer)
            {
                return answer;
            }

            await Task.Delay(SiblingPoll, cancellationToken);
        }

        return await store.FindAnswerAsync(key, cancellationToken);
    }

    private async Task EndAttemptQuietlyAsync(string key)
    {
        try
        {
            await store.EndAttemptAsync(key, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or UnavailableException or TimeoutException)
        {
            LogAttemptEndDeferred(logger, ex, key);
        }
    }

    /// <summary>
    /// Releases a lock taken before the key was checked, once the request turned out not to go on with it; not when
    /// <paramref name="kept"/> (the key's first answer) is the redemption of that voucher: the lock is then that
    /// redemption's, still to be consumed by the copy that recorded it or by recovery.
    /// </summary>
    private async Task GiveBackAsync(Task<LockVoucherResponse?>? speculativeLock, RedeemRequest request, StoredAnswer? kept)
    {
        if (speculativeLock is null)
        {
            return;
        }

        LockVoucherResponse? locked;
        try
        {
            locked = await speculativeLock;
        }
        catch (Exception ex) when (ex is UnavailableException or global::Grpc.Core.RpcException or OperationCanceledException)
        {
            // The request answers from its key (or fails) without this lock, and a lock that failed holds nothing to give back.
            return;
        }

        if (locked is not null && kept?.Outcome.Redemption?.VoucherId != request.VoucherId)
        {
            await ReleaseQuietlyAsync(request.VoucherId, request.IdempotencyKey);
        }
    }

    private async Task ReleaseQuietlyAsync(string voucherId, string lockId)
    {
        try
        {
            await claim.ReleaseAsync(voucherId, lockId, CancellationToken.None);
        }
        catch (UnavailableException ex)
        {
            // The attempt row stays; recovery releases once Claim answers again.
            LogReleaseDeferred(logger, ex, voucherId);
        }
    }

    private void RequireKnownMerchant(string merchantId)
    {
        if (!campaigns.KnowsMerchant(merchantId))
        {
            throw campaigns.Missing($"商户 {merchantId} 不存在或未参加任何活动 (merchant '{merchantId}' is unknown)");
        }
    }

    private enum Source
    {
        None,
        Token,
        Voucher,
        Auto,
    }

    private static void Validate(RedeemRequest request)
    {
        var problems = new FieldProblems();
        problems.Require(request.IdempotencyKey, "idempotency_key", "请填写请求号 (idempotency_key is required)");
        problems.Require(request.MerchantId, "merchant_id", "请填写商户 (merchant_id is required)");
        if (!Actors.IsChannel(request.Actor))
        {
            problems.Require(request.StaffId, "staff_id", "请填写收银员 (staff_id is required at a till)");
        }

        ValidateOrder(request.Order, problems);
        if (request.Order is not null && request.Order.MerchantOrderNumber.Length == 0 && request.ChannelTransactionId.Length == 0)
        {
            problems.Add("order.merchant_order_number", "请填写商户交易单号或渠道交易号 (order.merchant_order_number or channel_transaction_id is required: one voucher per transaction)");
        }

        if (request.ChannelTransactionId.Length > 0 && request.AcquiringChannelId.Length == 0)
        {
            problems.Add("acquiring_channel_id", "渠道交易号须注明收单渠道 (acquiring_channel_id is required with channel_transaction_id)");
        }

        ValidateSource(request.VoucherSourceCase switch
        {
            RedeemRequest.VoucherSourceOneofCase.PresentationToken => Source.Token,
            RedeemRequest.VoucherSourceOneofCase.VoucherId => Source.Voucher,
            RedeemRequest.VoucherSourceOneofCase.AutoPick => Source.Auto,
            _ => Source.None,
        }, request.PresentationToken, request.VoucherId, request.Person, problems);
        problems.ThrowIfAny();
    }

    private static void ValidateOrder(OrderDetails? order, FieldProblems problems)
    {
        if (order is null)
        {
            problems.Add("order", "请填写订单信息 (order is required)");
            return;
        }

        if (order.OrderAmountCents < 0)
        {
            problems.Add("order.order_amount_cents", "订单金额不能为负数 (order amount cannot be negative)");
        }

        if (order.QualifyingItemAmountCents < 0)
        {
            problems.Add("order.qualifying_item_amount_cents", "单品金额不能为负数 (item amount cannot be negative)");
        }
        else if (order.OrderAmountCents >= 0 && order.QualifyingItemAmountCents > order.OrderAmountCents)
        {
            problems.Add("order.qualifying_item_amount_cents", "单品金额不能超过订单金额 (the item cannot cost more than the whole order)");
        }
    }

    private static void ValidateSource(Source source, string token, string voucherId, PersonIdentity? person, FieldProblems problems)
    {
        switch (source)
        {
            case Source.None:
                problems.Add("voucher_source", "请扫描付款码或指定消费券 (presentation_token, voucher_id or auto_pick is required)");
                break;
            case Source.Token:
                problems.Require(token, "presentation_token", "付款码为空 (presentation_token is empty)");
                break;
            case Source.Voucher or Source.Auto:
                if (source == Source.Voucher)
                {
                    problems.Require(voucherId, "voucher_id", "请指定消费券 (voucher_id is empty)");
                }

                if (person is null || string.IsNullOrWhiteSpace(person.ChannelId) || string.IsNullOrWhiteSpace(person.ChannelAccountId))
                {
                    problems.Add("person", "须提供出示人身份 (person with channel_id and channel_account_id is required for voucher_id and auto_pick)");
                }

                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redemption {RedemptionId} is recorded but Claim did not confirm the consume; recovery will finish it")]
    private static partial void LogConsumeDeferred(ILogger logger, Exception exception, string redemptionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The attempt of request {IdempotencyKey} is redeemed but its row could not be removed now; recovery will remove it")]
    private static partial void LogAttemptEndDeferred(ILogger logger, Exception exception, string idempotencyKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The lock on voucher {VoucherId} could not be released now; recovery will release it")]
    private static partial void LogReleaseDeferred(ILogger logger, Exception exception, string voucherId);
}
