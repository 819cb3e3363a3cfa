using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Rules = VoucherRules;
using AlreadyExistsException = VoucherRules.AlreadyExistsException;
using FailedPreconditionException = VoucherRules.FailedPreconditionException;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;
using NotFoundException = VoucherRules.NotFoundException;
using UnavailableException = VoucherRules.UnavailableException;

namespace Claim.Service.HotPath;

/// <summary>
/// Decides claims and draws: validates the request against the campaign snapshot, settles what can be
/// settled without shared state (geo-fence, allocation cell), then runs <see cref="ClaimScripts.Claim"/>
/// once, which decides the rest and issues the voucher atomically.
/// </summary>
public sealed class ClaimEngine(
    IDatabase redis,
    CampaignCatalog catalog,
    IdentityKeys identities,
    StockArmer armer,
    DrawDice dice,
    TimeProvider time,
    IOptions<ClaimOptions> options,
    ClaimMetrics? metrics = null,
    Persistence.VoucherStore? store = null)
{
    private const int DrawAttempts = 5;
    private readonly ClaimOptions _options = options.Value;
    private readonly RedisKey _issuedStream = options.Value.IssuedStreamKey;
    private readonly RedisValue _retentionSeconds = (long)options.Value.RequestIdRetention.TotalSeconds;

    public async Task<ClaimOutcome> ClaimAsync(ClaimVoucherRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Require(request.RequestId, "request_id");
        Require(request.CampaignId, "campaign_id");
        Require(request.TierId, "tier_id");
        var plan = catalog.Require(request.CampaignId);
        if (plan.Mode == ClaimMode.LuckyDraw)
        {
            throw new FailedPreconditionException("this campaign issues vouchers by lucky draw: call DrawVoucher");
        }

        if (!plan.Tiers.TryGetValue(request.TierId, out var tier))
        {
            throw new NotFoundException($"tier '{request.TierId}' not found in campaign '{plan.CampaignId}'");
        }

        var now = time.GetUtcNow();
        var round = ResolveRound(plan, request.RoundId, now);
        var person = HashPerson(plan, request.Person);
        var decided = CheckLifecycle(plan, round, now);

        // Grouped by tier once per snapshot: no per-claim filtering or lists.
        IReadOnlyList<StockCell> tierCells = round.CellsByTier.TryGetValue(tier.TierId, out var ofTier) ? ofTier : [];
        var splitByCategory = false;
        foreach (var c in tierCells)
        {
            splitByCategory |= c.CategoryId.Length > 0;
        }

        if (splitByCategory && string.IsNullOrEmpty(request.CategoryId))
        {
            throw InvalidArgumentException.ForField("category_id", $"category_id is required: tier '{tier.TierId}' is allocated by category in round '{round.RoundId}'");
        }

        var categoryId = splitByCategory ? request.CategoryId : string.Empty;
        if (splitByCategory && !HasCategory(tierCells, categoryId))
        {
            throw new NotFoundException($"category '{categoryId}' has no stock of tier '{tier.TierId}' in round '{round.RoundId}'");
        }

        var cell = FindCell(tierCells, categoryId, request.Person.ChannelId);
        decided ??= CheckLocation(plan, request.Location);
        if (cell is null)
        {
            decided ??= ClaimRefusalReason.SoldOut;
        }

        var fingerprint = Fingerprint("claim", plan.CampaignId, round.RoundId, tier.TierId, categoryId, person);
        var target = new ClaimTargetPlan(plan, round, tier, categoryId, cell, person, request.Person, request.RequestId, fingerprint, Drawn: false);
        var outcome = await DecideAsync(target, decided, soldOutIsFinal: true)
            ?? throw new InvalidOperationException("A claim's sold-out answer is final.");
        metrics?.Decided("claim", outcome);
        return outcome;
    }

    public async Task<ClaimOutcome> DrawAsync(DrawVoucherRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Require(request.RequestId, "request_id");
        Require(request.CampaignId, "campaign_id");
        Require(request.CategoryId, "category_id");
        var plan = catalog.Require(request.CampaignId);
        if (plan.Mode != ClaimMode.LuckyDraw)
        {
            throw new FailedPreconditionException("this campaign is first come, first served: call ClaimVoucher");
        }

        var now = time.GetUtcNow();
        var round = ResolveRound(plan, request.RoundId, now);
        var inCategory = round.Cells
            .Where(c => string.Equals(c.CategoryId, request.CategoryId, StringComparison.Ordinal) && plan.Tiers.ContainsKey(c.TierId))
            .ToList();
        var knownCategory = plan.Rounds.SelectMany(r => r.Cells).Any(c => string.Equals(c.CategoryId, request.CategoryId, StringComparison.Ordinal))
            || plan.Snapshot.Categories.Any(c => string.Equals(c.CategoryId, request.CategoryId, StringComparison.Ordinal));
        if (!knownCategory)
        {
            throw new NotFoundException($"category '{request.CategoryId}' not found in campaign '{plan.CampaignId}'");
        }

        var person = HashPerson(plan, request.Person);
        var decided = CheckLifecycle(plan, round, now) ?? CheckLocation(plan, request.Location);
        var candidates = inCategory
            .GroupBy(c => c.TierId, StringComparer.Ordinal)
            .Select(g => FindCell(g.ToList(), request.CategoryId, request.Person.ChannelId))
            .OfType<StockCell>()
            .OrderBy(c => IndexOf(plan.TierOrder, c.TierId))
            .ToList();
        var fingerprint = Fingerprint("draw", plan.CampaignId, round.RoundId, string.Empty, request.CategoryId, person);
        var fallbackTier = plan.Tiers[candidates.FirstOrDefault()?.TierId ?? plan.TierOrder[0]];

        for (var attempt = 1; ; attempt++)
        {
            StockCell? chosen = null;
            if (decided is null && candidates.Count > 0)
            {
                var remaining = await ReadStockAsync(plan, round, candidates);
                var pick = Rules.LuckyDraw.ChooseWithRoll(
                    candidates.Select((c, i) => new Rules.DrawStock(c.TierId, plan.Tiers[c.TierId].FaceValueCents, Math.Max(0, remaining[i]))).ToList(),
                    dice.RollBelow,
                    plan.DrawWeighting);
                chosen = pick is null ? null : candidates.First(c => string.Equals(c.TierId, pick.TierId, StringComparison.Ordinal));
            }

            var tier = chosen is null ? fallbackTier : plan.Tiers[chosen.TierId];
            var target = new ClaimTargetPlan(plan, round, tier, request.CategoryId, chosen, person, request.Person, request.RequestId, fingerprint, Drawn: true);
            var outcome = await DecideAsync(target, decided ?? (chosen is null ? ClaimRefusalReason.SoldOut : null), soldOutIsFinal: attempt >= DrawAttempts);
            if (outcome is not null)
            {
                metrics?.Decided("draw", outcome);
                return outcome;
            }
        }
    }

    /// <summary>The refusal text a channel may show as is.</summary>
    public static string RefusalMessage(ClaimRefusalReason reason) => reason switch
    {
        ClaimRefusalReason.NotStarted => "活动尚未开始",
        ClaimRefusalReason.Ended => "活动已结束",
        ClaimRefusalReason.SoldOut => "本轮已抢完",
        ClaimRefusalReason.LimitReached => "已达领取上限",
        ClaimRefusalReason.OutOfRegion => "不在活动区域内",
        ClaimRefusalReason.LocationUnavailable => "无法获取定位，请开启定位后重试",
        ClaimRefusalReason.Blocked => "账户存在异常，暂不能领取",
        ClaimRefusalReason.Paused => "领券已暂停",
        _ => string.Empty,
    };

    private static void Require(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw InvalidArgumentException.ForField(field, $"{field} is required");
        }
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private static RoundPlan ResolveRound(CampaignPlan plan, string roundId, DateTimeOffset now)
    {
        if (!string.IsNullOrEmpty(roundId))
        {
            return plan.FindRound(roundId) ?? throw new NotFoundException($"round '{roundId}' not found in campaign '{plan.CampaignId}'");
        }

        return plan.CurrentRound(now) ?? throw new NotFoundException($"campaign '{plan.CampaignId}' has no rounds");
    }

    private static bool HasCategory(IReadOnlyList<StockCell> cells, string categoryId)
    {
        foreach (var cell in cells)
        {
            if (string.Equals(cell.CategoryId, categoryId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The cell of the category for the person's channel, else the category's cell open to every channel.</summary>
    private static StockCell? FindCell(IReadOnlyList<StockCell> tierCells, string categoryId, string channelId)
    {
        StockCell? open = null;
        foreach (var cell in tierCells)
        {
            if (!string.Equals(cell.CategoryId, categoryId, StringComparison.Ordinal))
            {
                continue;
            }

            if (string.Equals(cell.ChannelId, channelId, StringComparison.Ordinal))
            {
                return cell;
            }

            if (cell.ChannelId.Length == 0)
            {
                open ??= cell;
            }
        }

        return open;
    }

    /// <summary>
    /// A published campaign whose round has not opened yet is refused as NOT_STARTED with the opening time, exactly as
    /// an early claim in a running campaign is: to a consumer both are "not yet, come back at this time", and a
    /// channel shows a refusal as it is, whereas a gRPC error would reach the consumer as a failure.
    /// </summary>
    private static ClaimRefusalReason? CheckLifecycle(CampaignPlan plan, RoundPlan round, DateTimeOffset now)
    {
        switch (plan.State)
        {
            case CampaignState.Published when now < round.OpensAt:
                return ClaimRefusalReason.NotStarted;
            case CampaignState.Ended or CampaignState.Settled or CampaignState.Closed:
                return ClaimRefusalReason.Ended;
            default:
                return round.Definition.State == RoundState.Cancelled ? ClaimRefusalReason.Ended : null;
        }
    }

    private static ClaimRefusalReason? CheckLocation(CampaignPlan plan, GeoPoint? location)
    {
        if (plan.Fence is null)
        {
            return null;
        }

        if (location is null)
        {
            return ClaimRefusalReason.LocationUnavailable;
        }

        return Rules.GeoFencing.Contains(plan.Fence, new Rules.GeoPoint(location.Latitude, location.Longitude)) ? null : ClaimRefusalReason.OutOfRegion;
    }

    /// <summary>
    /// The first 128 bits, in hex, of the SHA-256 of the request's parts joined by newlines. Every claim computes one, so
    /// the text is encoded on the stack (pooled when long) and hashed with this thread's reusable SHA-256: a one-shot
    /// hash sets the digest up anew through OpenSSL each time, which measured 2-3x the cost.
    /// </summary>
    internal static string Fingerprint(string kind, string campaignId, string roundId, string tierId, string categoryId, HashedPerson person)
    {
        var chars = kind.Length + campaignId.Length + roundId.Length + tierId.Length + categoryId.Length + person.AccountHash.Length + 5;
        foreach (var key in person.MaskedKeys)
        {
            chars += key.KeyHash.Length + 1;
        }

        var length = Encoding.UTF8.GetMaxByteCount(chars);
        var rented = length <= 1024 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        var text = rented is null ? stackalloc byte[1024] : rented.AsSpan();
        var written = 0;
        Append(text, ref written, kind, first: true);
        Append(text, ref written, campaignId);
        Append(text, ref written, roundId);
        Append(text, ref written, tierId);
        Append(text, ref written, categoryId);
        Append(text, ref written, person.AccountHash);
        foreach (var key in person.MaskedKeys)
        {
            Append(text, ref written, key.KeyHash);
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var sha256 = t_sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha256.AppendData(text[..written]);
        sha256.GetHashAndReset(hash);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }

        return Convert.ToHexStringLower(hash[..16]);

        static void Append(Span<byte> text, ref int written, string part, bool first = false)
        {
            if (!first)
            {
                text[written++] = (byte)'\n';
            }

            written += Encoding.UTF8.GetBytes(part, text[written..]);
        }
    }

    [ThreadStatic]
    private static IncrementalHash? t_sha256;

    private HashedPerson HashPerson(CampaignPlan plan, PersonIdentity? person)
    {
        if (person is null)
        {
            throw InvalidArgumentException.ForField("person", "person is required");
        }

        if (plan.RequiredKinds.Count > 0)
        {
            var missing = Rules.IdentityHashing.MissingRequired(IdentityKeys.ToRules(person), plan.RequiredKinds);
            if (missing.Count > 0)
            {
                throw InvalidArgumentException.ForField("person", $"identity keys required by the campaign are missing: {string.Join(", ", missing)}");
            }
        }

        var hashed = identities.Hash(person, plan.PersonKinds)
            ?? throw InvalidArgumentException.ForField("person", "person.channel_id and person.channel_account_id are required");
        return hashed.CountedKeys.Count > 0
            ? hashed
            : throw InvalidArgumentException.ForField("person", $"none of the keys that identify a person in this campaign was supplied ({string.Join(", ", plan.PersonKinds)})");
    }

    private async Task<long[]> ReadStockAsync(CampaignPlan plan, RoundPlan round, IReadOnlyList<StockCell> cells)
    {
        var keys = cells.Select(c => (RedisKey)RedisKeys.Stock(plan.CampaignId, c.Field)).ToArray();
        try
        {
            var values = await redis.StringGetAsync(keys);
            if (values.Any(v => v.IsNull))
            {
                await armer.ArmRoundAsync(plan, round, force: true);
                values = await redis.StringGetAsync(keys);
            }

            return values.Select(v => (long)v).ToArray();
        }
        catch (Exception ex) when (RedisFaults.IsOutage(ex))
        {
            throw new UnavailableException("the stock store cannot be reached; retry with the same request_id", ex);
        }
    }

    private static Vouchers.Claim.V1.Voucher BuildVoucher(ClaimTargetPlan target, DateTimeOffset now)
    {
        var (plan, round, tier) = (target.Plan, target.Round, target.Tier);
        var validity = round.Validity is null
            ? new Rules.TimeWindow(now, plan.CampaignEnd)
            : Rules.VoucherValidity.Compute(round.Validity, now, round.OpensOnLocal, plan.Zone, plan.CampaignEnd);
        var voucher = new Vouchers.Claim.V1.Voucher
        {
            VoucherId = Guid.CreateVersion7(now).ToString("N"),
            CampaignId = plan.CampaignId,
            RoundId = round.RoundId,
            TierId = tier.TierId,
            TierName = tier.Name,
            CategoryId = target.CategoryId,
            ChannelId = target.RawPerson.ChannelId,
            FaceValueCents = tier.FaceValueCents,
            MinimumSpend = tier.MinimumSpend?.Clone(),
            Categories = target.CategoryId.Length > 0
                ? new CategoryRestriction { CategoryIds = { target.CategoryId } }
                : tier.Categories?.Clone(),
            ClaimedAt = Timestamp.FromDateTimeOffset(now),
            ValidFrom = Timestamp.FromDateTimeOffset(validity.Start),
            DailyUsageHours = round.Definition.DailyUsageHours?.Clone(),
            TimeZone = plan.Zone.Id,
            Status = VoucherStatus.Unused,
            MerchantCofundingCents = tier.MerchantCofundingCents,
            Version = 1,
        };
        if (validity.End is { } end)
        {
            voucher.ValidUntil = Timestamp.FromDateTimeOffset(end);
        }

        voucher.HolderKeys.Add(target.Person.MaskedKeys);
        return voucher;
    }

    /// <summary>Runs the claim script; null when a draw should roll again (its tier sold out meanwhile).</summary>
    private async Task<ClaimOutcome?> DecideAsync(ClaimTargetPlan target, ClaimRefusalReason? decided, bool soldOutIsFinal)
    {
        var (plan, round) = (target.Plan, target.Round);
        var now = time.GetUtcNow();
        var cell = target.Cell;
        var cellField = cell?.Field ?? RedisKeys.Cell(round.RoundId, target.Tier.TierId, target.CategoryId, target.RawPerson.ChannelId);

        // A cell the script last found out of stock is claimed without building the voucher, the person's limit keys
        // or block-list members: the script answers sold out before it needs them, or NeedVoucher, having recorded
        // nothing, should stock have come back (a top-up), and the claim runs again with everything.
        // A claim (not a draw, whose sold-out answer may send it to another tier) on such a cell runs only the sold-out
        // probe: the request id, the window, the pause and the stock, with none of the arguments the rest needs.
        var expectSoldOut = decided is not null || cell is null || cell.SoldOutHint;
        var probe = decided is null && cell is { SoldOutHint: true } && soldOutIsFinal;
        var voucher = expectSoldOut ? null : BuildVoucher(target, now);
        var limitKeys = expectSoldOut ? [] : LimitKeysOf(target);
        var script = probe ? ClaimScripts.SoldOutProbe : ClaimScripts.Claim;
        var (keys, values) = probe
            ? (FixedKeys(target, cellField, 0), ProbeArguments(target, now))
            : ScriptArguments(target, decided, soldOutIsFinal, now, cellField, voucher, limitKeys);

        try
        {
            var result = await script.EvaluateAsync(redis, keys, values);
            if ((long)result[0] == ClaimScripts.NotArmed)
            {
                await armer.ArmRoundAsync(plan, round, force: true);
                result = await script.EvaluateAsync(redis, keys, values);
            }

            if ((long)result[0] == ClaimScripts.NeedVoucher && cell is not null)
            {
                cell.SoldOutHint = false;
                voucher = BuildVoucher(target, now);
                limitKeys = LimitKeysOf(target);
                (keys, values) = ScriptArguments(target, decided, soldOutIsFinal, now, cellField, voucher, limitKeys);
                result = await ClaimScripts.Claim.EvaluateAsync(redis, keys, values);
            }

            switch ((long)result[0])
            {
                case ClaimScripts.Granted:
                    return new ClaimOutcome { Voucher = voucher };
                case ClaimScripts.Refused:
                    var reason = (ClaimRefusalReason)(long)result[1];
                    if (cell is not null && reason == ClaimRefusalReason.SoldOut && result.Length > 5)
                    {
                        cell.SoldOutHint = true;
                    }

                    return new ClaimOutcome { Refusal = Refusal(target, reason, (long)result[2], (long)result[3], (string?)result[4] ?? string.Empty, limitKeys) };
                case ClaimScripts.Replayed:
                    return await ReplayAsync(target, (byte[]?)result[1] ?? [], limitKeys.Count > 0 ? limitKeys : LimitKeysOf(target));
                case ClaimScripts.Mismatch:
                    throw new AlreadyExistsException($"request_id '{target.RequestId}' was used for a different request");
                case ClaimScripts.DrawAgain:
                    if (cell is not null)
                    {
                        cell.SoldOutHint = true;
                    }

                    return null;
                default:
                    throw new UnavailableException($"stock for round '{round.RoundId}' is not armed yet; retry", new InvalidOperationException("arming did not take"));
            }
        }
        catch (Exception ex) when (RedisFaults.IsOutage(ex))
        {
            throw new UnavailableException("the stock store cannot be reached; retry with the same request_id", ex);
        }
    }

    private static IReadOnlyList<Rules.LimitKey> LimitKeysOf(ClaimTargetPlan target)
    {
        var claimTarget = new Rules.ClaimTarget(target.Plan.CampaignId, target.Round.RoundId, target.Tier.TierId, target.CategoryId);
        return Rules.ClaimLimits.KeysFor(claimTarget, target.Plan.Limits, target.Person.CountedKeys);
    }

    /// <summary>The keys both claim scripts share, with room for <paramref name="limitKeys"/> more after them.</summary>
    private RedisKey[] FixedKeys(ClaimTargetPlan target, string cellField, int limitKeys)
    {
        var (plan, cell) = (target.Plan, target.Cell);
        var keys = new RedisKey[ClaimScripts.FixedKeyCount + limitKeys];
        keys[0] = RedisKeys.Request(plan.CampaignId, target.RequestId);
        keys[1] = cell is not null ? plan.StockKey(cell) : RedisKeys.Stock(plan.CampaignId, cellField);
        keys[2] = plan.PauseKey;
        keys[3] = plan.BlockListKey;
        keys[4] = RedisKeys.GlobalBlockList;
        keys[5] = plan.StatsKey;
        keys[6] = _issuedStream;
        return keys;
    }

    /// <summary>The arguments both claim scripts share (<see cref="ClaimScripts.ProbeArgumentCount"/>), in an array of <paramref name="length"/>.</summary>
    private RedisValue[] SharedArguments(ClaimTargetPlan target, ClaimRefusalReason? decided, DateTimeOffset now, int length)
    {
        var (plan, round) = (target.Plan, target.Round);
        var values = new RedisValue[length];
        values[0] = target.Fingerprint;
        values[1] = now.ToUnixTimeMilliseconds();
        values[2] = round.OpensAt.ToUnixTimeMilliseconds();
        values[3] = round.ClosesAt?.ToUnixTimeMilliseconds() ?? 0;
        values[4] = plan.State == CampaignState.Paused ? 1 : 0;
        values[5] = round.PauseField;
        values[6] = (int)(decided ?? ClaimRefusalReason.Unspecified);
        values[7] = _retentionSeconds;
        return values;
    }

    private RedisValue[] ProbeArguments(ClaimTargetPlan target, DateTimeOffset now) =>
        SharedArguments(target, decided: null, now, ClaimScripts.ProbeArgumentCount);

    private (RedisKey[] Keys, RedisValue[] Values) ScriptArguments(ClaimTargetPlan target, ClaimRefusalReason? decided, bool soldOutIsFinal, DateTimeOffset now, string cellField, Vouchers.Claim.V1.Voucher? voucher, IReadOnlyList<Rules.LimitKey> limitKeys)
    {
        var plan = target.Plan;
        var keys = FixedKeys(target, cellField, limitKeys.Count);
        for (var i = 0; i < limitKeys.Count; i++)
        {
            keys[ClaimScripts.FixedKeyCount + i] = limitKeys[i].Key;
        }

        var blockMembers = plan.EnforceBlockList && voucher is not null ? target.Person.MaskedKeys : [];
        var values = SharedArguments(target, decided, now, ClaimScripts.FixedArgumentCount + blockMembers.Count + (limitKeys.Count * 3));
        values[8] = voucher is null ? RedisValue.EmptyString : voucher.ToByteArray();
        values[9] = target.RequestId;
        values[10] = cellField;
        values[11] = RedisKeys.ChannelStatField(target.RawPerson.ChannelId);
        values[12] = target.Tier.FaceValueCents;
        values[13] = target.Drawn ? 1 : 0;
        values[14] = target.RawPerson.DisplayName ?? string.Empty;
        values[15] = soldOutIsFinal ? 1 : 0;
        values[16] = plan.ChannelAllocationCents(target.RawPerson.ChannelId);
        values[17] = blockMembers.Count;
        var at = ClaimScripts.FixedArgumentCount;
        foreach (var key in blockMembers)
        {
            values[at++] = HashedPerson.BlockMember(CampaignPlan.ToRules(key.Kind), key.KeyHash);
        }

        foreach (var key in limitKeys)
        {
            values[at++] = key.Kind == Rules.LimitKeyKind.Counter ? "c" : "p";
            values[at++] = key.MaxClaims;
            values[at++] = key.PinValue ?? string.Empty;
        }

        return (keys, values);
    }

    private static ClaimRefusal Refusal(ClaimTargetPlan target, ClaimRefusalReason reason, long limitIndex, long claimed, string boundTier, IReadOnlyList<Rules.LimitKey> limitKeys)
    {
        var refusal = new ClaimRefusal { Reason = reason, Message = RefusalMessage(reason), RoundId = target.Round.RoundId };
        if (reason == ClaimRefusalReason.NotStarted)
        {
            refusal.OpensAt = Timestamp.FromDateTimeOffset(target.Round.OpensAt);
        }

        if (reason == ClaimRefusalReason.LimitReached && limitIndex >= 1 && limitIndex <= limitKeys.Count)
        {
            var key = limitKeys[(int)limitIndex - 1];
            refusal.Limit = new LimitReached
            {
                LimitId = key.LimitId,
                Scope = target.Plan.LimitDefinitions.TryGetValue(key.LimitId, out var definition) ? definition.Scope : LimitScope.Unspecified,
                MaxClaims = key.MaxClaims,
                Claimed = (int)claimed,
                BoundTierId = boundTier,
            };
        }

        return refusal;
    }

    /// <summary>
    /// A request id seen before: its stored answer is a refusal ('R'), a granted voucher ('G', the voucher itself, as
    /// the recovery writes it back or the script read it from the stream entry), or 'S' and the stream entry id of a
    /// voucher whose entry has since been trimmed, which is only done once claimdb committed it.
    /// </summary>
    private async Task<ClaimOutcome> ReplayAsync(ClaimTargetPlan target, byte[] stored, IReadOnlyList<Rules.LimitKey> limitKeys)
    {
        if (stored.Length > 0 && stored[0] == (byte)'G')
        {
            return new ClaimOutcome { Voucher = Vouchers.Claim.V1.Voucher.Parser.ParseFrom(stored.AsSpan(1)), Replayed = true };
        }

        if (stored.Length > 0 && stored[0] == (byte)'S')
        {
            var issued = store is null ? null : await store.FindIssuedAsync(target.Plan.CampaignId, target.RequestId, CancellationToken.None);
            return issued is null
                ? throw new UnavailableException("the voucher of this request_id is being moved to the wallet; retry with the same request_id", new InvalidOperationException("stream entry trimmed but not found in claimdb"))
                : new ClaimOutcome { Voucher = issued, Replayed = true };
        }

        var parts = Encoding.UTF8.GetString(stored.AsSpan(1)).Split('|');
        var reason = (ClaimRefusalReason)long.Parse(parts[0], CultureInfo.InvariantCulture);
        return new ClaimOutcome
        {
            Refusal = Refusal(target, reason, long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture), parts[3], limitKeys),
            Replayed = true,
        };
    }

    private sealed record ClaimTargetPlan(
        CampaignPlan Plan,
        RoundPlan Round,
        TierDefinition Tier,
        string CategoryId,
        StockCell? Cell,
        HashedPerson Person,
        PersonIdentity RawPerson,
        string RequestId,
        string Fingerprint,
        bool Drawn);
}
