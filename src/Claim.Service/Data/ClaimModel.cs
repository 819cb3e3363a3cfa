using Microsoft.EntityFrameworkCore;

namespace Claim.Service.Data;

/// <summary>
/// The table layout of claimdb, from which dotnet-ef generates the migrations (Data/Migrations). Column names are
/// snake_case, every type is spelled out, and primary keys carry PostgreSQL's own default names (<c>&lt;table&gt;_pkey</c>),
/// so the generated schema is exactly the one the earlier hand-written SQL created (Data/Migrations/schema.sql).
/// </summary>
internal static class ClaimModel
{
    private const string Timestamp = "timestamp with time zone";

    // Vouchers that have not ended (expired or revoked). Named by a column only expiry and revocation change, never by
    // status or use: an index naming a column a lock, a release or a consume changes makes each of those a non-HOT
    // update that writes every index again. Used vouchers therefore stay in this index; the scheduler reads only the
    // stretch of validity ends since its last pass (ExpiryScheduler), so they cost it nothing after their turn.
    private const string ExpiryIndexFilter = "ended_at IS NULL";

    // Room on every page for a voucher's next versions (lock, release, consume), so those updates stay on the page
    // (HOT) instead of moving the row and writing each index again.
    private const int VoucherFillFactor = 80;

    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<VoucherRecord>(b =>
        {
            b.ToTable("vouchers");
            b.HasStorageParameter("fillfactor", VoucherFillFactor);
            b.HasKey(v => v.VoucherId).HasName("vouchers_pkey");
            b.Property(v => v.VoucherId).HasColumnName("voucher_id").HasColumnType("text");
            b.Property(v => v.RequestId).HasColumnName("request_id").HasColumnType("text");
            b.Property(v => v.CampaignId).HasColumnName("campaign_id").HasColumnType("text");
            b.Property(v => v.RoundId).HasColumnName("round_id").HasColumnType("text");
            b.Property(v => v.TierId).HasColumnName("tier_id").HasColumnType("text");
            b.Property(v => v.CategoryId).HasColumnName("category_id").HasColumnType("text");
            b.Property(v => v.ChannelId).HasColumnName("channel_id").HasColumnType("text");
            b.Property(v => v.HolderAccountHash).HasColumnName("holder_account_hash").HasColumnType("text");
            b.Property(v => v.FaceValueCents).HasColumnName("face_value_cents").HasColumnType("bigint");
            b.Property(v => v.Status).HasColumnName("status").HasColumnType("smallint");
            b.Property(v => v.ClaimedAt).HasColumnName("claimed_at").HasColumnType(Timestamp);
            b.Property(v => v.ValidFrom).HasColumnName("valid_from").HasColumnType(Timestamp);
            b.Property(v => v.ValidUntil).HasColumnName("valid_until").HasColumnType(Timestamp);
            b.Property(v => v.Drawn).HasColumnName("drawn").HasColumnType("boolean");
            b.Property(v => v.Issued).HasColumnName("issued").HasColumnType("bytea");
            b.Property(v => v.StreamId).HasColumnName("stream_id").HasColumnType("text");
            b.Property(v => v.Version).HasColumnName("version").HasColumnType("bigint");
            b.Property(v => v.LockId).HasColumnName("lock_id").HasColumnType("text");
            b.Property(v => v.LockExpiresAt).HasColumnName("lock_expires_at").HasColumnType(Timestamp);
            b.Property(v => v.RedemptionId).HasColumnName("redemption_id").HasColumnType("text");
            b.Property(v => v.MerchantId).HasColumnName("merchant_id").HasColumnType("text");
            b.Property(v => v.MerchantTradeName).HasColumnName("merchant_trade_name").HasColumnType("text");
            b.Property(v => v.UsedAt).HasColumnName("used_at").HasColumnType(Timestamp);
            b.Property(v => v.EndedAt).HasColumnName("ended_at").HasColumnType(Timestamp);
            b.Property(v => v.RevokeReason).HasColumnName("revoke_reason").HasColumnType("text");
            // One voucher per claim request and campaign: the persister's ON CONFLICT target.
            b.HasIndex(v => new { v.CampaignId, v.RequestId }).IsUnique().HasDatabaseName("ux_vouchers_request");
            // The wallet, newest first.
            b.HasIndex(v => new { v.HolderAccountHash, v.VoucherId }).IsDescending(false, true).HasDatabaseName("ix_vouchers_holder");
            // The expiry scan: validity ends of vouchers not yet ended.
            b.HasIndex(v => v.ValidUntil).HasFilter(ExpiryIndexFilter).HasDatabaseName("ix_vouchers_expiry");
            // No index names status: pool reports and reconciliation read a campaign's rows through ux_vouchers_request
            // (campaign_id first) and need their other columns anyway.
        });

        modelBuilder.Entity<IssuanceEventRecord>(b =>
        {
            b.ToTable("issuance_events");
            b.HasKey(e => e.Sequence).HasName("issuance_events_pkey");
            b.Property(e => e.Sequence).HasColumnName("sequence").HasColumnType("bigint").ValueGeneratedNever();
            b.Property(e => e.CampaignId).HasColumnName("campaign_id").HasColumnType("text");
            b.Property(e => e.VoucherId).HasColumnName("voucher_id").HasColumnType("text");
            b.Property(e => e.OccurredAt).HasColumnName("occurred_at").HasColumnType(Timestamp);
            b.Property(e => e.Payload).HasColumnName("payload").HasColumnType("bytea");
            b.HasIndex(e => new { e.CampaignId, e.Sequence }).HasDatabaseName("ix_issuance_events_campaign");
        });

        modelBuilder.Entity<VoucherConsumptionRecord>(b =>
        {
            b.ToTable("voucher_consumptions");
            b.HasKey(c => c.RedemptionId).HasName("voucher_consumptions_pkey");
            b.Property(c => c.RedemptionId).HasColumnName("redemption_id").HasColumnType("text");
            b.Property(c => c.VoucherId).HasColumnName("voucher_id").HasColumnType("text");
            b.Property(c => c.ConsumedAt).HasColumnName("consumed_at").HasColumnType(Timestamp);
            b.Property(c => c.ReversedAt).HasColumnName("reversed_at").HasColumnType(Timestamp);
            // The database itself refuses a second live consumption of one voucher, even if a code path forgot its row lock.
            b.HasIndex(c => c.VoucherId).IsUnique().HasFilter("reversed_at IS NULL").HasDatabaseName("ux_voucher_consumptions_live");
        });

        modelBuilder.Entity<VoucherReinstatementRecord>(b =>
        {
            b.ToTable("voucher_reinstatements");
            b.HasKey(r => r.ReversalId).HasName("voucher_reinstatements_pkey");
            b.Property(r => r.ReversalId).HasColumnName("reversal_id").HasColumnType("text");
            b.Property(r => r.VoucherId).HasColumnName("voucher_id").HasColumnType("text");
            b.Property(r => r.RedemptionId).HasColumnName("redemption_id").HasColumnType("text");
            b.Property(r => r.Reason).HasColumnName("reason").HasColumnType("text");
            b.Property(r => r.ReinstatedAt).HasColumnName("reinstated_at").HasColumnType(Timestamp);
        });

        modelBuilder.Entity<PresentationCodeRecord>(b =>
        {
            b.ToTable("presentation_codes");
            b.HasKey(c => c.Token).HasName("presentation_codes_pkey");
            b.Property(c => c.Token).HasColumnName("token").HasColumnType("text");
            b.Property(c => c.VoucherId).HasColumnName("voucher_id").HasColumnType("text");
            b.Property(c => c.CreatedAt).HasColumnName("created_at").HasColumnType(Timestamp);
            b.Property(c => c.ExpiresAt).HasColumnName("expires_at").HasColumnType(Timestamp);
            b.Property(c => c.ReplacedAt).HasColumnName("replaced_at").HasColumnType(Timestamp);
            b.HasIndex(c => c.VoucherId).HasDatabaseName("ix_presentation_codes_voucher");
        });

        modelBuilder.Entity<BlockListEntryRecord>(b =>
        {
            b.ToTable("block_list");
            b.HasKey(e => e.EntryId).HasName("block_list_pkey");
            b.Property(e => e.EntryId).HasColumnName("entry_id").HasColumnType("text");
            b.Property(e => e.Kind).HasColumnName("kind").HasColumnType("smallint");
            b.Property(e => e.KeyHash).HasColumnName("key_hash").HasColumnType("text");
            b.Property(e => e.MaskedValue).HasColumnName("masked_value").HasColumnType("text");
            b.Property(e => e.CampaignId).HasColumnName("campaign_id").HasColumnType("text");
            b.Property(e => e.Reason).HasColumnName("reason").HasColumnType("text");
            b.Property(e => e.AddedBy).HasColumnName("added_by").HasColumnType("bytea");
            b.Property(e => e.AddedAt).HasColumnName("added_at").HasColumnType(Timestamp);
            b.Property(e => e.ExpiresAt).HasColumnName("expires_at").HasColumnType(Timestamp);
            b.Property(e => e.RemovedAt).HasColumnName("removed_at").HasColumnType(Timestamp);
            b.Property(e => e.RemovalReason).HasColumnName("removal_reason").HasColumnType("text");
            // One active entry per identity and campaign; removed entries stay as history.
            b.HasIndex(e => new { e.CampaignId, e.Kind, e.KeyHash }).IsUnique().HasFilter("removed_at IS NULL").HasDatabaseName("ux_block_list_active");
        });
    }
}
