using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Settlement.Service.Data;

/// <summary>The Settlement service's own database (settlementdb); no other service reads it.</summary>
public sealed class SettlementDbContext(DbContextOptions<SettlementDbContext> options) : DbContext(options)
{
    public DbSet<CampaignSnapshotRecord> CampaignSnapshots => Set<CampaignSnapshotRecord>();

    public DbSet<FeedCursorRecord> FeedCursors => Set<FeedCursorRecord>();

    public DbSet<RedemptionRow> Redemptions => Set<RedemptionRow>();

    public DbSet<VoucherRow> Vouchers => Set<VoucherRow>();

    public DbSet<SettlementRunRecord> Runs => Set<SettlementRunRecord>();

    public DbSet<StatementRecord> Statements => Set<StatementRecord>();

    public DbSet<StatementSplitRecord> StatementSplits => Set<StatementSplitRecord>();

    public DbSet<AdjustmentRecord> Adjustments => Set<AdjustmentRecord>();

    public DbSet<PayoutBatchRecord> PayoutBatches => Set<PayoutBatchRecord>();

    public DbSet<ReconciliationRecord> Reconciliations => Set<ReconciliationRecord>();

    public DbSet<ReconciliationItemRecord> ReconciliationItems => Set<ReconciliationItemRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<CampaignSnapshotRecord>(b =>
        {
            b.ToTable("campaign_snapshots");
            b.HasKey(s => s.CampaignId);
        });
        modelBuilder.Entity<FeedCursorRecord>(b =>
        {
            b.ToTable("feed_cursors");
            b.HasKey(c => c.Feed);
        });
        modelBuilder.Entity<RedemptionRow>(b =>
        {
            b.ToTable("redemptions");
            b.HasKey(r => r.RedemptionId);
            // Statements and the redemption list read a campaign's redemptions by time, per merchant or overall.
            b.HasIndex(r => new { r.CampaignId, r.RedeemedAt, r.RedemptionId });
            b.HasIndex(r => new { r.CampaignId, r.MerchantId, r.RedeemedAt });
            // Reconciliation matches a channel's transactions.
            b.HasIndex(r => new { r.CampaignId, r.AcquiringChannelId, r.ChannelTransactionId });
            // Claw-backs look for paid redemptions revoked since.
            b.HasIndex(r => new { r.CampaignId, r.SettledRunId }).HasFilter("settled_earning AND NOT clawed_back");
            // The tier × category report sums spend per tier and category from this narrow index alone (index-only scan).
            b.HasIndex(r => new { r.CampaignId, r.TierId, r.CategoryId }).IncludeProperties(r => new { r.Status, r.SubsidyExclusion, r.RoundId, r.OrderAmountCents });
        });
        modelBuilder.Entity<VoucherRow>(b =>
        {
            b.ToTable("vouchers");
            b.HasKey(v => v.VoucherId);
            b.HasIndex(v => new { v.CampaignId, v.ClaimedAt, v.VoucherId });
            // The tier × category report tallies vouchers from this narrow index alone (index-only scan).
            b.HasIndex(v => new { v.CampaignId, v.TierId, v.CategoryId, v.Status }).IncludeProperties(v => new { v.RoundId, v.FaceValueCents });
        });
        modelBuilder.Entity<SettlementRunRecord>(b =>
        {
            b.ToTable("settlement_runs");
            b.HasKey(r => r.RunId);
            // A period of a campaign is settled once, whichever copy or request runs it.
            b.HasIndex(r => new { r.CampaignId, r.PeriodStart, r.PeriodEnd }).IsUnique();
            b.HasIndex(r => r.RequestId).IsUnique();
            b.HasIndex(r => new { r.CampaignId, r.CreatedAt });
        });
        modelBuilder.Entity<StatementRecord>(b =>
        {
            b.ToTable("statements");
            b.HasKey(s => s.StatementId);
            b.HasIndex(s => new { s.RunId, s.MerchantId }).IsUnique();
            b.HasIndex(s => new { s.CampaignId, s.MerchantId, s.PayoutStatus });
            b.HasIndex(s => s.PayoutBatchId);
        });
        modelBuilder.Entity<StatementSplitRecord>(b =>
        {
            b.ToTable("statement_splits");
            b.HasKey(s => new { s.StatementId, s.ChannelId, s.FundingSourceId });
        });
        modelBuilder.Entity<AdjustmentRecord>(b =>
        {
            b.ToTable("adjustments");
            b.HasKey(a => a.AdjustmentId);
            b.HasIndex(a => new { a.CampaignId, a.MerchantId }).HasFilter("statement_id IS NULL");
            b.HasIndex(a => a.StatementId);
            b.HasIndex(a => a.RequestId).IsUnique();
        });
        modelBuilder.Entity<PayoutBatchRecord>(b =>
        {
            b.ToTable("payout_batches");
            b.HasKey(p => p.BatchId);
            b.HasIndex(p => new { p.CampaignId, p.CreatedAt });
        });
        modelBuilder.Entity<ReconciliationRecord>(b =>
        {
            b.ToTable("reconciliations");
            b.HasKey(r => r.ReconciliationId);
            b.HasIndex(r => r.RequestId).IsUnique();
            b.HasIndex(r => new { r.CampaignId, r.ImportedAt });
        });
        modelBuilder.Entity<ReconciliationItemRecord>(b =>
        {
            b.ToTable("reconciliation_items");
            b.HasKey(i => new { i.ReconciliationId, i.ItemNumber });
        });

        // One spelling for the whole schema: snake_case tables, columns, keys and indexes, as the SQL written by hand reads them.
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }

            var table = entity.GetTableName()!;
            entity.FindPrimaryKey()!.SetName(table + "_pkey");
            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName((index.IsUnique ? "ux_" : "ix_") + table + "_" + string.Join("_", index.Properties.Select(p => SnakeCase(p.Name))));
            }
        }
    }

    private static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }
}
