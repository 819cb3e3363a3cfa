using Claim.Service.HotPath;
using StackExchange.Redis;
using Vouchers.Claim.V1;
using UnavailableException = VoucherRules.UnavailableException;

namespace Claim.Service.Admin;

/// <summary>
/// What operators read and set in Redis next to the hot path: stock left per cell, claim counters and the pause
/// flags the claim script checks. A Redis outage answers <see cref="UnavailableException"/> (retry later).
/// </summary>
public sealed class ClaimControls(IDatabase redis)
{
    private const string LatestPauseReasonField = "reason";

    /// <summary>Stock left per cell, in the order given; null for a cell not armed yet.</summary>
    public async Task<long?[]> StockAsync(string campaignId, IReadOnlyList<StockCell> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var values = await Reachable(() => redis.StringGetAsync(cells.Select(c => (RedisKey)RedisKeys.Stock(campaignId, c.Field)).ToArray()));
        return values.Select(v => v.IsNull ? (long?)null : (long)v).ToArray();
    }

    /// <summary>The campaign's claim counters (per cell field and per channel), as the claim script keeps them.</summary>
    public async Task<Dictionary<string, long>> StatsAsync(string campaignId) =>
        (await Reachable(() => redis.HashGetAllAsync(RedisKeys.Stats(campaignId))))
            .ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);

    /// <summary>Pauses the campaign (<paramref name="roundId"/> empty) or one round; the reason is kept as the latest one.</summary>
    public async Task PauseAsync(string campaignId, string roundId, string reason)
    {
        var key = RedisKeys.Pause(campaignId);
        await Reachable(() => redis.HashSetAsync(key, PauseField(roundId), reason));
        await Reachable(() => redis.HashSetAsync(key, LatestPauseReasonField, reason));
    }

    public Task ResumeAsync(string campaignId, string roundId) =>
        Reachable(() => redis.HashDeleteAsync(RedisKeys.Pause(campaignId), PauseField(roundId)));

    public async Task<ClaimingState> ClaimingStateAsync(string campaignId)
    {
        var fields = await Reachable(() => redis.HashGetAllAsync(RedisKeys.Pause(campaignId)));
        var state = new ClaimingState { CampaignId = campaignId };
        var roundPrefix = RedisKeys.RoundPauseField(string.Empty);
        foreach (var field in fields)
        {
            var name = field.Name.ToString();
            if (string.Equals(name, RedisKeys.CampaignPauseField, StringComparison.Ordinal))
            {
                state.CampaignPaused = true;
            }
            else if (name.StartsWith(roundPrefix, StringComparison.Ordinal))
            {
                state.PausedRoundIds.Add(name[roundPrefix.Length..]);
            }
            else if (string.Equals(name, LatestPauseReasonField, StringComparison.Ordinal))
            {
                state.Reason = field.Value.ToString();
            }
        }

        if (!state.CampaignPaused && state.PausedRoundIds.Count == 0)
        {
            state.Reason = string.Empty;
        }

        return state;
    }

    /// <summary>Runs a call on the claim store, answering UNAVAILABLE (retry) when Redis cannot be reached.</summary>
    public static async Task<T> Reachable<T>(Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call();
        }
        catch (Exception ex) when (RedisFaults.IsOutage(ex))
        {
            throw new UnavailableException("the claim store cannot be reached; retry", ex);
        }
    }

    private static string PauseField(string roundId) =>
        string.IsNullOrEmpty(roundId) ? RedisKeys.CampaignPauseField : RedisKeys.RoundPauseField(roundId);
}
