using System.Collections.Concurrent;
using Grpc.Core;

namespace BackOffice.Campaigns;

/// <summary>Events of one campaign per minute (UTC minute starts), oldest first.</summary>
public sealed record ActivityTimeline(IReadOnlyList<(DateTimeOffset Minute, long Count)> Minutes, long Total);

/// <summary>
/// Follows one service's feed once for the whole back office and keeps its events per campaign and minute, so a
/// campaign page draws its chart from memory at once and is pushed each new event (no page polls the services).
/// The feed replays from its start after a restart: the counts are derived, never stored.
/// </summary>
public abstract partial class FeedActivity(ILogger logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, CampaignCounts> _campaigns = new(StringComparer.Ordinal);

    /// <summary>Raised with the campaign id after its counts changed (on the feed's thread: subscribers marshal).</summary>
    public event Action<string>? Changed;

    /// <summary>True once the feed's history has been read up to its end at least once.</summary>
    public bool CaughtUp { get; private set; }

    /// <summary>The feed's name in logs.</summary>
    protected abstract string FeedName { get; }

    public ActivityTimeline Timeline(string campaignId)
    {
        if (!_campaigns.TryGetValue(campaignId, out var counts))
        {
            return new ActivityTimeline([], 0);
        }

        lock (counts)
        {
            return new ActivityTimeline([.. counts.PerMinute.Select(m => (m.Key, m.Value))], counts.Total);
        }
    }

    /// <summary>Reads the feed from where the last read stopped, counting each event; ends when caught up unless following.</summary>
    protected abstract Task ReadAsync(bool follow, CancellationToken cancellationToken);

    protected void Count(string campaignId, DateTimeOffset at)
    {
        var minute = new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, at.Minute, 0, TimeSpan.Zero);
        var counts = _campaigns.GetOrAdd(campaignId, _ => new CampaignCounts());
        lock (counts)
        {
            counts.PerMinute[minute] = counts.PerMinute.GetValueOrDefault(minute) + 1;
            counts.Total++;
        }

        if (CaughtUp)
        {
            Changed?.Invoke(campaignId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Read the history without follow first, so CaughtUp means the counts are complete.
                if (!CaughtUp)
                {
                    await ReadAsync(follow: false, stoppingToken).ConfigureAwait(false);
                    CaughtUp = true;
                }

                await ReadAsync(follow: true, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException error)
            {
                LogFeedInterrupted(logger, FeedName, error.StatusCode, error.Status.Detail);
                await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (HttpRequestException error)
            {
                // The token server (the gateway) is not answering yet: the back office's own token comes from it.
                LogFeedInterrupted(logger, FeedName, StatusCode.Unavailable, error.Message);
                await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private sealed class CampaignCounts
    {
        public SortedDictionary<DateTimeOffset, long> PerMinute { get; } = [];

        public long Total { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Feed} feed stopped ({Status}: {Detail}); resuming from the last event read.")]
    private static partial void LogFeedInterrupted(ILogger logger, string feed, StatusCode status, string detail);
}
