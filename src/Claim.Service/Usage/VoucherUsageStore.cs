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

    // The columns ReadRow reads; a column selected after them sits at this ordinal.
    private const int RowColumnCount = 12;

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
        var writes = new VoucherWriteCombiner();
        writes.Add(change);
        await using var write = transaction.CreateBatch();
        writes.AddTo(write);
        await transaction.CommitAsync(write, cancellationToken);
        return result;
    }

    /// <summary>
    /// <see cref="ChangeAsync"/> for many items at once, so that N changes cost the round trips of one: each round is one
    /// transaction whose first batch row-locks every voucher of the round (in voucher-id order, so two batches locking
    /// overlapping vouchers queue instead of deadlocking) and reads every item's prior record, and whose second batch
    /// carries the writes of every item that decided without throwing, combined into one statement per kind of write
    /// whatever the number of items (<see cref="VoucherWriteCombiner"/>), and COMMIT. <paramref name="decide"/> gets the
    /// item's index. An item naming a voucher (or a prior record) an earlier item names goes to a later round, so it
    /// decides on the row as that item left it. One item's outcome per item, in the order given; the items of a round
    /// whose transaction failed all carry that failure.
    /// </summary>
    public async Task<IReadOnlyList<VoucherChangeOutcome<T>>> ChangeManyAsync<T>(
        IReadOnlyList<VoucherChangeItem> items, Func<int, VoucherRow, VoucherChange, Task<T>> decide, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(decide);
        var outcomes = new VoucherChangeOutcome<T>[items.Count];
        foreach (var round in Rounds(items))
        {
            await ChangeRoundAsync(items, round, decide, outcomes, cancellationToken);
        }

        return outcomes;
    }

    /// <summary>
    /// The items in rounds: round k holds an item once the items before it that name its voucher or its prior record
    /// sit in earlier rounds. Within a round every voucher is locked once and no two items would record the same id.
    /// </summary>
    private static List<List<int>> Rounds(IReadOnlyList<VoucherChangeItem> items)
    {
        var rounds = new List<List<int>>();
        var firstFreeRoundOfVoucher = new Dictionary<string, int>(StringComparer.Ordinal);
        var firstFreeRoundOfPrior = new Dictionary<PriorRecord, int>();
        for (var index = 0; index < items.Count; index++)
        {
            var item = items[index];
            var round = firstFreeRoundOfVoucher.GetValueOrDefault(item.VoucherId);
            if (item.Prior is { } prior)
            {
                round = Math.Max(round, firstFreeRoundOfPrior.GetValueOrDefault(prior));
                firstFreeRoundOfPrior[prior] = round + 1;
            }

            firstFreeRoundOfVoucher[item.VoucherId] = round + 1;
            while (rounds.Count <= round)
            {
                rounds.Add([]);
            }

            rounds[round].Add(index);
        }

        return rounds;
    }

    private async Task ChangeRoundAsync<T>(
        IReadOnlyList<VoucherChangeItem> items, List<int> round, Func<int, VoucherRow, VoucherChange, Task<T>> decide, VoucherChangeOutcome<T>[] outcomes,
        CancellationToken cancellationToken)
        where T : class
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var decided = await TryRoundAsync(items, round, decide, cancellationToken);
                for (var position = 0; position < round.Count; position++)
                {
                    outcomes[round[position]] = decided[position];
                }

                return;
            }
            catch (PostgresException ex) when (attempt == 1 && ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                // The round lost to another writer that locked the same rows in another order (a bulk expiry, say) and
                // the server rolled it back: nothing of it stayed, so it is read and decided afresh once.
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                foreach (var index in round)
                {
                    outcomes[index] = new VoucherChangeOutcome<T>(null, ex);
                }

                return;
            }
        }
    }

    /// <summary>One transaction for one round; the outcomes, by position in the round, once it committed.</summary>
    private async Task<VoucherChangeOutcome<T>[]> TryRoundAsync<T>(
        IReadOnlyList<VoucherChangeItem> items, List<int> round, Func<int, VoucherRow, VoucherChange, Task<T>> decide, CancellationToken cancellationToken)
        where T : class
    {
        await using var transaction = await PipelinedTransaction.OpenAsync(dataSource, cancellationToken);
        var rows = new Dictionary<string, VoucherRow>(round.Count, StringComparer.Ordinal);
        var priorVoucherIds = new string?[round.Count];
        await using (var read = transaction.CreateBatch())
        {
            var select = new NpgsqlBatchCommand($"SELECT {RowColumns}, voucher_id FROM vouchers WHERE voucher_id = ANY(@ids) ORDER BY voucher_id FOR UPDATE");
            select.Parameters.AddWithValue("ids", round.Select(index => items[index].VoucherId).ToArray());
            read.BatchCommands.Add(select);

            // One lookup per kind of prior record for the whole round, not one per item: a statement costs the server
            // more than the rows it reads.
            var priorKinds = round.Select(index => items[index].Prior).OfType<PriorRecord>().GroupBy(prior => prior.ManySql, StringComparer.Ordinal).ToList();
            foreach (var kind in priorKinds)
            {
                var lookup = new NpgsqlBatchCommand(kind.Key);
                lookup.Parameters.AddWithValue("keys", kind.Select(prior => prior.Key).ToArray());
                read.BatchCommands.Add(lookup);
            }

            await using var reader = await transaction.ReadAsync(read, cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows[reader.GetString(RowColumnCount)] = ReadRow(reader);
            }

            var found = new Dictionary<PriorRecord, string>();
            foreach (var kind in priorKinds)
            {
                var sample = kind.First();
                await reader.NextResultAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    found[sample with { Key = reader.GetString(0) }] = reader.GetString(1);
                }
            }

            for (var position = 0; position < round.Count; position++)
            {
                if (items[round[position]].Prior is { } prior)
                {
                    priorVoucherIds[position] = found.GetValueOrDefault(prior);
                }
            }
        }

        var decided = new VoucherChangeOutcome<T>[round.Count];
        var writes = new VoucherWriteCombiner();
        for (var position = 0; position < round.Count; position++)
        {
            var index = round[position];
            var item = items[index];
            if (!rows.TryGetValue(item.VoucherId, out var row))
            {
                continue;
            }

            // Each item records into a change of its own, so a refusal leaves nothing of it in the batch.
            var change = new VoucherChange(item.VoucherId, item.Prior, priorVoucherIds[position]);
            try
            {
                var answer = await decide(index, row, change);
                writes.Add(change);
                decided[position] = new VoucherChangeOutcome<T>(answer, null);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                decided[position] = new VoucherChangeOutcome<T>(null, ex);
            }
        }

        await using var write = transaction.CreateBatch();
        writes.AddTo(write);
        await transaction.CommitAsync(write, cancellationToken);
        return decided;
    }

    internal static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    internal static Timestamp Stamp(DateTimeOffset value) => Timestamp.FromDateTimeOffset(value);

    private static VoucherRow ReadRow(NpgsqlDataReader reader)
    {
        var voucher = VoucherStore.ReadVoucher(reader);
        return new VoucherRow(
            voucher,
            reader.GetString(RowColumnCount - 1),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.IsDBNull(4) ? null : Utc(reader.GetDateTime(4)));
    }
}

/// <summary>One item of <see cref="VoucherUsageStore.ChangeManyAsync"/>: the voucher it changes and the prior record its decision reads.</summary>
public sealed record VoucherChangeItem(string VoucherId, PriorRecord? Prior = null);

/// <summary>
/// How one item of <see cref="VoucherUsageStore.ChangeManyAsync"/> ended: its decision's answer (committed), or the
/// exception its decision or its round's transaction failed with; neither when the voucher does not exist.
/// </summary>
public readonly record struct VoucherChangeOutcome<T>(T? Answer, Exception? Failure)
    where T : class;

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
