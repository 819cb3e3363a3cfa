using Claim.Service.Persistence;
using Npgsql;
using NpgsqlTypes;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;

namespace Claim.Service.Usage;

/// <summary>
/// What a <see cref="VoucherChange"/> decided to write to its voucher row (and the records that go with it), as values;
/// <see cref="VoucherWriteCombiner"/> holds the SQL. A change writes its row at most once.
/// </summary>
internal abstract record VoucherRowWrite(string VoucherId);

internal sealed record LockWrite(string VoucherId, string LockId, DateTime ExpiresAtUtc) : VoucherRowWrite(VoucherId);

internal sealed record ReleaseWrite(string VoucherId) : VoucherRowWrite(VoucherId);

/// <summary>The row marked used and the consumption recorded.</summary>
internal sealed record ConsumeWrite(string VoucherId, string RedemptionId, string MerchantId, string MerchantTradeName, DateTime UsedAtUtc, DateTime ConsumedAtUtc)
    : VoucherRowWrite(VoucherId);

/// <summary>The row back to <paramref name="Status"/>, its consumption marked reversed and the reinstatement recorded.</summary>
internal sealed record ReinstateWrite(string VoucherId, VoucherStatus Status, string RedemptionId, string ReversalId, string Reason, DateTime? EndedAtUtc, DateTime ReinstatedAtUtc)
    : VoucherRowWrite(VoucherId);

internal sealed record RevokeWrite(string VoucherId, string Reason, DateTime EndedAtUtc) : VoucherRowWrite(VoucherId);

/// <summary>
/// Turns the writes of any number of changes (one for the single calls, a round's worth for the batch calls) into a
/// fixed number of statements: one per kind of write present, each taking its rows as arrays, and the feed's two. This
/// is the only place the usage writes' SQL lives, so the single and the batch path cannot drift apart. The statements
/// come in the order one change's statements came: voucher rows, then the records, then the feed, whose lock is thus
/// taken last and held only for the rest of the batch.
/// </summary>
internal sealed class VoucherWriteCombiner
{
    private readonly List<LockWrite> _locks = [];
    private readonly List<ReleaseWrite> _releases = [];
    private readonly List<ConsumeWrite> _consumes = [];
    private readonly List<ReinstateWrite> _reinstates = [];
    private readonly List<RevokeWrite> _revokes = [];
    private readonly List<IssuanceEvent> _events = [];

    // One statement updates a row once however often the row is named in its arrays, where separate statements would
    // each have applied; the rounds never name a voucher twice, and this keeps it so.
    private readonly HashSet<string> _writtenVoucherIds = new(StringComparer.Ordinal);

    /// <summary>Adds a decided change's writes; changes added later have their events numbered later.</summary>
    public void Add(VoucherChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.RowWrite is { } write)
        {
            if (!_writtenVoucherIds.Add(write.VoucherId))
            {
                throw new InvalidOperationException($"voucher '{write.VoucherId}' is written by two changes of one transaction");
            }

            switch (write)
            {
                case LockWrite locking:
                    _locks.Add(locking);
                    break;
                case ReleaseWrite release:
                    _releases.Add(release);
                    break;
                case ConsumeWrite consume:
                    _consumes.Add(consume);
                    break;
                case ReinstateWrite reinstate:
                    _reinstates.Add(reinstate);
                    break;
                case RevokeWrite revoke:
                    _revokes.Add(revoke);
                    break;
                default:
                    throw new InvalidOperationException($"no statement writes {write.GetType().Name}");
            }
        }

        _events.AddRange(change.Events);
    }

    public void AddTo(NpgsqlBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var commands = batch.BatchCommands;
        if (_locks.Count > 0)
        {
            commands.Add(Statement(
                """
                UPDATE vouchers SET status = $1, lock_id = u.lock_id, lock_expires_at = u.lock_expires_at, version = vouchers.version + 1
                FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS u(voucher_id, lock_id, lock_expires_at)
                WHERE vouchers.voucher_id = u.voucher_id
                """,
                Status(VoucherStatus.Locked),
                Texts(_locks, w => w.VoucherId),
                Texts(_locks, w => w.LockId),
                Times(_locks, w => w.ExpiresAtUtc)));
        }

        if (_releases.Count > 0)
        {
            commands.Add(Statement(
                "UPDATE vouchers SET status = $1, lock_id = NULL, lock_expires_at = NULL, version = version + 1 WHERE voucher_id = ANY($2::text[])",
                Status(VoucherStatus.Unused),
                Texts(_releases, w => w.VoucherId)));
        }

        if (_consumes.Count > 0)
        {
            commands.Add(Statement(
                """
                UPDATE vouchers SET status = $1, lock_id = NULL, lock_expires_at = NULL, redemption_id = u.redemption_id, merchant_id = u.merchant_id,
                                    merchant_trade_name = u.merchant_trade_name, used_at = u.used_at, version = vouchers.version + 1
                FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS u(voucher_id, redemption_id, merchant_id, merchant_trade_name, used_at)
                WHERE vouchers.voucher_id = u.voucher_id
                """,
                Status(VoucherStatus.Used),
                Texts(_consumes, w => w.VoucherId),
                Texts(_consumes, w => w.RedemptionId),
                Texts(_consumes, w => w.MerchantId),
                Texts(_consumes, w => w.MerchantTradeName),
                Times(_consumes, w => w.UsedAtUtc)));
        }

        if (_reinstates.Count > 0)
        {
            commands.Add(Statement(
                """
                UPDATE vouchers SET status = u.status, redemption_id = NULL, merchant_id = NULL, merchant_trade_name = NULL, used_at = NULL,
                                    ended_at = u.ended_at, version = vouchers.version + 1
                FROM unnest($1::text[], $2::smallint[], $3::timestamptz[]) AS u(voucher_id, status, ended_at)
                WHERE vouchers.voucher_id = u.voucher_id
                """,
                Texts(_reinstates, w => w.VoucherId),
                new NpgsqlParameter { Value = _reinstates.Select(w => VoucherStatusColumn.Of(w.Status)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint },
                new NpgsqlParameter { Value = _reinstates.Select(w => w.EndedAtUtc).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz }));
        }

        if (_revokes.Count > 0)
        {
            commands.Add(Statement(
                """
                UPDATE vouchers SET status = $1, ended_at = u.ended_at, revoke_reason = u.revoke_reason, lock_id = NULL, lock_expires_at = NULL,
                                    version = vouchers.version + 1
                FROM unnest($2::text[], $3::timestamptz[], $4::text[]) AS u(voucher_id, ended_at, revoke_reason)
                WHERE vouchers.voucher_id = u.voucher_id
                """,
                Status(VoucherStatus.Revoked),
                Texts(_revokes, w => w.VoucherId),
                Times(_revokes, w => w.EndedAtUtc),
                Texts(_revokes, w => w.Reason)));
        }

        if (_reinstates.Count > 0)
        {
            // Reversed before any consumption of this batch is recorded: a reinstated voucher no longer holds the live consumption.
            commands.Add(Statement(
                """
                UPDATE voucher_consumptions SET reversed_at = u.reversed_at
                FROM unnest($1::text[], $2::timestamptz[]) AS u(redemption_id, reversed_at)
                WHERE voucher_consumptions.redemption_id = u.redemption_id
                """,
                Texts(_reinstates, w => w.RedemptionId),
                Times(_reinstates, w => w.ReinstatedAtUtc)));
        }

        if (_consumes.Count > 0)
        {
            commands.Add(Statement(
                "INSERT INTO voucher_consumptions (redemption_id, voucher_id, consumed_at) SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])",
                Texts(_consumes, w => w.RedemptionId),
                Texts(_consumes, w => w.VoucherId),
                Times(_consumes, w => w.ConsumedAtUtc)));
        }

        if (_reinstates.Count > 0)
        {
            commands.Add(Statement(
                """
                INSERT INTO voucher_reinstatements (reversal_id, voucher_id, redemption_id, reason, reinstated_at)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
                """,
                Texts(_reinstates, w => w.ReversalId),
                Texts(_reinstates, w => w.VoucherId),
                Texts(_reinstates, w => w.RedemptionId),
                Texts(_reinstates, w => w.Reason),
                Times(_reinstates, w => w.ReinstatedAtUtc)));
        }

        foreach (var command in VoucherStore.AppendEventCommands(_events))
        {
            commands.Add(command);
        }
    }

    private static NpgsqlBatchCommand Statement(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter Status(VoucherStatus status) => new() { Value = VoucherStatusColumn.Of(status), NpgsqlDbType = NpgsqlDbType.Smallint };

    private static NpgsqlParameter Texts<TWrite>(List<TWrite> writes, Func<TWrite, string> column) =>
        new() { Value = writes.ConvertAll(w => column(w)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static NpgsqlParameter Times<TWrite>(List<TWrite> writes, Func<TWrite, DateTime> column) =>
        new() { Value = writes.ConvertAll(w => column(w)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };
}
