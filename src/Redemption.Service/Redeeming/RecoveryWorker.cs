using Microsoft.Extensions.Options;
using Redemption.Service.Peers;
using Redemption.Service.Storage;
using ServiceDefaults;
using Vouchers.Redemption.V1;
using UnavailableException = VoucherRules.UnavailableException;

namespace Redemption.Service.Redeeming;

/// <summary>
/// Finishes or undoes attempts whose copy died (or lost Claim) between lock and consume, once their lease ran out:
/// recorded → consume (idempotent on the redemption id) and end the attempt; not recorded → the attempt is marked as
/// being undone under its row lock first (so the original copy can no longer record it), then the lock is released and
/// the attempt ended. A recorded
/// redemption whose voucher Claim will not consume any more (the lock lapsed and the voucher moved on) is voided, so
/// it never counts beside the redemption that did use the voucher.
/// </summary>
public sealed partial class RecoveryWorker(
    RedemptionStore store,
    ClaimGateway claim,
    IOptions<RedemptionOptions> options,
    MigrationState<Data.RedemptionDbContext> migrations,
    TimeProvider time,
    RedemptionMetrics metrics,
    ILogger<RecoveryWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await migrations.WhenAppliedAsync(stoppingToken);
            using var timer = new PeriodicTimer(options.Value.RecoveryInterval);
            do
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is UnavailableException or Npgsql.NpgsqlException or global::Grpc.Core.RpcException)
                {
                    LogPassFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; the next copy picks up what is left.
        }
    }

    /// <summary>One pass over the stranded attempts; returns how many were settled.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var settled = 0;
        foreach (var key in await store.StrandedKeysAsync(now, 100, cancellationToken))
        {
            var attempt = await store.TakeOverAsync(key, now, now + options.Value.AttemptLease, cancellationToken);
            if (attempt is null)
            {
                continue;
            }

            if (attempt.Recorded is null)
            {
                await claim.ReleaseAsync(attempt.VoucherId, key, cancellationToken);
                await store.EndAttemptAsync(key, cancellationToken);
                metrics.Recovered("released");
            }
            else
            {
                await FinishAsync(attempt, attempt.Recorded, cancellationToken);
            }

            settled++;
        }

        return settled;
    }

    private async Task FinishAsync(StrandedAttempt attempt, RedemptionRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await claim.ConsumeAsync(RedeemService.Consume(record, attempt.IdempotencyKey, attempt.MerchantTradeName), cancellationToken);
            metrics.Recovered("consumed");
        }
        catch (global::Grpc.Core.RpcException ex) when (ex.StatusCode == global::Grpc.Core.StatusCode.FailedPrecondition)
        {
            var now = time.GetUtcNow();
            await store.ChangeAsync(record.RedemptionId, current => current.Status != RedemptionStatus.Completed ? null : Lost(current, now), RedemptionEventKind.Voided, null, now, cancellationToken);
            metrics.Recovered("voided");
            LogLost(logger, record.RedemptionId, ex.Status.Detail);
        }

        await store.EndAttemptAsync(attempt.IdempotencyKey, cancellationToken);
    }

    private static RedemptionRecord Lost(RedemptionRecord current, DateTimeOffset now)
    {
        var voided = current.Clone();
        voided.Status = RedemptionStatus.Voided;
        voided.SubsidyExclusion = SubsidyExclusion.Voided;
        voided.Version++;
        voided.Reversal = new Reversal
        {
            ReversalId = "recovery-" + current.RedemptionId,
            Kind = ReversalKind.Void,
            Reason = "系统冲正：券服务未能完成扣券 (the voucher could not be consumed after an interruption)",
            Actor = new Vouchers.Common.V1.Actor { ActorId = "redemption-recovery", Role = Vouchers.Common.V1.ActorRole.System },
            ReversedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now),
        };
        return voided;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A recovery pass failed; the next pass retries")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Redemption {RedemptionId} was voided: Claim refused to consume its voucher after an interruption ({Detail})")]
    private static partial void LogLost(ILogger logger, string redemptionId, string detail);
}
