using Claim.Service.HotPath;
using Claim.Service.Persistence;
using Grpc.Core;
using Npgsql;
using Vouchers.Claim.V1;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;
using OutOfRangeException = VoucherRules.OutOfRangeException;

namespace Claim.Service.Grpc;

/// <summary>claim.v1 IssuanceFeedService: the issuance_events table in sequence order, from a cursor, optionally following.</summary>
public sealed class IssuanceFeedGrpcService(NpgsqlDataSource dataSource, TimeProvider time) : IssuanceFeedService.IssuanceFeedServiceBase
{
    private const int BatchSize = 500;
    private static readonly TimeSpan FollowPoll = TimeSpan.FromMilliseconds(200);

    public override async Task StreamIssuanceEvents(StreamIssuanceEventsRequest request, IServerStreamWriter<IssuanceEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        long after = 0;
        if (!string.IsNullOrEmpty(request.AfterCursor) && !FeedCursor.TryParse(request.AfterCursor, out after))
        {
            throw InvalidArgumentException.ForField("after_cursor", "after_cursor is malformed");
        }

        var cancellationToken = context.CancellationToken;
        if (after > await LastSequenceAsync(cancellationToken))
        {
            throw new OutOfRangeException($"cursor {after} is ahead of the feed");
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            var events = await ReadAsync(after, request.CampaignId, cancellationToken);
            foreach (var e in events)
            {
                await responseStream.WriteAsync(e);
                after = e.Sequence;
            }

            if (events.Count == BatchSize)
            {
                continue;
            }

            if (!request.Follow)
            {
                return;
            }

            await Task.Delay(FollowPoll, time, cancellationToken);
        }
    }

    private async Task<long> LastSequenceAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT coalesce(max(sequence), 0) FROM issuance_events");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<List<IssuanceEvent>> ReadAsync(long after, string campaignId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT payload FROM issuance_events WHERE sequence > @after AND (@campaign = '' OR campaign_id = @campaign) ORDER BY sequence LIMIT @limit");
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("campaign", campaignId);
        command.Parameters.AddWithValue("limit", BatchSize);
        var events = new List<IssuanceEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(IssuanceEvent.Parser.ParseFrom((byte[])reader[0]));
        }

        return events;
    }
}
