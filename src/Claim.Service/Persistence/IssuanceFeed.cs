using System.Runtime.CompilerServices;
using Npgsql;
using Vouchers.Claim.V1;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;
using OutOfRangeException = VoucherRules.OutOfRangeException;

namespace Claim.Service.Persistence;

/// <summary>The issuance_events table in sequence order, from a cursor, optionally following new events as they commit.</summary>
public sealed class IssuanceFeed(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const int BatchSize = 500;
    private static readonly TimeSpan FollowPoll = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The events after the request's cursor. The cursor is checked when enumeration starts, before the first event,
    /// so a bad cursor is refused rather than answered with an empty stream.
    /// </summary>
    public async IAsyncEnumerable<IssuanceEvent> ReadAsync(StreamIssuanceEventsRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        long after = 0;
        if (!string.IsNullOrEmpty(request.AfterCursor) && !FeedCursor.TryParse(request.AfterCursor, out after))
        {
            throw InvalidArgumentException.ForField("after_cursor", "after_cursor is malformed");
        }

        if (after > await LastSequenceAsync(cancellationToken))
        {
            throw new OutOfRangeException($"cursor {after} is ahead of the feed");
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            var events = await ReadBatchAsync(after, request.CampaignId, cancellationToken);
            foreach (var e in events)
            {
                yield return e;
                after = e.Sequence;
            }

            if (events.Count == BatchSize)
            {
                continue;
            }

            if (!request.Follow)
            {
                yield break;
            }

            await Task.Delay(FollowPoll, time, cancellationToken);
        }
    }

    private async Task<long> LastSequenceAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT coalesce(max(sequence), 0) FROM issuance_events");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<List<IssuanceEvent>> ReadBatchAsync(long after, string campaignId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT sequence, payload FROM issuance_events WHERE sequence > @after AND (@campaign = '' OR campaign_id = @campaign) ORDER BY sequence LIMIT @limit");
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("campaign", campaignId);
        command.Parameters.AddWithValue("limit", BatchSize);
        var events = new List<IssuanceEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // Events appended by a voucher change are numbered by the database, so the column is the sequence's source.
            var e = IssuanceEvent.Parser.ParseFrom((byte[])reader[1]);
            e.Sequence = reader.GetInt64(0);
            e.Cursor = FeedCursor.Format(e.Sequence);
            events.Add(e);
        }

        return events;
    }
}
