using System.Globalization;
using Campaign.Service.Application;
using Npgsql;

namespace Campaign.Service.Snapshots;

/// <summary>
/// LISTENs on campaign_snapshots (the campaigns table's trigger NOTIFYs "id:version" on every new
/// snapshot version, whichever service copy committed it) and announces each to the cache.
/// </summary>
public sealed class SnapshotNotificationListener(
    NpgsqlDataSource dataSource,
    SnapshotCache cache,
    TimeProvider timeProvider,
    ILogger<SnapshotNotificationListener> logger) : BackgroundService
{
    public const string ChannelName = "campaign_snapshots";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN {ChannelName}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                cache.SetListening(true);
                CampaignLog.Listening(logger, ChannelName);
                delay = TimeSpan.FromMilliseconds(200);
                while (!stoppingToken.IsCancellationRequested)
                {
                    // A quiet connection is probed now and then, so a dead server is noticed and memory stops being trusted.
                    if (!await connection.WaitAsync(TimeSpan.FromSeconds(15), stoppingToken))
                    {
                        await using var probe = new NpgsqlCommand("SELECT 1", connection);
                        await probe.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or System.IO.IOException)
            {
                cache.SetListening(false);
                CampaignLog.ListenerLost(logger, ex);
                await Task.Delay(delay, timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }

        cache.SetListening(false);
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs args)
    {
        var separator = args.Payload.LastIndexOf(':');
        if (separator > 0 && long.TryParse(args.Payload.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            cache.Announce(args.Payload[..separator], version);
        }
    }
}
