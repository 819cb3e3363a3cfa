using Claim.Service.Admin;
using Claim.Service.HotPath;
using Claim.Service.Persistence;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;

namespace Claim.Service.Recovery;

/// <summary>What <see cref="CampaignRecovery.EnsureCheckedAsync"/> found or did.</summary>
public enum RecoveryOutcome
{
    /// <summary>The campaign was already checked in this Redis process; nothing to do.</summary>
    AlreadyChecked,

    /// <summary>This call rebuilt the campaign's Redis state from claimdb and the stream.</summary>
    Recovered,

    /// <summary>Another copy is recovering the campaign right now.</summary>
    Busy,
}

/// <summary>
/// Brings a campaign's Redis state back in line with what claimdb and the issued stream prove after Redis lost data
/// (a crash inside the AOF fsync window, or the data set lost outright). Redis's run id changes with every start,
/// so a campaign whose marker holds another run id (or none) may have lost writes; it is recovered once per Redis
/// process by whichever copy takes its lock first: stock is fenced off, stream-only vouchers are written to claimdb
/// and limit counters raised (the <see cref="Reconciler"/>'s repair), request-id answers inside the retention are
/// restored from claimdb, and stock is armed again as quantity less what was issued.
/// </summary>
public sealed partial class CampaignRecovery(
    IDatabase redis,
    Reconciler reconciler,
    VoucherStore store,
    TimeProvider time,
    IOptions<ClaimOptions> claimOptions,
    IOptions<RecoveryOptions> recoveryOptions,
    ILogger<CampaignRecovery> logger,
    ClaimMetrics? metrics = null)
{
    /// <summary>The message a claim gets while its campaign is being recovered.</summary>
    public const string RecoveringMessage = "claims of this campaign are recovering after a Redis data loss; retry with the same request_id";

    private const int AnswersPerScript = 500;

    private readonly ClaimOptions _claimOptions = claimOptions.Value;
    private readonly RecoveryOptions _recoveryOptions = recoveryOptions.Value;

    /// <summary>The id of the Redis process now serving; a new one after every restart, with or without data loss.</summary>
    public async Task<string> CurrentRunIdAsync()
    {
        var runId = (string?)await RecoveryScripts.RunId.EvaluateAsync(redis, []);
        return runId is { Length: > 0 } ? runId : throw new RedisException("INFO server did not report a run_id");
    }

    /// <summary>Whether the campaign's Redis state was checked against claimdb in the Redis process now serving.</summary>
    public async Task<bool> IsCheckedAsync(string campaignId, string runId) =>
        (string?)await redis.StringGetAsync(RecoveryScripts.CheckedMarker(campaignId)) == runId;

    /// <summary>Recovers the campaign unless it was already checked in this Redis process or another copy is at it.</summary>
    public async Task<RecoveryOutcome> EnsureCheckedAsync(CampaignPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var runId = await CurrentRunIdAsync();
        if (await IsCheckedAsync(plan.CampaignId, runId))
        {
            return RecoveryOutcome.AlreadyChecked;
        }

        var lockKey = RecoveryScripts.Lock(plan.CampaignId);
        var token = Guid.NewGuid().ToString("N");
        if (!await redis.StringSetAsync(lockKey, token, _recoveryOptions.LockTime, When.NotExists))
        {
            return RecoveryOutcome.Busy;
        }

        try
        {
            // Another copy may have finished between the marker read and taking the lock.
            if (await IsCheckedAsync(plan.CampaignId, runId))
            {
                return RecoveryOutcome.AlreadyChecked;
            }

            await RecoverAsync(plan, runId, cancellationToken);
            metrics?.Recovered();
            return RecoveryOutcome.Recovered;
        }
        finally
        {
            await RecoveryScripts.ReleaseLock.EvaluateAsync(redis, [lockKey], [token]);
        }
    }

    private async Task RecoverAsync(CampaignPlan plan, string runId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        LogRecovering(logger, plan.CampaignId, runId);

        // Fenced first: from here on no claim of the campaign can be granted, so what the stream and claimdb hold
        // below is all there is to count.
        var fenced = plan.Rounds.Select(r => RedisKeys.Arming(plan.CampaignId, r.RoundId))
            .Concat(plan.Rounds.SelectMany(r => r.Cells).Select(c => RedisKeys.Stock(plan.CampaignId, c.Field)))
            .Select(key => (RedisKey)key)
            .ToArray();
        await RecoveryScripts.Fence.EvaluateAsync(redis, fenced);

        var (report, issued) = await reconciler.ReconcileAndListAsync(plan, repair: true, now, cancellationToken);
        var answers = await RestoreAnswersAsync(plan, now, cancellationToken);
        await RaiseStatsAsync(plan, issued);
        foreach (var round in plan.Rounds)
        {
            var keys = new List<RedisKey>(round.Cells.Count + 1) { RedisKeys.Arming(plan.CampaignId, round.RoundId) };
            var arguments = new List<RedisValue>((round.Cells.Count * 3) + 1) { plan.Version };
            foreach (var cell in round.Cells)
            {
                keys.Add(RedisKeys.Stock(plan.CampaignId, cell.Field));
                arguments.Add(cell.Field);
                arguments.Add(cell.Quantity);
                arguments.Add(issued.Count(v => v.RoundId == round.RoundId && Reconciler.CellOf(round, v) == cell));
            }

            await RecoveryScripts.ArmFromIssued.EvaluateAsync(redis, [.. keys], [.. arguments]);
        }

        await redis.StringSetAsync(RecoveryScripts.CheckedMarker(plan.CampaignId), runId);
        LogRecovered(logger, plan.CampaignId, issued.Count, report.IssueCount, answers);
    }

    private async Task RaiseStatsAsync(CampaignPlan plan, IReadOnlyList<Voucher> issued)
    {
        var fields = new List<RedisValue>();
        foreach (var round in plan.Rounds)
        {
            foreach (var cell in round.Cells)
            {
                fields.Add(cell.Field);
                fields.Add(issued.Count(v => v.RoundId == round.RoundId && Reconciler.CellOf(round, v) == cell));
            }
        }

        foreach (var channel in issued.GroupBy(v => v.ChannelId, StringComparer.Ordinal))
        {
            fields.Add(RedisKeys.ChannelStatField(channel.Key));
            fields.Add(channel.Sum(v => v.FaceValueCents));
        }

        if (fields.Count > 0)
        {
            await RecoveryScripts.RaiseFields.EvaluateAsync(redis, [RedisKeys.Stats(plan.CampaignId)], [.. fields]);
        }
    }

    /// <summary>
    /// Writes back the answer of every request that got a voucher within the retention, so a retry replays that
    /// voucher. The fingerprint is computed again from the voucher as issued (its holder keys and cell are what the
    /// request's fingerprint was made of), so a retry that changed the request is still told so.
    /// </summary>
    private async Task<int> RestoreAnswersAsync(CampaignPlan plan, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var retention = _claimOptions.RequestIdRetention;
        await using var command = store.DataSource.CreateCommand(
            "SELECT request_id, drawn, issued FROM vouchers WHERE campaign_id = @campaign AND claimed_at >= @since");
        command.Parameters.AddWithValue("campaign", plan.CampaignId);
        command.Parameters.AddWithValue("since", (now - retention).UtcDateTime);
        var keys = new List<RedisKey>(AnswersPerScript);
        var arguments = new List<RedisValue>(AnswersPerScript * 3);
        var restored = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var requestId = reader.GetString(0);
            var drawn = reader.GetBoolean(1);
            var bytes = (byte[])reader[2];
            var voucher = Voucher.Parser.ParseFrom(bytes);
            keys.Add(RedisKeys.Request(plan.CampaignId, requestId));
            arguments.Add(FingerprintOf(voucher, drawn));
            arguments.Add((byte[])[(byte)'G', .. bytes]);

            // Relative to the service's clock, as the claim script's EXPIRE is: the answer lives as long as it had left.
            arguments.Add(Math.Max(1, (long)(voucher.ClaimedAt.ToDateTimeOffset() + retention - now).TotalMilliseconds));
            if (keys.Count == AnswersPerScript)
            {
                restored += await FlushAnswersAsync(keys, arguments);
            }
        }

        return restored + await FlushAnswersAsync(keys, arguments);
    }

    private async Task<int> FlushAnswersAsync(List<RedisKey> keys, List<RedisValue> arguments)
    {
        if (keys.Count == 0)
        {
            return 0;
        }

        await RecoveryScripts.RestoreAnswers.EvaluateAsync(redis, [.. keys], [.. arguments]);
        var count = keys.Count;
        keys.Clear();
        arguments.Clear();
        return count;
    }

    private static string FingerprintOf(Voucher voucher, bool drawn)
    {
        var account = voucher.HolderKeys.FirstOrDefault(k => k.Kind == IdentityKeyKind.ChannelAccount)?.KeyHash ?? string.Empty;
        var person = new HashedPerson(account, [], voucher.HolderKeys.ToList());
        return drawn
            ? ClaimEngine.Fingerprint("draw", voucher.CampaignId, voucher.RoundId, string.Empty, voucher.CategoryId, person)
            : ClaimEngine.Fingerprint("claim", voucher.CampaignId, voucher.RoundId, voucher.TierId, voucher.CategoryId, person);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {CampaignId} was not checked in Redis process {RunId}: recovering its counters from claimdb and the issued stream")]
    private static partial void LogRecovering(ILogger logger, string campaignId, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {CampaignId} recovered: {Issued} vouchers counted, {Issues} differences repaired, {Answers} request-id answers restored")]
    private static partial void LogRecovered(ILogger logger, string campaignId, int issued, long issues, int answers);
}
