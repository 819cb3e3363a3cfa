using System.Collections.Concurrent;
using Claim.Service.Recovery;
using Npgsql;
using StackExchange.Redis;
using UnavailableException = VoucherRules.UnavailableException;

namespace Claim.Service.HotPath;

/// <summary>
/// Arms round stock in Redis from campaign snapshots (see <see cref="ClaimScripts.Arm"/>). With a
/// <paramref name="recovery"/>, a campaign not yet checked in the Redis process now serving is recovered first, so
/// stock lost with Redis's data is armed again as quantity less what was issued, never at the full quantity.
/// </summary>
public sealed class StockArmer(IDatabase redis, CampaignRecovery? recovery = null)
{
    private const int ClaimRecoveryWaits = 15;
    private const int RecoveryWaits = 1500;
    private static readonly TimeSpan RecoveryPoll = TimeSpan.FromMilliseconds(100);
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

        if (recovery is not null && !await EnsureCheckedAsync(plan, force))
        {
            return;
        }

        var keys = new RedisKey[round.Cells.Count + 1];
        var arguments = new RedisValue[(round.Cells.Count * 2) + 1];
        keys[0] = RedisKeys.Arming(plan.CampaignId, round.RoundId);
        arguments[0] = plan.Version;
        for (var i = 0; i < round.Cells.Count; i++)
        {
            var cell = round.Cells[i];
            keys[i + 1] = RedisKeys.Stock(plan.CampaignId, cell.Field);
            arguments[(2 * i) + 1] = cell.Field;
            arguments[(2 * i) + 2] = cell.Quantity;
        }

        await ClaimScripts.Arm.EvaluateAsync(redis, keys, arguments);
        _armedVersions.AddOrUpdate(key, plan.Version, (_, old) => Math.Max(old, plan.Version));
    }

    /// <summary>
    /// While another copy recovers the campaign, a claim waiting for the stock waits a moment (checking a campaign that
    /// lost nothing takes milliseconds, and a new campaign is checked as it is first armed) and is then told to retry;
    /// arming from a snapshot waits for the recovery to end, since that copy may have armed an older version of the plan.
    /// </summary>
    private async Task<bool> EnsureCheckedAsync(CampaignPlan plan, bool force)
    {
        for (var waited = 0; ; waited++)
        {
            RecoveryOutcome outcome;
            try
            {
                outcome = await recovery!.EnsureCheckedAsync(plan, CancellationToken.None);
            }
            catch (NpgsqlException ex) when (force)
            {
                throw new UnavailableException(CampaignRecovery.RecoveringMessage, ex);
            }

            if (outcome != RecoveryOutcome.Busy)
            {
                return true;
            }

            if (force && waited >= ClaimRecoveryWaits)
            {
                throw new UnavailableException(CampaignRecovery.RecoveringMessage, new InvalidOperationException($"campaign '{plan.CampaignId}' is being recovered by another copy"));
            }

            if (waited >= RecoveryWaits)
            {
                return false;
            }

            await Task.Delay(RecoveryPoll);
        }
    }
}
