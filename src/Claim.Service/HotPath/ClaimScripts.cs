namespace Claim.Service.HotPath;

/// <summary>The Lua scripts of the hot path: each decision is one atomic script run.</summary>
public static class ClaimScripts
{
    /// <summary>Script answer: a voucher was granted; item 1 is the stream entry id.</summary>
    public const long Granted = 1;

    /// <summary>Script answer: refused; items 1-4 are reason, limit index (1-based, 0 = none), claimed count, bound tier; item 5 (1) when the cell's stock is out.</summary>
    public const long Refused = 0;

    /// <summary>Script answer: the request id was seen; item 1 is the stored answer.</summary>
    public const long Replayed = 2;

    /// <summary>Script answer: the request id was used for a different request.</summary>
    public const long Mismatch = 3;

    /// <summary>Script answer: the cell's stock was never armed; nothing was recorded.</summary>
    public const long NotArmed = 4;

    /// <summary>Script answer: a draw's tier sold out between the stock read and the script; nothing was recorded, draw again.</summary>
    public const long DrawAgain = 5;

    /// <summary>Script answer: the claim would be granted but no voucher was sent (the caller thought the cell sold out); nothing was recorded.</summary>
    public const long NeedVoucher = 6;

    /// <summary>Keys before the limit keys.</summary>
    public const int FixedKeyCount = 7;

    /// <summary>Arguments before the identity members.</summary>
    public const int FixedArgumentCount = 18;

    /// <summary>
    /// The request key holds the 32-character request fingerprint followed by the answer, in one string so that
    /// recording an answer with its lifetime is one command: 'S' + the stream entry id of the granted voucher (the
    /// voucher is written once, to the stream; a replay reads it from there, or from claimdb once the entry was
    /// trimmed), 'G' + voucher (as the recovery writes answers back from claimdb), or 'R' + refusal.
    /// A replayed 'S' answer whose entry is still in the stream comes back as 'G' + voucher.
    /// KEYS: 1 request, 2 stock, 3 pause hash, 4 campaign block zset, 5 global block zset, 6 stats hash,
    /// 7 issued stream, 8.. limit keys.
    /// ARGV: 1 fingerprint, 2 now (ms), 3 opens (ms), 4 closes (ms, 0 = never), 5 campaign paused by its state
    /// (0/1), 6 the round's pause field, 7 refusal decided before the script (0 = none), 8 request-id retention (s),
    /// 9 voucher (protobuf; empty when the caller expects a sold-out answer — stock left then answers NeedVoucher before
    /// the person's checks, which the caller may leave out: no block members and no limit keys), 10 request id, 11 stats cell field, 12 stats channel field, 13 face value (cents),
    /// 14 drawn (0/1), 15 holder display name, 16 sold out is final (0 = a draw may try another tier),
    /// 17 the channel's allocation in cents (0 = not capped, -1 = the channel has none), 18 identity member count n, 19..18+n identity members
    /// ("kind:hash") for the block list, then per limit key three arguments: kind ("c" counter, "p" tier pin), max
    /// claims, pin value.
    /// Order of checks: window, pause, pre-decided refusal, stock and channel allocation, block list, tier pins, counters.
    /// Sold out comes before the person's own checks because it is the answer for everyone once a round is gone, and
    /// the crowd that arrives after that moment is the largest part of a flash sale: each of those answers then costs
    /// four Redis commands instead of up to ten. Every check that usually passes costs one call: the pause hash is read
    /// once, both block lists are looked for with one EXISTS and only searched when one exists, and the limit keys are
    /// read with one MGET: 13 calls out of Lua per grant instead of 16.
    /// </summary>
    public static RedisScript Claim { get; } = new(Prelude + "\n" + """
        local decided = tonumber(ARGV[7])
        if decided > 0 then return refuse(decided, 0, 0, '') end
        local stock = redis.call('GET', KEYS[2])
        if not stock then return {4} end
        local cap = tonumber(ARGV[17])
        local spent = cap ~= 0 and (cap < 0 or tonumber(redis.call('HGET', KEYS[6], ARGV[12]) or '0') + tonumber(ARGV[13]) > cap)
        if tonumber(stock) <= 0 or spent then
          if ARGV[16] == '0' then return {5} end
          local answer = refuse(3, 0, 0, '')
          if tonumber(stock) <= 0 then answer[6] = 1 end
          return answer
        end
        if ARGV[9] == '' then return {6} end
        local members = tonumber(ARGV[18])
        if members > 0 and redis.call('EXISTS', KEYS[4], KEYS[5]) > 0 then
          for list = 4, 5 do
            for i = 1, members do
              local lapse = redis.call('ZSCORE', KEYS[list], ARGV[18 + i])
              if lapse and tonumber(lapse) > now then return refuse(7, 0, 0, '') end
            end
          end
        end
        local base = 18 + members
        local limits = #KEYS - 7
        local held = {}
        if limits > 0 then held = redis.call('MGET', unpack(KEYS, 8, 7 + limits)) end
        for i = 1, limits do
          local a = base + (i - 1) * 3
          if ARGV[a + 1] == 'p' then
            local pinned = held[i]
            if pinned and pinned ~= ARGV[a + 3] then return refuse(4, i, tonumber(ARGV[a + 2]), pinned) end
          end
        end
        for i = 1, limits do
          local a = base + (i - 1) * 3
          if ARGV[a + 1] == 'c' then
            local count = tonumber(held[i] or '0')
            if count >= tonumber(ARGV[a + 2]) then return refuse(4, i, count, '') end
          end
        end
        redis.call('DECR', KEYS[2])
        for i = 1, limits do
          local a = base + (i - 1) * 3
          if ARGV[a + 1] == 'c' then
            redis.call('INCR', KEYS[7 + i])
          else
            redis.call('SET', KEYS[7 + i], ARGV[a + 3], 'NX')
          end
        end
        redis.call('HINCRBY', KEYS[6], ARGV[11], 1)
        redis.call('HINCRBY', KEYS[6], ARGV[12], ARGV[13])
        local id = redis.call('XADD', KEYS[7], '*', 'v', ARGV[9], 'r', ARGV[10], 'd', ARGV[14], 'n', ARGV[15])
        redis.call('SET', KEYS[1], ARGV[1] .. 'S' .. id, 'EX', ARGV[8])
        return {1, id}
        """);

    /// <summary>
    /// The sold-out probe: what a claim runs while the service believes its cell is gone (the last answer for it was
    /// sold out), with the first 7 keys and first 8 arguments of <see cref="Claim"/> only. It answers exactly as
    /// <see cref="Claim"/> would up to the stock check — a stored answer for the request id, the window, the pause, the
    /// refusal recorded with the request id — then sold out while the stock is not above zero, or NeedVoucher, having
    /// recorded nothing, once stock came back (the claim then runs <see cref="Claim"/> with everything). The crowd after
    /// a sell-out costs Redis a script of four commands with 15 arguments instead of 25 and more.
    /// </summary>
    public static RedisScript SoldOutProbe { get; } = new(Prelude + "\n" + """
        local stock = redis.call('GET', KEYS[2])
        if not stock then return {4} end
        if tonumber(stock) > 0 then return {6} end
        local answer = refuse(3, 0, 0, '')
        answer[6] = 1
        return answer
        """);

    /// <summary>Arguments of <see cref="SoldOutProbe"/>: the first ones of <see cref="Claim"/>.</summary>
    public const int ProbeArgumentCount = 8;

    // Shared by both claim scripts: the stored answer of a request id seen before, the refusal that records itself
    // with the request id, and the checks that come before the stock (window, pause).
    private const string Prelude = """
        local stored = redis.call('GET', KEYS[1])
        if stored then
          if string.sub(stored, 1, 32) ~= ARGV[1] then return {3} end
          if string.sub(stored, 33, 33) == 'S' then
            local id = string.sub(stored, 34)
            local entry = redis.call('XRANGE', KEYS[7], id, id)[1]
            if entry then
              local fields = entry[2]
              for i = 1, #fields, 2 do
                if fields[i] == 'v' then return {2, 'G' .. fields[i + 1]} end
              end
            end
          end
          return {2, string.sub(stored, 33)}
        end
        local function refuse(reason, index, claimed, bound)
          redis.call('SET', KEYS[1], ARGV[1] .. 'R' .. reason .. '|' .. index .. '|' .. claimed .. '|' .. bound, 'EX', ARGV[8])
          return {0, reason, index, claimed, bound}
        end
        local now = tonumber(ARGV[2])
        if now < tonumber(ARGV[3]) then return refuse(1, 0, 0, '') end
        local closes = tonumber(ARGV[4])
        if closes > 0 and now >= closes then return refuse(2, 0, 0, '') end
        if ARGV[5] == '1' then return refuse(8, 0, 0, '') end
        local paused = redis.call('HMGET', KEYS[3], 'campaign', ARGV[6])
        if paused[1] or paused[2] then return refuse(8, 0, 0, '') end
        """;

    /// <summary>
    /// Arms a round's stock from a snapshot, once per snapshot version however many copies run it at the
    /// same moment. A cell seen for the first time gets its quantity; a cell whose quantity changed in a
    /// newer snapshot (a re-size before opening, a top-up) moves by the difference, so claims already
    /// taken are never handed out again.
    /// KEYS: 1 arming hash, 2.. stock keys. ARGV: 1 snapshot version, then per stock key: cell field, quantity.
    /// Answers 1 when it changed something, 0 when this version (or a newer one) was already armed.
    /// </summary>
    public static RedisScript Arm { get; } = new("""
        local armed = redis.call('HGET', KEYS[1], 'version')
        if armed and tonumber(armed) >= tonumber(ARGV[1]) then return 0 end
        for i = 2, #KEYS do
          local field = 't:' .. ARGV[(i - 2) * 2 + 2]
          local quantity = tonumber(ARGV[(i - 2) * 2 + 3])
          local total = redis.call('HGET', KEYS[1], field)
          if not total then
            redis.call('INCRBY', KEYS[i], quantity)
          elseif tonumber(total) ~= quantity then
            redis.call('INCRBY', KEYS[i], quantity - tonumber(total))
          end
          redis.call('HSET', KEYS[1], field, quantity)
        end
        redis.call('HSET', KEYS[1], 'version', ARGV[1])
        return 1
        """);
}
