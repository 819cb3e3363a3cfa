using Claim.Service.HotPath;
using Claim.Service.Persistence;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Vouchers.Claim.V1;
using Rules = VoucherRules;

namespace Claim.Service.Admin;

/// <summary>
/// Compares the hot path's Redis state with claimdb for one campaign. The stream and the counters are
/// written by one script, so they can only disagree with each other after Redis lost data; claimdb trails
/// the stream by the persister's lag. What the stream or claimdb proves was issued is the truth counters
/// are raised to; nothing is ever lowered, because a voucher Redis counted may still be on its way.
/// </summary>
public sealed class Reconciler(IDatabase redis, VoucherStore store, IOptions<ClaimOptions> options)
{
    private const int ListedIssues = 1000;
    private const int StreamChunk = 1000;

    // Raises a counter to at least ARGV[1] and takes the same difference off the stock, in one step, so claims running
    // meanwhile are neither undone nor double-counted. KEYS: 1 stats hash, 2 stock. ARGV: 1 expected, 2 stats field.
    private static readonly RedisScript RaiseCellScript = new("""
        local claimed = tonumber(redis.call('HGET', KEYS[1], ARGV[2]) or '0')
        local delta = tonumber(ARGV[1]) - claimed
        if delta <= 0 then return 0 end
        redis.call('HINCRBY', KEYS[1], ARGV[2], delta)
        redis.call('DECRBY', KEYS[2], delta)
        return delta
        """);

    // KEYS: 1 limit counter. ARGV: 1 expected.
    private static readonly RedisScript RaiseCounterScript = new("""
        local current = tonumber(redis.call('GET', KEYS[1]) or '0')
        if current >= tonumber(ARGV[1]) then return 0 end
        redis.call('SET', KEYS[1], ARGV[1])
        return 1
        """);

    public async Task<ReconciliationReport> ReconcileAsync(CampaignPlan plan, bool repair, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await ReconcileAndListAsync(plan, repair, now, cancellationToken)).Report;

    /// <summary>
    /// Reconciles (and with <paramref name="repair"/> repairs) as <see cref="ReconcileAsync"/> does, and also answers with
    /// every voucher of the campaign the stream or claimdb proves was issued, for callers that rebuild Redis from it.
    /// </summary>
    public async Task<(ReconciliationReport Report, IReadOnlyList<Voucher> Issued)> ReconcileAndListAsync(
        CampaignPlan plan, bool repair, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var report = new ReconciliationReport { CampaignId = plan.CampaignId, AsOf = Timestamp.FromDateTimeOffset(now) };
        var streamed = await ReadStreamAsync(plan.CampaignId);
        var stored = await ReadStoredAsync(plan.CampaignId, cancellationToken);

        var missing = streamed.Values.Where(v => !stored.ContainsKey(v.Voucher.VoucherId)).ToList();
        if (repair && missing.Count > 0)
        {
            await store.PersistIssuedAsync(missing, cancellationToken);
        }

        foreach (var voucher in missing)
        {
            Add(report, new ReconciliationIssue
            {
                Kind = ReconciliationIssueKind.NotStored,
                VoucherId = voucher.Voucher.VoucherId,
                Detail = $"voucher '{voucher.Voucher.VoucherId}' is in the issued stream but not in claimdb",
                Repaired = repair,
            });
        }

        var known = new Dictionary<string, Voucher>(StringComparer.Ordinal);
        foreach (var voucher in stored.Values.Concat(streamed.Values.Select(v => v.Voucher)))
        {
            known.TryAdd(voucher.VoucherId, voucher);
        }

        await ReconcileCellsAsync(plan, report, streamed.Values.Select(v => v.Voucher).ToList(), stored.Values.ToList(), known.Values.ToList(), repair);
        await ReconcileLimitsAsync(plan, report, known.Values.ToList(), repair);
        return (report, known.Values.ToList());
    }

    private static void Add(ReconciliationReport report, ReconciliationIssue issue)
    {
        report.IssueCount++;
        if (report.Issues.Count < ListedIssues)
        {
            report.Issues.Add(issue);
        }
    }

    /// <summary>The cell a voucher was taken from: its channel's own cell if the round has one, else the shared cell.</summary>
    internal static StockCell? CellOf(RoundPlan? round, Voucher voucher)
    {
        var candidates = round?.Cells.Where(c => c.TierId == voucher.TierId && c.CategoryId == voucher.CategoryId).ToList() ?? [];
        return candidates.FirstOrDefault(c => c.ChannelId == voucher.ChannelId) ?? candidates.FirstOrDefault(c => c.ChannelId.Length == 0);
    }

    private async Task ReconcileCellsAsync(CampaignPlan plan, ReconciliationReport report, List<Voucher> streamed, List<Voucher> stored, List<Voucher> known, bool repair)
    {
        var stats = (await redis.HashGetAllAsync(RedisKeys.Stats(plan.CampaignId))).ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);
        foreach (var round in plan.Rounds)
        {
            var armed = (await redis.HashGetAllAsync(RedisKeys.Arming(plan.CampaignId, round.RoundId))).ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);
            foreach (var cell in round.Cells)
            {
                int Count(List<Voucher> vouchers) => vouchers.Count(v => v.RoundId == round.RoundId && CellOf(round, v) == cell);
                var stockKey = RedisKeys.Stock(plan.CampaignId, cell.Field);
                var remaining = await redis.StringGetAsync(stockKey);
                var line = new ReconciliationCell
                {
                    RoundId = cell.RoundId,
                    TierId = cell.TierId,
                    CategoryId = cell.CategoryId,
                    ChannelId = cell.ChannelId,
                    Armed = armed.GetValueOrDefault("t:" + cell.Field),
                    RedisClaimed = stats.GetValueOrDefault(cell.Field),
                    RedisRemaining = (long)remaining,
                    StreamEntries = Count(streamed),
                    Stored = Count(stored),
                };
                report.Cells.Add(line);
                var issued = Count(known);
                if (line.RedisClaimed < issued)
                {
                    var repaired = repair && !remaining.IsNull;
                    if (repaired)
                    {
                        await RaiseCellScript.EvaluateAsync(redis, [RedisKeys.Stats(plan.CampaignId), stockKey], [issued, cell.Field]);
                    }

                    Add(report, new ReconciliationIssue
                    {
                        Kind = ReconciliationIssueKind.CounterBehind,
                        Detail = $"cell {cell.Field}: Redis counts {line.RedisClaimed} claimed, the stream and claimdb hold {issued}",
                        Expected = issued,
                        Actual = line.RedisClaimed,
                        Repaired = repaired,
                    });
                }
                else if (line.RedisClaimed > issued)
                {
                    Add(report, new ReconciliationIssue
                    {
                        Kind = ReconciliationIssueKind.CounterAhead,
                        Detail = $"cell {cell.Field}: Redis counts {line.RedisClaimed} claimed, only {issued} vouchers are in the stream or claimdb",
                        Expected = issued,
                        Actual = line.RedisClaimed,
                    });
                }

                if (!remaining.IsNull && line.Armed - line.RedisClaimed != line.RedisRemaining)
                {
                    Add(report, new ReconciliationIssue
                    {
                        Kind = ReconciliationIssueKind.StockMismatch,
                        Detail = $"cell {cell.Field}: armed {line.Armed} - claimed {line.RedisClaimed} != stock left {line.RedisRemaining}",
                        Expected = line.Armed - line.RedisClaimed,
                        Actual = line.RedisRemaining,
                    });
                }
            }
        }
    }

    private async Task ReconcileLimitsAsync(CampaignPlan plan, ReconciliationReport report, List<Voucher> known, bool repair)
    {
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        var pins = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var voucher in known)
        {
            var identity = voucher.HolderKeys
                .Select(k => new Rules.HashedIdentityKey(CampaignPlan.ToRules(k.Kind), k.KeyHash))
                .Where(k => plan.PersonKinds.Contains(k.Kind))
                .ToList();
            var target = new Rules.ClaimTarget(plan.CampaignId, voucher.RoundId, voucher.TierId, voucher.CategoryId);
            foreach (var key in Rules.ClaimLimits.KeysFor(target, plan.Limits, identity))
            {
                if (key.Kind == Rules.LimitKeyKind.Counter)
                {
                    counters[key.Key] = counters.GetValueOrDefault(key.Key) + 1;
                }
                else
                {
                    pins.TryAdd(key.Key, key.PinValue ?? string.Empty);
                }
            }
        }

        foreach (var (key, expected) in counters.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var current = await redis.StringGetAsync(key);
            var actual = (long)current;
            if (actual < expected)
            {
                if (repair)
                {
                    await RaiseCounterScript.EvaluateAsync(redis, [key], [expected]);
                }

                Add(report, new ReconciliationIssue
                {
                    Kind = ReconciliationIssueKind.LimitBehind,
                    Detail = $"limit counter {key} is {actual}, the person holds {expected}",
                    Expected = expected,
                    Actual = actual,
                    Repaired = repair,
                });
            }
        }

        foreach (var (key, tier) in pins.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if ((await redis.StringGetAsync(key)).IsNull)
            {
                if (repair)
                {
                    await redis.StringSetAsync(key, tier, when: When.NotExists);
                }

                Add(report, new ReconciliationIssue
                {
                    Kind = ReconciliationIssueKind.LimitBehind,
                    Detail = $"tier pin {key} is missing; the person holds tier '{tier}'",
                    Expected = 1,
                    Repaired = repair,
                });
            }
        }
    }

    /// <summary>
    /// Every voucher of the campaign in the issued stream, by voucher id. The stream is trimmed only of entries the
    /// persister acknowledged, which it does after claimdb committed them, so what is gone from here is read from claimdb.
    /// </summary>
    private async Task<Dictionary<string, IssuedVoucher>> ReadStreamAsync(string campaignId)
    {
        var vouchers = new Dictionary<string, IssuedVoucher>(StringComparer.Ordinal);
        RedisValue from = "-";
        while (true)
        {
            var chunk = await redis.StreamRangeAsync(options.Value.IssuedStreamKey, from, "+", StreamChunk);
            foreach (var entry in chunk)
            {
                var issued = IssuedStreamPersister.Parse(entry);
                if (issued.Voucher.CampaignId == campaignId)
                {
                    vouchers.TryAdd(issued.Voucher.VoucherId, issued);
                }
            }

            if (chunk.Length < StreamChunk)
            {
                return vouchers;
            }

            from = "(" + chunk[^1].Id;
        }
    }

    private async Task<Dictionary<string, Voucher>> ReadStoredAsync(string campaignId, CancellationToken cancellationToken)
    {
        await using var command = store.DataSource.CreateCommand($"SELECT {VoucherStore.VoucherColumns} FROM vouchers WHERE campaign_id = @campaign");
        command.Parameters.AddWithValue("campaign", campaignId);
        var vouchers = new Dictionary<string, Voucher>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var voucher = VoucherStore.ReadVoucher(reader);
            vouchers[voucher.VoucherId] = voucher;
        }

        return vouchers;
    }
}
