using Grpc.Core;
using Microsoft.Extensions.Options;
using Redemption.Service.Storage;
using Vouchers.Redemption.V1;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;
using OutOfRangeException = VoucherRules.OutOfRangeException;

namespace Redemption.Service.Feed;

/// <summary>
/// StreamRedemptionEvents: every event after the cursor in sequence order, in batches, then (with follow) new ones as
/// they commit: woken at once by commits in this process and by polling for other copies'. Ends with UNAVAILABLE when
/// the service shuts down, so the consumer resumes from its last cursor elsewhere.
/// </summary>
public sealed class FeedService(FeedStore feed, IOptions<RedemptionOptions> options, IHostApplicationLifetime lifetime)
{
    private const int Batch = 500;

    public async Task StreamAsync(StreamRedemptionEventsRequest request, IServerStreamWriter<RedemptionEvent> writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(writer);
        var after = FeedStore.ReadCursor(request.AfterCursor)
            ?? throw InvalidArgumentException.ForField("after_cursor", "not a cursor from this feed");
        if (after > await feed.LastSequenceAsync(cancellationToken))
        {
            throw new OutOfRangeException($"the cursor (sequence {after}) is ahead of the feed");
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        var token = linked.Token;
        // Never disposed: a recording that read the subscriber list just before this stream unsubscribed still calls
        // Appended after it, and Release on a disposed semaphore would fail that recording's already committed call.
        // Without its wait handle ever asked for, a SemaphoreSlim holds nothing that disposing would free.
        var wake = new SemaphoreSlim(0);
        void Appended()
        {
            if (wake.CurrentCount == 0)
            {
                wake.Release();
            }
        }

        feed.Appended += Appended;
        try
        {
            while (true)
            {
                var events = await feed.ReadAsync(after, request.CampaignId, Batch, token);
                foreach (var feedEvent in events)
                {
                    await writer.WriteAsync(feedEvent, token);
                    after = feedEvent.Sequence;
                }

                if (events.Count == Batch)
                {
                    continue;
                }

                if (!request.Follow)
                {
                    return;
                }

                await wake.WaitAsync(options.Value.FeedPollInterval, token);
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the service is shutting down; resume from your last cursor"));
        }
        finally
        {
            feed.Appended -= Appended;
        }
    }
}
