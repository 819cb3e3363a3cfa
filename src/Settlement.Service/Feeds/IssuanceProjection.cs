using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Settlement.Service.Application;
using Settlement.Service.Data;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;

namespace Settlement.Service.Feeds;

/// <summary>
/// Writes a batch of Claim issuance feed events into the vouchers table with the feed cursor in one transaction
/// (same exactly-once rule as <see cref="RedemptionProjection"/>). Status changes apply in feed order in one round trip.
/// </summary>
public sealed class IssuanceProjection(IDbContextFactory<SettlementDbContext> contexts, SettlementMetrics metrics)
{
    public const string Feed = "issuance";

    public async Task<int> ApplyAsync(IReadOnlyList<IssuanceEvent> events, CancellationToken cancellationToken)
    {
        var applied = await FeedCursors.ProjectAsync(contexts, Feed, events, e => e.Sequence, e => e.Cursor, async (db, transaction, fresh) =>
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await using var batch = new NpgsqlBatch(connection, (NpgsqlTransaction)transaction.GetDbTransaction());
            foreach (var command in fresh.Select(Command).OfType<NpgsqlBatchCommand>())
            {
                batch.BatchCommands.Add(command);
            }

            if (batch.BatchCommands.Count > 0)
            {
                await batch.ExecuteNonQueryAsync(cancellationToken);
            }
        }, cancellationToken);
        metrics.Projected(Feed, applied);
        return applied;
    }

    private static NpgsqlBatchCommand? Command(IssuanceEvent change)
    {
        var at = change.OccurredAt?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch;
        switch (change.EventCase)
        {
            case IssuanceEvent.EventOneofCase.Issued:
                var voucher = change.Issued.Voucher;
                var keys = new Voucher();
                keys.HolderKeys.Add(voucher.HolderKeys);
                return With(
                    """
                    INSERT INTO vouchers (voucher_id, campaign_id, round_id, tier_id, tier_name, category_id, channel_id, face_value_cents,
                        status, claimed_at, valid_until, ended_at, holder_display_name, holder_phone_hash, holder_keys, redemption_id,
                        merchant_id, used_at, feed_sequence)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12, $13, $14, '', '', NULL, $15)
                    ON CONFLICT (voucher_id) DO NOTHING
                    """,
                    voucher.VoucherId, string.IsNullOrEmpty(voucher.CampaignId) ? change.CampaignId : voucher.CampaignId, voucher.RoundId, voucher.TierId,
                    voucher.TierName, voucher.CategoryId, voucher.ChannelId, voucher.FaceValueCents, (short)VoucherStatus.Unused,
                    voucher.ClaimedAt?.ToDateTimeOffset() ?? at, (object?)voucher.ValidUntil?.ToDateTimeOffset() ?? DBNull.Value,
                    change.Issued.HolderDisplayName, RedemptionProjection.PhoneHash(voucher.HolderKeys), keys.ToByteArray(), change.Sequence);
            case IssuanceEvent.EventOneofCase.Consumed:
                return With(
                    "UPDATE vouchers SET status = $2, redemption_id = $3, merchant_id = $4, used_at = $5, feed_sequence = $6 WHERE voucher_id = $1",
                    change.Consumed.VoucherId, (short)VoucherStatus.Used, change.Consumed.RedemptionId, change.Consumed.MerchantId, at, change.Sequence);
            case IssuanceEvent.EventOneofCase.Reinstated:
                return With(
                    "UPDATE vouchers SET status = $2, redemption_id = '', merchant_id = '', used_at = NULL, feed_sequence = $3 WHERE voucher_id = $1",
                    change.Reinstated.VoucherId, (short)VoucherStatus.Unused, change.Sequence);
            case IssuanceEvent.EventOneofCase.Expired:
                return With(
                    "UPDATE vouchers SET status = $2, ended_at = $3, feed_sequence = $4 WHERE voucher_id = $1",
                    change.Expired.VoucherId, (short)VoucherStatus.Expired, at, change.Sequence);
            case IssuanceEvent.EventOneofCase.Revoked:
                return With(
                    "UPDATE vouchers SET status = $2, ended_at = $3, feed_sequence = $4 WHERE voucher_id = $1",
                    change.Revoked.VoucherId, (short)VoucherStatus.Revoked, at, change.Sequence);
            default:
                // An event kind this build does not know: its cursor still advances, the voucher rows stay as they are.
                return null;
        }
    }

    private static NpgsqlBatchCommand With(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }
}
