using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using NpgsqlTypes;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;

namespace Claim.Service.Persistence;

/// <summary>A voucher read from a stream entry, ready to be written to claimdb.</summary>
public sealed record IssuedVoucher(string StreamId, Voucher Voucher, string RequestId, bool Drawn, string HolderDisplayName)
{
    public string AccountHash => Voucher.HolderKeys.FirstOrDefault(k => k.Kind == IdentityKeyKind.ChannelAccount)?.KeyHash ?? string.Empty;
}

/// <summary>claimdb access shared by the persister, the wallet, usage, admin and the feed.</summary>
public sealed class VoucherStore(NpgsqlDataSource dataSource)
{
    internal const string VoucherColumns =
        "issued, status, version, lock_id, lock_expires_at, redemption_id, merchant_id, merchant_trade_name, used_at, ended_at, revoke_reason";

    // One constant key serialises feed appends, so sequences are gap-free and committed in order.
    private const long FeedLockKey = 0x436c61696d466565;

    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>
    /// Writes a batch of issued vouchers in one transaction with one multi-row INSERT … ON CONFLICT DO NOTHING,
    /// and one feed event per voucher actually inserted, so a batch written twice (a persister died before
    /// acknowledging) changes nothing the second time. Returns how many vouchers were new.
    /// </summary>
    public async Task<int> PersistIssuedAsync(IReadOnlyList<IssuedVoucher> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return 0;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO vouchers (voucher_id, request_id, campaign_id, round_id, tier_id, category_id, channel_id, holder_account_hash,
                                  face_value_cents, claimed_at, valid_from, valid_until, drawn, issued, stream_id, status, version)
            SELECT u.*, 1, 1
            FROM unnest(@ids, @requests, @campaigns, @rounds, @tiers, @categories, @channels, @holders,
                        @faces, @claimed, @from, @until, @drawn, @issued, @streams) AS u
            ON CONFLICT DO NOTHING
            RETURNING voucher_id
            """,
            connection,
            transaction);
        insert.Parameters.Add(new NpgsqlParameter<string[]>("ids", batch.Select(b => b.Voucher.VoucherId).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("requests", batch.Select(b => b.RequestId).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("campaigns", batch.Select(b => b.Voucher.CampaignId).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("rounds", batch.Select(b => b.Voucher.RoundId).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("tiers", batch.Select(b => b.Voucher.TierId).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("categories", batch.Select(b => b.Voucher.CategoryId).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("channels", batch.Select(b => b.Voucher.ChannelId).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("holders", batch.Select(b => b.AccountHash).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<long[]>("faces", batch.Select(b => b.Voucher.FaceValueCents).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<DateTime[]>("claimed", batch.Select(b => b.Voucher.ClaimedAt.ToDateTime()).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<DateTime[]>("from", batch.Select(b => b.Voucher.ValidFrom.ToDateTime()).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter("until", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
        {
            Value = batch.Select(b => b.Voucher.ValidUntil is null ? (object)DBNull.Value : b.Voucher.ValidUntil.ToDateTime()).ToArray(),
        });
        insert.Parameters.Add(new NpgsqlParameter<bool[]>("drawn", batch.Select(b => b.Drawn).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<byte[][]>("issued", batch.Select(b => b.Voucher.ToByteArray()).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("streams", batch.Select(b => b.StreamId).ToArray()));

        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await insert.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                inserted.Add(reader.GetString(0));
            }
        }

        var events = batch
            .Where(b => inserted.Contains(b.Voucher.VoucherId))
            .Select(b => new IssuanceEvent
            {
                CampaignId = b.Voucher.CampaignId,
                OccurredAt = b.Voucher.ClaimedAt,
                Issued = new VoucherIssued { Voucher = b.Voucher, RequestId = b.RequestId, HolderDisplayName = b.HolderDisplayName, Drawn = b.Drawn },
            })
            .ToList();
        await AppendEventsAsync(connection, transaction, events, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return inserted.Count;
    }

    /// <summary>
    /// Appends feed events inside the caller's transaction, numbering them after the feed's last event while
    /// holding a transaction-scoped advisory lock, so sequence order is commit order and nothing is skipped.
    /// </summary>
    public static async Task AppendEventsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<IssuanceEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        await using (var gate = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            gate.Parameters.AddWithValue("key", FeedLockKey);
            await gate.ExecuteNonQueryAsync(cancellationToken);
        }

        long last;
        await using (var max = new NpgsqlCommand("SELECT coalesce(max(sequence), 0) FROM issuance_events", connection, transaction))
        {
            last = (long)(await max.ExecuteScalarAsync(cancellationToken))!;
        }

        foreach (var (e, i) in events.Select((e, i) => (e, i)))
        {
            e.Sequence = last + i + 1;
            e.Cursor = FeedCursor.Format(e.Sequence);
        }

        await using var insert = new NpgsqlCommand(
            "INSERT INTO issuance_events (sequence, campaign_id, voucher_id, occurred_at, payload) SELECT * FROM unnest(@sequences, @campaigns, @vouchers, @times, @payloads)",
            connection,
            transaction);
        insert.Parameters.Add(new NpgsqlParameter<long[]>("sequences", events.Select(e => e.Sequence).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("campaigns", events.Select(e => e.CampaignId).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("vouchers", events.Select(VoucherIdOf).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<DateTime[]>("times", events.Select(e => (e.OccurredAt ?? Timestamp.FromDateTime(DateTime.UnixEpoch)).ToDateTime()).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<byte[][]>("payloads", events.Select(e => e.ToByteArray()).ToArray()));
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The voucher as it stands: the issued message with the current status fields laid over it.</summary>
    internal static Voucher ReadVoucher(NpgsqlDataReader reader, int offset = 0)
    {
        var voucher = Voucher.Parser.ParseFrom((byte[])reader[offset]);
        voucher.Status = (VoucherStatus)reader.GetInt16(offset + 1);
        voucher.Version = reader.GetInt64(offset + 2);
        if (!reader.IsDBNull(offset + 5))
        {
            voucher.Use = new VoucherUse
            {
                RedemptionId = reader.GetString(offset + 5),
                MerchantId = reader.IsDBNull(offset + 6) ? string.Empty : reader.GetString(offset + 6),
                MerchantTradeName = reader.IsDBNull(offset + 7) ? string.Empty : reader.GetString(offset + 7),
                UsedAt = reader.IsDBNull(offset + 8) ? null : Timestamp.FromDateTime(DateTime.SpecifyKind(reader.GetDateTime(offset + 8), DateTimeKind.Utc)),
            };
        }

        if (!reader.IsDBNull(offset + 9))
        {
            voucher.EndedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(reader.GetDateTime(offset + 9), DateTimeKind.Utc));
        }

        voucher.RevokeReason = reader.IsDBNull(offset + 10) ? string.Empty : reader.GetString(offset + 10);
        return voucher;
    }

    private static string VoucherIdOf(IssuanceEvent e) => e.EventCase switch
    {
        IssuanceEvent.EventOneofCase.Issued => e.Issued.Voucher.VoucherId,
        IssuanceEvent.EventOneofCase.Consumed => e.Consumed.VoucherId,
        IssuanceEvent.EventOneofCase.Reinstated => e.Reinstated.VoucherId,
        IssuanceEvent.EventOneofCase.Expired => e.Expired.VoucherId,
        IssuanceEvent.EventOneofCase.Revoked => e.Revoked.VoucherId,
        _ => string.Empty,
    };
}

/// <summary>Feed cursors: opaque to consumers, a sequence number underneath.</summary>
public static class FeedCursor
{
    private const string Prefix = "iss1.";

    public static string Format(long sequence) => Prefix + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static bool TryParse(string cursor, out long sequence)
    {
        sequence = 0;
        return cursor is not null
            && cursor.StartsWith(Prefix, StringComparison.Ordinal)
            && long.TryParse(cursor.AsSpan(Prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out sequence)
            && sequence >= 0;
    }
}
