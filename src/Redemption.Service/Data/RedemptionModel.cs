using Microsoft.EntityFrameworkCore;

namespace Redemption.Service.Data;

/// <summary>
/// The table layout of redemptiondb, from which dotnet-ef generates the migrations (Data/Migrations). Column names are
/// snake_case, types spelled out, primary keys named as PostgreSQL names them (<c>&lt;table&gt;_pkey</c>).
/// </summary>
internal static class RedemptionModel
{
    private const string Timestamp = "timestamp with time zone";

    /// <summary>redemption.v1 REDEMPTION_STATUS_VOIDED: a voided redemption no longer holds its voucher or its transaction.</summary>
    public const string LiveFilter = "status <> 2";

    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<RedemptionRow>(b =>
        {
            b.ToTable("redemptions");
            b.HasKey(r => r.RedemptionId).HasName("redemptions_pkey");
            b.Property(r => r.RedemptionId).HasColumnName("redemption_id").HasColumnType("text");
            b.Property(r => r.IdempotencyKey).HasColumnName("idempotency_key").HasColumnType("text");
            b.Property(r => r.VoucherId).HasColumnName("voucher_id").HasColumnType("text");
            b.Property(r => r.CampaignId).HasColumnName("campaign_id").HasColumnType("text");
            b.Property(r => r.MerchantId).HasColumnName("merchant_id").HasColumnType("text");
            b.Property(r => r.StaffId).HasColumnName("staff_id").HasColumnType("text");
            b.Property(r => r.TierId).HasColumnName("tier_id").HasColumnType("text");
            b.Property(r => r.CategoryId).HasColumnName("category_id").HasColumnType("text");
            b.Property(r => r.TransactionKey).HasColumnName("transaction_key").HasColumnType("text");
            b.Property(r => r.BuyerHash).HasColumnName("buyer_hash").HasColumnType("text");
            b.Property(r => r.BuyerPhoneHash).HasColumnName("buyer_phone_hash").HasColumnType("text");
            b.Property(r => r.Status).HasColumnName("status").HasColumnType("smallint");
            b.Property(r => r.SubsidyExclusion).HasColumnName("subsidy_exclusion").HasColumnType("smallint");
            b.Property(r => r.FaceValueCents).HasColumnName("face_value_cents").HasColumnType("bigint");
            b.Property(r => r.OrderAmountCents).HasColumnName("order_amount_cents").HasColumnType("bigint");
            b.Property(r => r.GovernmentShareCents).HasColumnName("government_share_cents").HasColumnType("bigint");
            b.Property(r => r.ThresholdCents).HasColumnName("threshold_cents").HasColumnType("bigint");
            b.Property(r => r.RedeemedAt).HasColumnName("redeemed_at").HasColumnType(Timestamp);
            b.Property(r => r.Version).HasColumnName("version").HasColumnType("bigint");
            b.Property(r => r.Record).HasColumnName("record").HasColumnType("bytea");
            // No index on idempotency_key: the recording writes the key's answer in the same transaction, so the key is
            // unique through idempotency_keys' primary key, and every lookup by key goes there (an index here cost each
            // redemption one more insert into a b-tree of random keys).
            // The database itself refuses a second live redemption of one voucher, and a second voucher on one transaction.
            b.HasIndex(r => r.VoucherId).IsUnique().HasFilter(LiveFilter).HasDatabaseName("ux_redemptions_voucher_live");
            b.HasIndex(r => new { r.MerchantId, r.TransactionKey }).IsUnique().HasFilter(LiveFilter).HasDatabaseName("ux_redemptions_transaction_live");
            // A merchant's list, newest first (keyset on redeemed_at, redemption_id), and a campaign's day for the screening.
            b.HasIndex(r => new { r.MerchantId, r.RedeemedAt, r.RedemptionId }).IsDescending(false, true, true).HasDatabaseName("ix_redemptions_merchant_time");
            b.HasIndex(r => new { r.CampaignId, r.RedeemedAt }).HasDatabaseName("ix_redemptions_campaign_time");
        });

        modelBuilder.Entity<IdempotencyKeyRow>(b =>
        {
            b.ToTable("idempotency_keys");
            b.HasKey(k => k.IdempotencyKey).HasName("idempotency_keys_pkey");
            b.Property(k => k.IdempotencyKey).HasColumnName("idempotency_key").HasColumnType("text");
            b.Property(k => k.Fingerprint).HasColumnName("fingerprint").HasColumnType("text");
            b.Property(k => k.Outcome).HasColumnName("outcome").HasColumnType("bytea");
            b.Property(k => k.CreatedAt).HasColumnName("created_at").HasColumnType(Timestamp);
        });

        modelBuilder.Entity<AttemptRow>(b =>
        {
            b.ToTable("redemption_attempts");
            b.HasKey(a => a.IdempotencyKey).HasName("redemption_attempts_pkey");
            b.Property(a => a.IdempotencyKey).HasColumnName("idempotency_key").HasColumnType("text");
            b.Property(a => a.RedemptionId).HasColumnName("redemption_id").HasColumnType("text");
            b.Property(a => a.VoucherId).HasColumnName("voucher_id").HasColumnType("text");
            b.Property(a => a.MerchantId).HasColumnName("merchant_id").HasColumnType("text");
            b.Property(a => a.MerchantTradeName).HasColumnName("merchant_trade_name").HasColumnType("text");
            b.Property(a => a.LeaseUntil).HasColumnName("lease_until").HasColumnType(Timestamp);
            b.Property(a => a.CreatedAt).HasColumnName("created_at").HasColumnType(Timestamp);
            // No index on lease_until: the table holds only the attempts in flight, so recovery's scan for lapsed leases
            // reads a few pages, while an index would be written by every redemption.
        });

        modelBuilder.Entity<ReversalRow>(b =>
        {
            b.ToTable("reversals");
            b.HasKey(r => r.ReversalId).HasName("reversals_pkey");
            b.Property(r => r.ReversalId).HasColumnName("reversal_id").HasColumnType("text");
            b.Property(r => r.RedemptionId).HasColumnName("redemption_id").HasColumnType("text");
            b.Property(r => r.Fingerprint).HasColumnName("fingerprint").HasColumnType("text");
            b.Property(r => r.Reversal).HasColumnName("reversal").HasColumnType("bytea");
            b.Property(r => r.ReversedAt).HasColumnName("reversed_at").HasColumnType(Timestamp);
            b.HasIndex(r => r.RedemptionId).IsUnique().HasDatabaseName("ux_reversals_redemption");
        });

        modelBuilder.Entity<RevocationRow>(b =>
        {
            b.ToTable("revocations");
            b.HasKey(r => r.RedemptionId).HasName("revocations_pkey");
            b.Property(r => r.RedemptionId).HasColumnName("redemption_id").HasColumnType("text");
            b.Property(r => r.Reason).HasColumnName("reason").HasColumnType("text");
            b.Property(r => r.Actor).HasColumnName("actor").HasColumnType("bytea");
            b.Property(r => r.RevokedAt).HasColumnName("revoked_at").HasColumnType(Timestamp);
        });

        modelBuilder.Entity<AnomalySignalRow>(b =>
        {
            b.ToTable("anomaly_signals");
            b.HasKey(s => s.SignalId).HasName("anomaly_signals_pkey");
            b.Property(s => s.SignalId).HasColumnName("signal_id").HasColumnType("text");
            b.Property(s => s.CampaignId).HasColumnName("campaign_id").HasColumnType("text");
            b.Property(s => s.MerchantId).HasColumnName("merchant_id").HasColumnType("text");
            b.Property(s => s.Day).HasColumnName("day").HasColumnType("date");
            b.Property(s => s.Kind).HasColumnName("kind").HasColumnType("smallint");
            b.Property(s => s.ScoreBasisPoints).HasColumnName("score_basis_points").HasColumnType("integer");
            b.Property(s => s.Signal).HasColumnName("signal").HasColumnType("bytea");
            b.HasIndex(s => new { s.CampaignId, s.Day }).HasDatabaseName("ix_anomaly_signals_campaign_day");
            b.HasIndex(s => new { s.ScoreBasisPoints, s.SignalId }).IsDescending(true, false).HasDatabaseName("ix_anomaly_signals_score");
        });

        modelBuilder.Entity<ScreeningRunRow>(b =>
        {
            b.ToTable("screening_runs");
            b.HasKey(r => new { r.CampaignId, r.Day }).HasName("screening_runs_pkey");
            b.Property(r => r.CampaignId).HasColumnName("campaign_id").HasColumnType("text");
            b.Property(r => r.Day).HasColumnName("day").HasColumnType("date");
            b.Property(r => r.RanAt).HasColumnName("ran_at").HasColumnType(Timestamp);
        });

        modelBuilder.Entity<FeedEventRow>(b =>
        {
            b.ToTable("redemption_events");
            b.HasKey(e => e.Sequence).HasName("redemption_events_pkey");
            b.Property(e => e.Sequence).HasColumnName("sequence").HasColumnType("bigint").ValueGeneratedNever();
            b.Property(e => e.CampaignId).HasColumnName("campaign_id").HasColumnType("text");
            b.Property(e => e.OccurredAt).HasColumnName("occurred_at").HasColumnType(Timestamp);
            b.Property(e => e.Event).HasColumnName("event").HasColumnType("bytea");
            b.HasIndex(e => new { e.CampaignId, e.Sequence }).HasDatabaseName("ix_redemption_events_campaign");
        });

        modelBuilder.Entity<FeedCounterRow>(b =>
        {
            b.ToTable("feed_counter");
            b.HasKey(c => c.Id).HasName("feed_counter_pkey");
            b.Property(c => c.Id).HasColumnName("id").HasColumnType("smallint").ValueGeneratedNever();
            b.Property(c => c.LastSequence).HasColumnName("last_sequence").HasColumnType("bigint");
            // The single counter row exists from the first migration on, so every feed write only updates it.
            b.HasData(new FeedCounterRow { Id = 1, LastSequence = 0 });
        });
    }
}
