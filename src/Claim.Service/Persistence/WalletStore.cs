using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;

namespace Claim.Service.Persistence;

/// <summary>The wallet ("my vouchers") and expiry, over claimdb.</summary>
public sealed class WalletStore(NpgsqlDataSource dataSource)
{
    /// <summary>The holder's vouchers, newest first (voucher ids are time-ordered), after <paramref name="afterVoucherId"/>.</summary>
    public async Task<List<Voucher>> ListAsync(string accountHash, string campaignId, IReadOnlyCollection<VoucherStatus> statuses, int pageSize, string? afterVoucherId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {VoucherStore.VoucherColumns} FROM vouchers
            WHERE holder_account_hash = @holder
              AND (@campaign = '' OR campaign_id = @campaign)
              AND (cardinality(@statuses) = 0 OR status = ANY(@statuses))
              AND (@after::text IS NULL OR voucher_id < @after)
            ORDER BY voucher_id DESC
            LIMIT @limit
            """);
        command.Parameters.AddWithValue("holder", accountHash);
        command.Parameters.AddWithValue("campaign", campaignId);
        command.Parameters.AddWithValue("statuses", statuses.Select(VoucherStatusColumn.Of).ToArray());
        command.Parameters.AddWithValue("after", (object?)afterVoucherId ?? DBNull.Value);
        command.Parameters.AddWithValue("limit", pageSize);
        var vouchers = new List<Voucher>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            vouchers.Add(VoucherStore.ReadVoucher(reader));
        }

        return vouchers;
    }

    /// <summary>One voucher, only if held by <paramref name="accountHash"/> (null otherwise: not found and not yours look the same).</summary>
    public async Task<Voucher?> GetAsync(string voucherId, string? accountHash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {VoucherStore.VoucherColumns} FROM vouchers WHERE voucher_id = @id AND (@holder::text IS NULL OR holder_account_hash = @holder)");
        command.Parameters.AddWithValue("id", voucherId);
        command.Parameters.AddWithValue("holder", (object?)accountHash ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? VoucherStore.ReadVoucher(reader) : null;
    }

    /// <summary>
    /// Expires every unused voucher whose validity ended by <paramref name="now"/> (optionally in one campaign), with a
    /// feed event each, in one transaction; the expired value is what the pool report counts as returned. With
    /// <paramref name="validAfter"/>, only validity ends after it are read (the scheduler's window since its last pass);
    /// without, all of them. The statement repeats ix_vouchers_expiry's filter so the planner can read that index.
    /// </summary>
    public async Task<VoucherTally> ExpireAsync(DateTimeOffset now, string campaignId, CancellationToken cancellationToken, DateTimeOffset? validAfter = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var update = new NpgsqlCommand(
            """
            UPDATE vouchers SET status = @expired, ended_at = @now, version = version + 1, lock_id = NULL, lock_expires_at = NULL
            WHERE valid_until <= @now AND valid_until > coalesce(@after, '-infinity'::timestamptz) AND ended_at IS NULL
              AND (status = @unused OR (status = @locked AND lock_expires_at <= @now))
              AND (@campaign = '' OR campaign_id = @campaign)
            RETURNING voucher_id, campaign_id, face_value_cents
            """,
            connection,
            transaction);
        update.Parameters.AddWithValue("now", now.UtcDateTime);
        update.Parameters.Add(new NpgsqlParameter("after", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = (object?)validAfter?.UtcDateTime ?? DBNull.Value });
        VoucherStatusColumn.AddParameters(update, VoucherStatus.Expired, VoucherStatus.Unused, VoucherStatus.Locked);
        update.Parameters.AddWithValue("campaign", campaignId);
        var events = new List<IssuanceEvent>();
        var tally = new VoucherTally();
        await using (var reader = await update.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var face = reader.GetInt64(2);
                tally.Count++;
                tally.FaceValueCents += face;
                events.Add(new IssuanceEvent
                {
                    CampaignId = reader.GetString(1),
                    OccurredAt = Timestamp.FromDateTimeOffset(now),
                    Expired = new VoucherExpired { VoucherId = reader.GetString(0), FaceValueCents = face },
                });
            }
        }

        await VoucherStore.AppendEventsAsync(connection, transaction, events, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return tally;
    }

    /// <summary>A new presentation code for the voucher, replacing any earlier one.</summary>
    public async Task<PresentationCode> CreatePresentationCodeAsync(string voucherId, DateTimeOffset now, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var token = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var replace = new NpgsqlCommand("UPDATE presentation_codes SET replaced_at = @now WHERE voucher_id = @id AND replaced_at IS NULL", connection, transaction))
        {
            replace.Parameters.AddWithValue("now", now.UtcDateTime);
            replace.Parameters.AddWithValue("id", voucherId);
            await replace.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var insert = new NpgsqlCommand("INSERT INTO presentation_codes (token, voucher_id, created_at, expires_at) VALUES (@token, @id, @now, @expires)", connection, transaction))
        {
            insert.Parameters.AddWithValue("token", token);
            insert.Parameters.AddWithValue("id", voucherId);
            insert.Parameters.AddWithValue("now", now.UtcDateTime);
            insert.Parameters.AddWithValue("expires", (now + lifetime).UtcDateTime);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new PresentationCode { Token = token, QrPayload = "vcq1:" + token, ExpiresAt = Timestamp.FromDateTimeOffset(now + lifetime) };
    }
}
