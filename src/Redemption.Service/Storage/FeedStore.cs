using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Vouchers.Redemption.V1;

namespace Redemption.Service.Storage;

/// <summary>
/// The redemption feed table. Sequence numbers come from the single row of feed_counter, incremented inside the same
/// transaction as the change it announces. The row lock taken by that UPDATE is held until commit, so a second
/// writer gets its number only after the first committed (or rolled back, which returns the number): numbers are
/// handed out in commit order and without gaps, and a reader that sees sequence n has every event below n. A database
/// sequence would be cheaper but hands out numbers at call time, so a slow transaction could commit n after a reader
/// passed n + 1, and a rollback would leave a hole. The price is that feed writes are serialised for the rest of
/// their transaction, which is why callers append the event as the last statement before committing (in the same
/// round trip as their other writes where they can).
/// </summary>
public sealed class FeedStore(NpgsqlDataSource dataSource)
{
    private const string CursorPrefix = "rf1.";

    /// <summary>Wakes following streams in this process after a commit; other copies' events arrive by polling.</summary>
    public event Action? Appended;

    public static string Cursor(long sequence) => CursorPrefix + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The sequence a cursor stands for; 0 for an empty cursor; null when it is not one of ours.</summary>
    public static long? ReadCursor(string cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return 0;
        }

        return cursor.StartsWith(CursorPrefix, StringComparison.Ordinal)
            && long.TryParse(cursor.AsSpan(CursorPrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence)
            && sequence > 0
                ? sequence
                : null;
    }

    /// <summary>
    /// The statement that appends one event in the caller's transaction: numbering and insert in one round trip. Run it
    /// last, just before committing. The stored event carries no sequence; readers take it from the column.
    /// </summary>
    public static NpgsqlBatchCommand Append(RedemptionEventKind kind, RedemptionRecord record, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        var feedEvent = new RedemptionEvent { OccurredAt = Timestamp.FromDateTimeOffset(now), Kind = kind, Redemption = record };
        var command = new NpgsqlBatchCommand(
            $"""
            WITH next AS (UPDATE feed_counter SET last_sequence = last_sequence + 1 WHERE id = 1 RETURNING last_sequence)
            INSERT INTO redemption_events (sequence, campaign_id, occurred_at, event) SELECT last_sequence, $1, $2, $3 FROM next
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = record.CampaignId });
        command.Parameters.Add(new NpgsqlParameter { Value = now.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = Google.Protobuf.MessageExtensions.ToByteArray(feedEvent) });
        return command;
    }

    /// <summary>
    /// The statement that appends one event per item in the caller's transaction, numbered in the items' order, for the
    /// items that pass <paramref name="onlyIf"/>: a condition over the alias <c>u</c>, whose columns are
    /// <c>request_key</c> and <c>at</c> (the item's key and time). Run it last, just before committing.
    /// </summary>
    public static NpgsqlBatchCommand AppendEach(
        RedemptionEventKind kind, IReadOnlyList<(RedemptionRecord Record, byte[] RecordBytes, DateTimeOffset At, string RequestKey)> items, string onlyIf)
    {
        ArgumentNullException.ThrowIfNull(items);
        var command = new NpgsqlBatchCommand(
            $"""
            WITH appended AS (
                SELECT u.campaign, u.at, u.event, row_number() OVER (ORDER BY u.position) AS n
                FROM unnest($1::text[], $2::timestamptz[], $3::bytea[], $4::text[]) WITH ORDINALITY AS u(campaign, at, event, request_key, position)
                WHERE {onlyIf}),
            next AS (UPDATE feed_counter SET last_sequence = last_sequence + (SELECT count(*) FROM appended) WHERE id = 1 RETURNING last_sequence)
            INSERT INTO redemption_events (sequence, campaign_id, occurred_at, event)
            SELECT next.last_sequence - (SELECT count(*) FROM appended) + appended.n, appended.campaign, appended.at, appended.event FROM appended, next
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = items.Select(i => i.Record.CampaignId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = items.Select(i => i.At.UtcDateTime).ToArray() });
        command.Parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bytea,
            Value = items.Select(i => EmbeddedMessage.Write(
                new RedemptionEvent { OccurredAt = Timestamp.FromDateTimeOffset(i.At), Kind = kind }, RedemptionEvent.RedemptionFieldNumber, i.RecordBytes)).ToArray(),
        });
        command.Parameters.Add(new NpgsqlParameter { Value = items.Select(i => i.RequestKey).ToArray() });
        return command;
    }

    /// <summary>Tells following streams that events were committed.</summary>
    public void Announce() => Appended?.Invoke();

    public async Task<long> LastSequenceAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT last_sequence FROM feed_counter WHERE id = 1");
        return (long)(await command.ExecuteScalarAsync(cancellationToken) ?? 0L);
    }

    /// <summary>Up to <paramref name="limit"/> events after <paramref name="afterSequence"/>, in order, optionally of one campaign.</summary>
    public async Task<List<RedemptionEvent>> ReadAsync(long afterSequence, string campaignId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT sequence, event FROM redemption_events
            WHERE sequence > @after AND (@campaign = '' OR campaign_id = @campaign)
            ORDER BY sequence LIMIT @limit
            """);
        command.Parameters.AddWithValue("after", afterSequence);
        command.Parameters.AddWithValue("campaign", campaignId);
        command.Parameters.AddWithValue("limit", limit);
        var events = new List<RedemptionEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var feedEvent = RedemptionEvent.Parser.ParseFrom((byte[])reader[1]);
            feedEvent.Sequence = reader.GetInt64(0);
            feedEvent.Cursor = Cursor(feedEvent.Sequence);
            events.Add(feedEvent);
        }

        return events;
    }
}
