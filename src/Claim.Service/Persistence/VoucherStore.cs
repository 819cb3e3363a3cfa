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
    /// Writes a batch of issued vouchers in one transaction, with one feed event per voucher actually inserted, so a
    /// batch written twice (a persister died before acknowledging) changes nothing the second time. Returns how many
    /// vouchers were new. A batch is nearly always new: it goes in with binary COPY, which PostgreSQL loads as a bulk
    /// insert (no per-row statement, projection or conflict arbitration); only when that meets a voucher already
    /// there (unique violation, the whole COPY rolled back) is the batch written again with
    /// INSERT … ON CONFLICT DO NOTHING, which skips the ones present.
    /// </summary>
    public async Task<int> PersistIssuedAsync(IReadOnlyList<IssuedVoucher> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return 0;
        }

        var issued = new byte[batch.Count][];
        for (var i = 0; i < batch.Count; i++)
        {
            issued[i] = batch[i].Voucher.ToByteArray();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await CopyIssuedAsync(connection, batch, issued, cancellationToken);
            await AppendEventsAsync(connection, transaction, IssuedEvents(batch, null), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return batch.Count;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Some of the batch is in claimdb already (a retried batch, a takeover, a repair); the transaction was
            // rolled back on the server and disposed here.
        }

        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var inserted = await InsertIssuedAsync(connection, transaction, batch, issued, cancellationToken);
            await AppendEventsAsync(connection, transaction, IssuedEvents(batch, inserted), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return inserted.Count;
        }
    }

    private static List<IssuanceEvent> IssuedEvents(IReadOnlyList<IssuedVoucher> batch, HashSet<string>? inserted)
    {
        var events = new List<IssuanceEvent>(batch.Count);
        foreach (var b in batch)
        {
            if (inserted is null || inserted.Contains(b.Voucher.VoucherId))
            {
                events.Add(new IssuanceEvent
                {
                    CampaignId = b.Voucher.CampaignId,
                    OccurredAt = b.Voucher.ClaimedAt,
                    Issued = new VoucherIssued { Voucher = b.Voucher, RequestId = b.RequestId, HolderDisplayName = b.HolderDisplayName, Drawn = b.Drawn },
                });
            }
        }

        return events;
    }

    private static async Task CopyIssuedAsync(NpgsqlConnection connection, IReadOnlyList<IssuedVoucher> batch, byte[][] issued, CancellationToken cancellationToken)
    {
        await using var writer = await connection.BeginBinaryImportAsync(
            """
            COPY vouchers (voucher_id, request_id, campaign_id, round_id, tier_id, category_id, channel_id, holder_account_hash,
                           face_value_cents, claimed_at, valid_from, valid_until, drawn, issued, stream_id, status, version)
            FROM STDIN (FORMAT BINARY)
            """,
            cancellationToken);
        for (var i = 0; i < batch.Count; i++)
        {
            var b = batch[i];
            var v = b.Voucher;
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(v.VoucherId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(b.RequestId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(v.CampaignId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(v.RoundId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(v.TierId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(v.CategoryId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(v.ChannelId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(b.AccountHash, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(v.FaceValueCents, NpgsqlDbType.Bigint, cancellationToken);
            await writer.WriteAsync(v.ClaimedAt.ToDateTime(), NpgsqlDbType.TimestampTz, cancellationToken);
            await writer.WriteAsync(v.ValidFrom.ToDateTime(), NpgsqlDbType.TimestampTz, cancellationToken);
            if (v.ValidUntil is null)
            {
                await writer.WriteNullAsync(cancellationToken);
            }
            else
            {
                await writer.WriteAsync(v.ValidUntil.ToDateTime(), NpgsqlDbType.TimestampTz, cancellationToken);
            }

            await writer.WriteAsync(b.Drawn, NpgsqlDbType.Boolean, cancellationToken);
            await writer.WriteAsync(issued[i], NpgsqlDbType.Bytea, cancellationToken);
            await writer.WriteAsync(b.StreamId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync((short)1, NpgsqlDbType.Smallint, cancellationToken);
            await writer.WriteAsync(1L, NpgsqlDbType.Bigint, cancellationToken);
        }

        await writer.CompleteAsync(cancellationToken);
    }

    private static async Task<HashSet<string>> InsertIssuedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<IssuedVoucher> batch, byte[][] issued, CancellationToken cancellationToken)
    {
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
        insert.Parameters.Add(new NpgsqlParameter<byte[][]>("issued", issued));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("streams", batch.Select(b => b.StreamId).ToArray()));

        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted.Add(reader.GetString(0));
        }

        return inserted;
    }

    /// <summary>The voucher as issued for a request id of a campaign, or null when claimdb does not hold it.</summary>
    public async Task<Voucher?> FindIssuedAsync(string campaignId, string requestId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT issued FROM vouchers WHERE campaign_id = @campaign AND request_id = @request");
        command.Parameters.AddWithValue("campaign", campaignId);
        command.Parameters.AddWithValue("request", requestId);
        return await command.ExecuteScalarAsync(cancellationToken) is byte[] issued ? Voucher.Parser.ParseFrom(issued) : null;
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

        // Binary COPY: a sequence cannot collide (it is numbered under the lock), and a bulk load is the cheapest
        // way in for the persister's batches of hundreds.
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY issuance_events (sequence, campaign_id, voucher_id, occurred_at, payload) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var e in events)
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(e.Sequence, NpgsqlDbType.Bigint, cancellationToken);
            await writer.WriteAsync(e.CampaignId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(VoucherIdOf(e), NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync((e.OccurredAt ?? Timestamp.FromDateTime(DateTime.UnixEpoch)).ToDateTime(), NpgsqlDbType.TimestampTz, cancellationToken);
            await writer.WriteAsync(e.ToByteArray(), NpgsqlDbType.Bytea, cancellationToken);
        }

        await writer.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// The statements that append the events of one or many voucher changes at the end of their batch, two whatever
    /// their number: the feed's advisory lock, then one INSERT numbering them after the last event in the order given
    /// (gap-free, like the COPY path). The lock is a statement of its own because a statement's snapshot is taken when
    /// it starts: the INSERT starts once the lock is held, so its max(sequence) sees every earlier event committed.
    /// The stored payload carries no sequence; the feed reads it from the column.
    /// </summary>
    internal static IEnumerable<NpgsqlBatchCommand> AppendEventCommands(IReadOnlyList<IssuanceEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            yield break;
        }

        var gate = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)");
        gate.Parameters.Add(new NpgsqlParameter { Value = FeedLockKey });
        yield return gate;
        var campaignIds = new string[events.Count];
        var voucherIds = new string[events.Count];
        var occurredAt = new DateTime[events.Count];
        var payloads = new byte[events.Count][];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            campaignIds[i] = e.CampaignId;
            voucherIds[i] = VoucherIdOf(e);
            occurredAt[i] = (e.OccurredAt ?? Timestamp.FromDateTime(DateTime.UnixEpoch)).ToDateTime();
            payloads[i] = e.ToByteArray();
        }

        var insert = new NpgsqlBatchCommand(
            """
            INSERT INTO issuance_events (sequence, campaign_id, voucher_id, occurred_at, payload)
            SELECT feed.last_sequence + e.ordinal, e.campaign_id, e.voucher_id, e.occurred_at, e.payload
            FROM (SELECT coalesce(max(sequence), 0) AS last_sequence FROM issuance_events) AS feed
            CROSS JOIN unnest($1::text[], $2::text[], $3::timestamptz[], $4::bytea[]) WITH ORDINALITY AS e(campaign_id, voucher_id, occurred_at, payload, ordinal)
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = campaignIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = voucherIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = occurredAt, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        insert.Parameters.Add(new NpgsqlParameter { Value = payloads, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        yield return insert;
    }

    /// <summary>The voucher as it stands: the issued message with the current status fields laid over it.</summary>
    internal static Voucher ReadVoucher(NpgsqlDataReader reader, int offset = 0)
    {
        var voucher = Voucher.Parser.ParseFrom((byte[])reader[offset]);
        voucher.Status = VoucherStatusColumn.From(reader.GetInt16(offset + 1));
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
