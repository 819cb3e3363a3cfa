using System.Collections.Concurrent;
using Grpc.Core;
using Vouchers.Claim.V1;

namespace BackOffice.Campaigns;

/// <summary>Claims of one campaign per minute (UTC minute starts), oldest first.</summary>
public sealed record ClaimTimeline(IReadOnlyList<(DateTimeOffset Minute, long Claims)> Minutes, long Total);

/// <summary>
/// Follows Claim's issuance feed once for the whole back office and keeps claims per campaign and minute, so a
/// campaign page draws its chart from memory at once and is pushed each new claim (no page polls the services).
/// The feed replays from its start after a restart: the counts are derived, never stored.
/// </summary>
public sealed partial class ClaimActivity(IssuanceFeedService.IssuanceFeedServiceClient feed, ILogger<ClaimActivity> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, CampaignCounts> _campaigns = new(StringComparer.Ordinal);
    private string _cursor = string.Empty;

    /// <summary>Raised with the campaign id after its counts changed (on the feed's thread: subscribers marshal).</summary>
    public event Action<string>? Changed;

    /// <summary>True once the feed's history has been read up to its end at least once.</summary>
    public bool CaughtUp { get; private set; }

    public ClaimTimeline Timeline(string campaignId)
    {
        if (!_campaigns.TryGetValue(campaignId, out var counts))
        {
            return new ClaimTimeline([], 0);
        }

        lock (counts)
        {
            return new ClaimTimeline([.. counts.PerMinute.Select(m => (m.Key, m.Value))], counts.Total);
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
                LogFeedInterrupted(logger, error.StatusCode, error.Status.Detail);
                await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (HttpRequestException error)
            {
                // The token server (the gateway) is not answering yet: the back office's own token comes from it.
                LogFeedInterrupted(logger, StatusCode.Unavailable, error.Message);
                await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task ReadAsync(bool follow, CancellationToken cancellationToken)
    {
        using var call = feed.StreamIssuanceEvents(new StreamIssuanceEventsRequest { AfterCursor = _cursor, Follow = follow }, cancellationToken: cancellationToken);
        await foreach (var item in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            _cursor = item.Cursor;
            if (item.EventCase != IssuanceEvent.EventOneofCase.Issued)
            {
                continue;
            }

            var claimedAt = (item.Issued.Voucher?.ClaimedAt ?? item.OccurredAt).ToDateTimeOffset();
            var minute = new DateTimeOffset(claimedAt.Year, claimedAt.Month, claimedAt.Day, claimedAt.Hour, claimedAt.Minute, 0, TimeSpan.Zero);
            var counts = _campaigns.GetOrAdd(item.CampaignId, _ => new CampaignCounts());
            lock (counts)
            {
                counts.PerMinute[minute] = counts.PerMinute.GetValueOrDefault(minute) + 1;
                counts.Total++;
            }

            if (CaughtUp)
            {
                Changed?.Invoke(item.CampaignId);
            }
        }
    }

    private sealed class CampaignCounts
    {
        public SortedDictionary<DateTimeOffset, long> PerMinute { get; } = [];

        public long Total { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The issuance feed stopped ({Status}: {Detail}); resuming from the last event read.")]
    private static partial void LogFeedInterrupted(ILogger logger, StatusCode status, string detail);
}
