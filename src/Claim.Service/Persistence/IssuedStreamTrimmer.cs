using Claim.Service.HotPath;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Claim.Service.Persistence;

/// <summary>
/// Keeps the issued stream from growing for ever: removes the entries every consumer group on it has both read and
/// acknowledged. The persister acknowledges only after claimdb committed, so those vouchers are already stored.
/// Entries pending with a consumer (it may have crashed; they wait for XAUTOCLAIM) and entries no group has read yet
/// are kept.
/// </summary>
public sealed partial class IssuedStreamTrimmer(
    IDatabase redis,
    IOptions<ClaimOptions> options,
    TimeProvider time,
    ILogger<IssuedStreamTrimmer> logger,
    ClaimMetrics? metrics = null) : BackgroundService
{
    // The oldest entry a group may still need is its oldest pending one or, with nothing pending, the first one after
    // the last it was given. The stream keeps everything from the smallest such id over all groups. Finding the bound
    // and trimming happen in one script, so no read, acknowledge or takeover can slip in between. Ids are compared as
    // (milliseconds, sequence) pairs of decimal strings, by length and then by text, which is exact where Lua's
    // doubles would not be; a sequence too long to add one to exactly keeps the last entry given instead.
    // KEYS: 1 stream. Returns the number of entries removed.
    private static readonly RedisScript TrimScript = new("""
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        local function older(a, b)
          local ams, aseq = string.match(a, '^(%d+)%-(%d+)$')
          local bms, bseq = string.match(b, '^(%d+)%-(%d+)$')
          if #ams ~= #bms then return #ams < #bms end
          if ams ~= bms then return ams < bms end
          if #aseq ~= #bseq then return #aseq < #bseq end
          return aseq < bseq
        end
        local function after(id)
          local ms, seq = string.match(id, '^(%d+)%-(%d+)$')
          if #seq > 12 then return id end
          return ms .. '-' .. tostring(tonumber(seq) + 1)
        end
        local floor = nil
        for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
          local name, delivered
          for i = 1, #group, 2 do
            if group[i] == 'name' then name = group[i + 1] elseif group[i] == 'last-delivered-id' then delivered = group[i + 1] end
          end
          local pending = redis.call('XPENDING', KEYS[1], name)
          local keep = after(delivered)
          if pending[1] > 0 then keep = pending[2] end
          if floor == nil or older(keep, floor) then floor = keep end
        end
        if floor == nil then return 0 end
        return redis.call('XTRIM', KEYS[1], 'MINID', floor)
        """);

    private readonly ClaimOptions _options = options.Value;

    /// <summary>Removes the entries every group has read and acknowledged; returns how many were removed.</summary>
    public async Task<long> TrimOnceAsync()
    {
        var removed = (long)await TrimScript.EvaluateAsync(redis, [_options.IssuedStreamKey]);
        if (removed > 0)
        {
            LogTrimmed(logger, removed, _options.IssuedStreamKey);
            metrics?.Trimmed(removed);
        }

        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.StreamTrimInterval <= TimeSpan.Zero)
        {
            LogDisabled(logger, _options.IssuedStreamKey);
            return;
        }

        // Trimming later removes the same entries; nothing is lost by skipping a tick.
        await PeriodicWork.RunAsync(
            _options.StreamTrimInterval,
            time,
            _ => TrimOnceAsync(),
            ex => ex is RedisException or TimeoutException,
            ex => LogFailed(logger, ex),
            stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Trimmed {Count} persisted entries from the issued stream {Stream}")]
    private static partial void LogTrimmed(ILogger logger, long count, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trimming the issued stream {Stream} is turned off (Claim:StreamTrimInterval is not positive); it grows with every voucher")]
    private static partial void LogDisabled(ILogger logger, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trimming the issued stream failed; next attempt on the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
