using Claim.Service.HotPath;
using Microsoft.Extensions.Options;
using Claim.Service.Data;
using Npgsql;
using ServiceDefaults;
using StackExchange.Redis;
using Vouchers.Claim.V1;

namespace Claim.Service.Persistence;

/// <summary>
/// Moves issued vouchers from the Redis stream into claimdb: reads a batch with XREADGROUP, writes it in
/// one idempotent transaction, then XACKs. Entries another consumer read and never acknowledged (it
/// crashed) are taken over with XAUTOCLAIM once idle long enough; writing them again is harmless.
/// </summary>
public sealed partial class IssuedStreamPersister(
    IDatabase redis,
    VoucherStore store,
    IOptions<ClaimOptions> options,
    TimeProvider time,
    ILogger<IssuedStreamPersister> logger,
    ClaimMetrics? metrics = null,
    MigrationState<ClaimDbContext>? schema = null) : BackgroundService
{
    private readonly ClaimOptions _options = options.Value;
    private bool _groupReady;
    private RedisValue _takeoverCursor = "0-0";

    /// <summary>This copy's consumer name in the group; unique per process.</summary>
    public string ConsumerName { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Creates the consumer group (and the stream) if missing, reading from the stream's start.</summary>
    public async Task EnsureGroupAsync()
    {
        if (_groupReady)
        {
            return;
        }

        try
        {
            await redis.StreamCreateConsumerGroupAsync(_options.IssuedStreamKey, _options.PersisterGroup, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another copy created it first.
        }

        _groupReady = true;
    }

    /// <summary>Reads the next batch: this consumer's own unacknowledged entries first, then ones abandoned by others, then new ones.</summary>
    public async Task<IReadOnlyList<StreamEntry>> ReadBatchAsync(bool includeOwnPending)
    {
        await EnsureGroupAsync();
        if (includeOwnPending)
        {
            var own = await redis.StreamReadGroupAsync(_options.IssuedStreamKey, _options.PersisterGroup, ConsumerName, StreamPosition.Beginning, _options.PersisterBatchSize);
            if (own.Length > 0)
            {
                return own;
            }
        }

        var takeover = await redis.StreamAutoClaimAsync(
            _options.IssuedStreamKey,
            _options.PersisterGroup,
            ConsumerName,
            (long)Math.Ceiling(_options.PersisterTakeoverIdle.TotalMilliseconds),
            _takeoverCursor,
            _options.PersisterBatchSize);
        _takeoverCursor = takeover.NextStartId;
        if (takeover.ClaimedEntries.Length > 0)
        {
            LogTakeover(logger, takeover.ClaimedEntries.Length);

            // An entry deleted while pending comes back without fields; there is nothing left to write.
            return takeover.ClaimedEntries.Where(e => e.Values is { Length: > 0 }).ToList();
        }

        return await redis.StreamReadGroupAsync(_options.IssuedStreamKey, _options.PersisterGroup, ConsumerName, StreamPosition.NewMessages, _options.PersisterBatchSize);
    }

    /// <summary>Writes the entries to claimdb (idempotently); returns how many vouchers were new.</summary>
    public Task<int> PersistAsync(IReadOnlyList<StreamEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var batch = entries.Select(Parse).ToList();
        return store.PersistIssuedAsync(batch, cancellationToken);
    }

    public Task<long> AcknowledgeAsync(IReadOnlyList<StreamEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return redis.StreamAcknowledgeAsync(_options.IssuedStreamKey, _options.PersisterGroup, entries.Select(e => e.Id).ToArray());
    }

    /// <summary>One read-write-acknowledge step; returns the number of entries handled.</summary>
    public async Task<int> RunOnceAsync(bool includeOwnPending, CancellationToken cancellationToken)
    {
        var entries = await ReadBatchAsync(includeOwnPending);
        if (entries.Count == 0)
        {
            return 0;
        }

        var inserted = await PersistAsync(entries, cancellationToken);
        await AcknowledgeAsync(entries);
        if (metrics is not null)
        {
            metrics.Persisted(inserted);
            var now = time.GetUtcNow();
            foreach (var entry in entries)
            {
                // Stream ids start with the Redis clock in milliseconds at XADD, the moment the claim was granted.
                var id = entry.Id.ToString();
                var dash = id.IndexOf('-', StringComparison.Ordinal);
                if (dash > 0 && long.TryParse(id.AsSpan(0, dash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var added))
                {
                    metrics.PersistenceLag(now - DateTimeOffset.FromUnixTimeMilliseconds(added));
                }
            }
        }

        LogBatch(logger, entries.Count, inserted);
        return entries.Count;
    }

    public static IssuedVoucher Parse(StreamEntry entry)
    {
        var voucher = Voucher.Parser.ParseFrom((byte[]?)entry["v"] ?? []);
        return new IssuedVoucher(entry.Id.ToString(), voucher, (string?)entry["r"] ?? string.Empty, entry["d"] == "1", (string?)entry["n"] ?? string.Empty);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Vouchers wait in the stream until claimdb has its tables; nothing is read from it before.
        if (schema is not null)
        {
            await schema.WhenAppliedAsync(stoppingToken);
        }

        var ownPending = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var handled = await RunOnceAsync(ownPending, stoppingToken);
                ownPending = handled > 0 && ownPending;
                if (handled == 0)
                {
                    await Task.Delay(_options.PersisterIdleDelay, time, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or NpgsqlException or InvalidOperationException)
            {
                // Whatever was read stays pending and is read again; retrying is always safe.
                ownPending = true;
                _groupReady = false;
                LogRetry(logger, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(500), time, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Persisted a batch of {Count} stream entries ({Inserted} new vouchers)")]
    private static partial void LogBatch(ILogger logger, int count, int inserted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Took over {Count} issued vouchers left pending by another persister")]
    private static partial void LogTakeover(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Persisting issued vouchers failed; retrying")]
    private static partial void LogRetry(ILogger logger, Exception exception);
}
