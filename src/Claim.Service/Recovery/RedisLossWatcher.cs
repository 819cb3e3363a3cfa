using Claim.Service.HotPath;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Claim.Service.Recovery;

/// <summary>
/// Notices a Redis that started afresh (a new run id: restarted, failed over or emptied) and recovers every known
/// campaign in it. A data set lost outright is also caught on the hot path, where the missing stock sends the claim
/// to the <see cref="StockArmer"/> and so to <see cref="CampaignRecovery"/>; a crash that lost only the last writes
/// leaves the stock keys in place, and is caught here, on reconnect or at the next check.
/// </summary>
public sealed partial class RedisLossWatcher(
    IConnectionMultiplexer redis,
    CampaignCatalog catalog,
    CampaignRecovery recovery,
    TimeProvider time,
    IOptions<RecoveryOptions> options,
    ILogger<RedisLossWatcher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.ConnectionRestored += OnConnectionRestored;
        try
        {
            var checkedIn = string.Empty;
            var checkedCampaigns = new HashSet<string>(StringComparer.Ordinal);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var runId = await recovery.CurrentRunIdAsync();
                    if (runId != checkedIn)
                    {
                        checkedCampaigns.Clear();
                        checkedIn = runId;
                    }

                    foreach (var plan in catalog.Plans.Where(p => !checkedCampaigns.Contains(p.CampaignId)))
                    {
                        if (await recovery.EnsureCheckedAsync(plan, stoppingToken) != RecoveryOutcome.Busy)
                        {
                            checkedCampaigns.Add(plan.CampaignId);
                        }
                    }
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException or NpgsqlException or RpcException)
                {
                    // Checked again at the next tick; claims meanwhile meet the fence or the stock as it is.
                    LogCheckFailed(logger, ex);
                }

                using var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                await Task.WhenAny(Task.Delay(options.Value.CheckInterval, time, tick.Token), _wake.WaitAsync(tick.Token));
                await tick.CancelAsync();
            }
        }
        finally
        {
            redis.ConnectionRestored -= OnConnectionRestored;
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already due.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking Redis for lost data failed; checking again shortly")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
