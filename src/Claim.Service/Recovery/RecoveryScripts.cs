using Claim.Service.HotPath;

namespace Claim.Service.Recovery;

/// <summary>Keys and Lua scripts of the recovery; every key carries the campaign's hash tag, as the hot path's keys do.</summary>
public static class RecoveryScripts
{
    /// <summary>The run id of the Redis process in which the campaign's counters were last checked against claimdb.</summary>
    public static string CheckedMarker(string campaignId) => $"recovered:{RedisKeys.Tag(campaignId)}";

    /// <summary>Held (with a random token as value) by the one copy recovering the campaign.</summary>
    public static string Lock(string campaignId) => $"recovering:{RedisKeys.Tag(campaignId)}";

    /// <summary>
    /// The run id of the Redis process now serving (INFO server). Asked in a script because the client sends INFO only
    /// on a connection in admin mode, which would also let any other code path flush the data set.
    /// </summary>
    public static RedisScript RunId { get; } = new("""
        return string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
        """);

    /// <summary>
    /// Takes the stock and arming hashes away so that every claim meets an unarmed cell (which records nothing)
    /// until the recovery has armed it again from what claimdb and the stream prove was issued.
    /// KEYS: arming hashes and stock keys.
    /// </summary>
    public static RedisScript Fence { get; } = new("""
        for i = 1, #KEYS do redis.call('DEL', KEYS[i]) end
        return #KEYS
        """);

    /// <summary>
    /// Restores request-id answers in the claim script's form (fingerprint then answer, one string). KEYS: request
    /// keys. ARGV per key: fingerprint, answer, time to live (ms).
    /// An answer found is replaced: claimdb holds the voucher that request really got.
    /// </summary>
    public static RedisScript RestoreAnswers { get; } = new("""
        for i = 1, #KEYS do
          local a = (i - 1) * 3
          redis.call('SET', KEYS[i], ARGV[a + 1] .. ARGV[a + 2], 'PX', ARGV[a + 3])
        end
        return #KEYS
        """);

    /// <summary>Raises hash counters to at least the given values, never lowers one. KEYS: 1 hash. ARGV: field, value pairs.</summary>
    public static RedisScript RaiseFields { get; } = new("""
        local raised = 0
        for i = 1, #ARGV, 2 do
          local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
          if current < tonumber(ARGV[i + 1]) then
            redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
            raised = raised + 1
          end
        end
        return raised
        """);

    /// <summary>
    /// Arms a round as <see cref="ClaimScripts.Arm"/> would have left it: each cell's stock is its quantity less
    /// what was proven issued, and the arming hash records the quantities and the snapshot version, so a later
    /// snapshot moves stock by the difference as usual.
    /// KEYS: 1 arming hash, 2.. stock keys. ARGV: 1 snapshot version, then per stock key: cell field, quantity, issued.
    /// </summary>
    public static RedisScript ArmFromIssued { get; } = new("""
        redis.call('DEL', KEYS[1])
        for i = 2, #KEYS do
          local a = (i - 2) * 3
          local left = tonumber(ARGV[a + 3]) - tonumber(ARGV[a + 4])
          if left < 0 then left = 0 end
          redis.call('SET', KEYS[i], left)
          redis.call('HSET', KEYS[1], 't:' .. ARGV[a + 2], ARGV[a + 3])
        end
        redis.call('HSET', KEYS[1], 'version', ARGV[1])
        return 1
        """);

    /// <summary>Releases a lock only if this holder still has it. KEYS: 1 lock. ARGV: 1 token.</summary>
    public static RedisScript ReleaseLock { get; } = new("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """);
}
