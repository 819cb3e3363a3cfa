using System.Collections.Concurrent;
using RedisClient;

namespace Claim.Service.HotPath;

/// <summary>Arms round stock in Redis from campaign snapshots (see <see cref="ClaimScripts.Arm"/>).</summary>
public sealed class StockArmer(RedisDatabase redis)
{
    private readonly ConcurrentDictionary<(string Campaign, string Round), long> _armedVersions = new();

    /// <summary>Arms every round of the plan that this copy has not armed at the plan's version.</summary>
    public async Task ArmAsync(CampaignPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        foreach (var round in plan.Rounds)
        {
            await ArmRoundAsync(plan, round, force: false);
        }
    }

    /// <summary>Arms one round; <paramref name="force"/> runs the script even if this copy believes it did already (Redis may have lost it).</summary>
    public async Task ArmRoundAsync(CampaignPlan plan, RoundPlan round, bool force)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(round);
        var key = (plan.CampaignId, round.RoundId);
        if (!force && _armedVersions.TryGetValue(key, out var version) && version >= plan.Version)
        {
            return;
        }

        var keys = new List<string>(round.Cells.Count + 1) { RedisKeys.Arming(plan.CampaignId, round.RoundId) };
        var arguments = new List<RedisValue>(round.Cells.Count * 2 + 1) { plan.Version };
        foreach (var cell in round.Cells)
        {
            keys.Add(RedisKeys.Stock(plan.CampaignId, cell.Field));
            arguments.Add(cell.Field);
            arguments.Add(cell.Quantity);
        }

        await redis.ScriptEvaluateAsync(ClaimScripts.Arm, keys, arguments);
        _armedVersions.AddOrUpdate(key, plan.Version, (_, old) => Math.Max(old, plan.Version));
    }
}
