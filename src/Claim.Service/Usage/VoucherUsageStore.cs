using Claim.Service.HotPath;
using Claim.Service.Persistence;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using ServiceDefaults;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;

namespace Claim.Service.Usage;

/// <summary>A voucher row as the usage calls decide on it: the voucher, its holder and its lock.</summary>
public sealed record VoucherRow(Voucher Voucher, string HolderHash, string? LockId, DateTimeOffset? LockExpiresAt)
{
    /// <summary>A lock whose time ran out holds nothing: the voucher is UNUSED again for every purpose.</summary>
    public bool IsLockLapsed(DateTimeOffset now) => Voucher.Status == VoucherStatus.Locked && LockExpiresAt is { } expires && expires <= now;

    public bool IsLockedBy(string lockId, DateTimeOffset now) =>
        Voucher.Status == VoucherStatus.Locked && !IsLockLapsed(now) && string.Equals(LockId, lockId, StringComparison.Ordinal);

    /// <summary>The voucher as callers should see it at <paramref name="now"/>.</summary>
    public Voucher Current(DateTimeOffset now)
    {
        if (IsLockLapsed(now))
        {
            var copy = Voucher.Clone();
            copy.Status = VoucherStatus.Unused;
            return copy;
        }

        return Voucher;
    }
}

/// <summary>
/// Voucher state changes for Redemption, each one transaction that row-locks the voucher (SELECT … FOR UPDATE),
/// so two redemptions racing for one voucher are serialised by Postgres and exactly one of them wins.
/// </summary>
public sealed class VoucherUsageStore(NpgsqlDataSource dataSource)
{
    private const string RowColumns = VoucherStore.VoucherColumns + ", holder_account_hash";

    public async Task<VoucherRow?> FindAsync(string voucherId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {RowColumns} FROM vouchers WHERE voucher_id = @id");
        command.Parameters.AddWithValue("id", voucherId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRow(reader) : null;
    }

    /// <summary>Unused (or lapsed-lock) vouchers of the holder inside their validity at <paramref name="at"/>; usage hours are the caller's to check.</summary>
    public async Task<List<VoucherRow>> ListValidAsync(string holderHash, string campaignId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {RowColumns} FROM vouchers
            WHERE holder_account_hash = @holder AND (@campaign = '' OR campaign_id = @campaign)
              AND (status = @unused OR (status = @locked AND lock_expires_at <= @at))
              AND valid_from <= @at AND (valid_until IS NULL OR valid_until > @at)
            ORDER BY voucher_id
            """);
        command.Parameters.AddWithValue("holder", holderHash);
        command.Parameters.AddWithValue("campaign", campaignId);
        command.Parameters.AddWithValue("at", at.UtcDateTime);
        VoucherStatusColumn.AddParameters(command, VoucherStatus.Unused, VoucherStatus.Locked);
        var rows = new List<VoucherRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadRow(reader));
        }

        return rows;
    }

    /// <summary>The voucher behind a presentation token, with the token's state.</summary>
    public async Task<(string VoucherId, DateTimeOffset ExpiresAt, bool Replaced)?> FindCodeAsync(string token, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT voucher_id, expires_at, replaced_at IS NOT NULL FROM presentation_codes WHERE token = @token");
        command.Parameters.AddWithValue("token", token);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetString(0), Utc(reader.GetDateTime(1)), reader.GetBoolean(2))
            : null;
    }

    /// <summary>
    /// Runs <paramref name="decide"/> on the row-locked voucher inside a transaction; what it writes through the
    /// <see cref="VoucherChange"/> (updates, records, feed events) commits together. Null when the voucher does not exist.
    /// Two round trips: BEGIN, the row lock and the <paramref name="prior"/> record the decision needs; then the writes
    /// and COMMIT.
    /// </summary>
    public async Task<T?> ChangeAsync<T>(string voucherId, Func<VoucherRow, VoucherChange, Task<T>> decide, CancellationToken cancellationToken, PriorRecord? prior = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(decide);
        await using var transaction = await PipelinedTransaction.OpenAsync(dataSource, cancellationToken);
        VoucherRow? row;
        string? priorVoucherId = null;
        await using (var read = transaction.CreateBatch())
        {
            var select = new NpgsqlBatchCommand($"SELECT {RowColumns} FROM vouchers WHERE voucher_id = @id FOR UPDATE");
            select.Parameters.AddWithValue("id", voucherId);
            read.BatchCommands.Add(select);
            if (prior is not null)
            {
                var lookup = new NpgsqlBatchCommand(prior.Sql);
                lookup.Parameters.AddWithValue("key", prior.Key);
                read.BatchCommands.Add(lookup);
            }

            await using var reader = await transaction.ReadAsync(read, cancellationToken);
            row = await reader.ReadAsync(cancellationToken) ? ReadRow(reader) : null;
            if (prior is not null && await reader.NextResultAsync(cancellationToken) && await reader.ReadAsync(cancellationToken))
            {
                priorVoucherId = reader.GetString(0);
            }
        }

        if (row is null)
        {
            return null;
        }

        var change = new VoucherChange(voucherId, prior, priorVoucherId);
        var result = await decide(row, change);
        await using var write = transaction.CreateBatch();
        foreach (var command in change.Writes)
        {
            write.BatchCommands.Add(command);
        }

        await transaction.CommitAsync(write, cancellationToken);
        return result;
    }

    internal static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    internal static Timestamp Stamp(DateTimeOffset value) => Timestamp.FromDateTimeOffset(value);

    private static VoucherRow ReadRow(NpgsqlDataReader reader)
    {
        var voucher = VoucherStore.ReadVoucher(reader);
        return new VoucherRow(
            voucher,
            reader.GetString(11),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.IsDBNull(4) ? null : Utc(reader.GetDateTime(4)));
    }
}

/// <summary>Reading a voucher's own time rules (validity, daily usage hours in its campaign's zone).</summary>
public static class VoucherTimes
{
    public static VoucherRules.VoucherTimeStatus Check(Voucher voucher, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(voucher);
        var validity = new VoucherRules.TimeWindow(voucher.ValidFrom.ToDateTimeOffset(), voucher.ValidUntil?.ToDateTimeOffset());
        var zone = VoucherRules.TimeZones.Resolve(string.IsNullOrWhiteSpace(voucher.TimeZone) ? null : voucher.TimeZone);
        var hours = voucher.DailyUsageHours is { Start: not null, End: not null } window
            ? new VoucherRules.DailyUsageHours(new VoucherRules.WallClock(window.Start.Hour, window.Start.Minute), new VoucherRules.WallClock(window.End.Hour, window.End.Minute))
            : null;
        return VoucherRules.VoucherValidity.Check(validity, hours, zone, now);
    }

    /// <summary>The lock refusal a time status stands for; null when usable.</summary>
    public static VoucherUnavailableReason? Refusal(VoucherRules.VoucherTimeStatus status) => status switch
    {
        VoucherRules.VoucherTimeStatus.NotYetValid => VoucherUnavailableReason.NotYetValid,
        VoucherRules.VoucherTimeStatus.Expired => VoucherUnavailableReason.Expired,
        VoucherRules.VoucherTimeStatus.OutsideUsageHours => VoucherUnavailableReason.OutsideUsageHours,
        _ => null,
    };

    internal static void RequireId(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw InvalidArgumentException.ForField(field, $"{field} is required");
        }
    }
}
