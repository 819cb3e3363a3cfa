using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using Settlement.Service.Application;
using Settlement.Service.Data;
using Google.Protobuf;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;

namespace Settlement.Service.Feeds;

/// <summary>
/// Writes a batch of Redemption feed events into the redemptions table together with the feed cursor, in one
/// transaction: after a crash either both are stored or neither, so no event is counted twice or lost. Events at
/// or below the stored sequence are skipped, so replaying a batch changes nothing (two copies may both project).
/// </summary>
public sealed class RedemptionProjection(IDbContextFactory<SettlementDbContext> contexts, SettlementMetrics metrics)
{
    public const string Feed = "redemption";

    public async Task<int> ApplyAsync(IReadOnlyList<RedemptionEvent> events, CancellationToken cancellationToken)
    {
        var applied = await FeedCursors.ProjectAsync(contexts, Feed, events, e => e.Sequence, e => e.Cursor, (db, transaction, fresh) =>
        {
            // Last event per redemption wins within the batch; the row keeps the newest version across batches.
            var latest = fresh.Where(e => e.Redemption is not null)
                .GroupBy(e => e.Redemption.RedemptionId, StringComparer.Ordinal)
                .Select(g => g.MaxBy(e => e.Sequence)!)
                .ToList();
            return UpsertAsync(db, transaction, latest, cancellationToken);
        }, cancellationToken);
        metrics.Projected(Feed, applied);
        return applied;
    }

    private static async Task UpsertAsync(SettlementDbContext db, IDbContextTransaction transaction, List<RedemptionEvent> events, CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO redemptions (redemption_id, campaign_id, voucher_id, round_id, tier_id, issuing_channel_id, merchant_id,
                merchant_trade_name, staff_id, acquiring_channel_id, channel_transaction_id, category_id, invoice_number,
                buyer_phone_hash, face_value_cents, order_amount_cents, merchant_cofunding_cents, government_share_cents,
                status, subsidy_exclusion, redeemed_at, version, feed_sequence, record, settled_earning, clawed_back)
            SELECT u.*, false, false FROM unnest(@id, @campaign, @voucher, @round, @tier, @issuing, @merchant, @trade, @staff,
                @acquiring, @transaction, @category, @invoice, @phone, @face, @order, @cofunding, @government, @status,
                @exclusion, @redeemed, @version, @sequence, @record) AS u
            ON CONFLICT (redemption_id) DO UPDATE SET
                merchant_trade_name = excluded.merchant_trade_name, category_id = excluded.category_id,
                invoice_number = excluded.invoice_number, order_amount_cents = excluded.order_amount_cents,
                merchant_cofunding_cents = excluded.merchant_cofunding_cents, government_share_cents = excluded.government_share_cents,
                status = excluded.status, subsidy_exclusion = excluded.subsidy_exclusion, version = excluded.version,
                feed_sequence = excluded.feed_sequence, record = excluded.record
            WHERE redemptions.feed_sequence < excluded.feed_sequence
            """,
            connection,
            (NpgsqlTransaction)transaction.GetDbTransaction());
        var records = events.Select(e => e.Redemption).ToList();
        Add(command, "id", records.Select(r => r.RedemptionId));
        Add(command, "campaign", records.Select(r => r.CampaignId));
        Add(command, "voucher", records.Select(r => r.VoucherId));
        Add(command, "round", records.Select(r => r.RoundId));
        Add(command, "tier", records.Select(r => r.TierId));
        Add(command, "issuing", records.Select(r => r.IssuingChannelId));
        Add(command, "merchant", records.Select(r => r.MerchantId));
        Add(command, "trade", records.Select(r => r.MerchantTradeName));
        Add(command, "staff", records.Select(r => r.StaffId));
        Add(command, "acquiring", records.Select(r => r.AcquiringChannelId));
        Add(command, "transaction", records.Select(r => r.ChannelTransactionId));
        Add(command, "category", records.Select(r => r.CategoryId));
        Add(command, "invoice", records.Select(r => r.InvoiceNumber));
        Add(command, "phone", records.Select(r => PhoneHash(r.BuyerKeys)));
        Add(command, "face", records.Select(r => r.FaceValueCents));
        Add(command, "order", records.Select(r => r.OrderAmountCents));
        Add(command, "cofunding", records.Select(r => r.MerchantCofundingCents));
        Add(command, "government", records.Select(r => r.GovernmentShareCents));
        Add(command, "status", records.Select(r => (short)r.Status));
        Add(command, "exclusion", records.Select(r => (short)r.SubsidyExclusion));
        Add(command, "redeemed", records.Select(r => r.RedeemedAt?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch));
        Add(command, "version", records.Select(r => r.Version));
        Add(command, "sequence", events.Select(e => e.Sequence));
        Add(command, "record", records.Select(r => r.ToByteArray()));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The buyer's phone key hash, so the redemption list can filter by buyer phone.</summary>
    internal static string PhoneHash(IEnumerable<MaskedIdentityKey> keys) =>
        keys.FirstOrDefault(k => k.Kind == IdentityKeyKind.Phone)?.KeyHash ?? string.Empty;

    private static void Add<T>(NpgsqlCommand command, string name, IEnumerable<T> values) =>
        command.Parameters.Add(new NpgsqlParameter<T[]>(name, values.ToArray()));
}

/// <summary>The feed cursor rows, read and written inside the projecting transaction.</summary>
internal static class FeedCursors
{
    /// <summary>
    /// One projecting transaction: locks the feed's cursor, keeps the events after it (refusing a gap), lets
    /// <paramref name="write"/> store their rows, moves the cursor to the last of them and commits. Returns how many
    /// events were new.
    /// </summary>
    public static async Task<int> ProjectAsync<TEvent>(
        IDbContextFactory<SettlementDbContext> contexts,
        string feed,
        IReadOnlyList<TEvent> events,
        Func<TEvent, long> sequenceOf,
        Func<TEvent, string> cursorOf,
        Func<SettlementDbContext, IDbContextTransaction, IReadOnlyList<TEvent>, Task> write,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return 0;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var stored = await LockAsync(db, feed, cancellationToken);
        var fresh = events.Where(e => sequenceOf(e) > stored).ToList();
        if (fresh.Count == 0)
        {
            return 0;
        }

        RequireContiguous(feed, stored, fresh.Select(sequenceOf));
        await write(db, transaction, fresh);
        await AdvanceAsync(db, feed, cursorOf(fresh[^1]), sequenceOf(fresh[^1]), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return fresh.Count;
    }

    /// <summary>Locks the feed's cursor row (creating it at 0) and returns the stored sequence.</summary>
    public static async Task<long> LockAsync(SettlementDbContext db, string feed, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO feed_cursors (feed, cursor, sequence) VALUES ({feed}, '', 0) ON CONFLICT (feed) DO NOTHING", cancellationToken);
        return await db.Database.SqlQuery<long>($"SELECT sequence AS \"Value\" FROM feed_cursors WHERE feed = {feed} FOR UPDATE").SingleAsync(cancellationToken);
    }

    public static Task AdvanceAsync(SettlementDbContext db, string feed, string cursor, long sequence, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlInterpolatedAsync($"UPDATE feed_cursors SET cursor = {cursor}, sequence = {sequence} WHERE feed = {feed}", cancellationToken);

    /// <summary>Records that every event committed before <paramref name="instant"/> has been projected.</summary>
    public static Task MarkCaughtUpAsync(SettlementDbContext db, string feed, DateTimeOffset instant, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO feed_cursors (feed, cursor, sequence, caught_up_to) VALUES ({feed}, '', 0, {instant})
            ON CONFLICT (feed) DO UPDATE SET caught_up_to = GREATEST(feed_cursors.caught_up_to, excluded.caught_up_to)
            """,
            cancellationToken);

    /// <summary>The feed promises sequence + 1 per event; a gap means events were lost and projecting on would miss them.</summary>
    public static void RequireContiguous(string feed, long stored, IEnumerable<long> sequences)
    {
        var expected = stored + 1;
        foreach (var sequence in sequences)
        {
            if (sequence != expected)
            {
                throw new InvalidOperationException($"{feed} feed: expected sequence {expected} after {expected - 1}, got {sequence}");
            }

            expected++;
        }
    }
}
