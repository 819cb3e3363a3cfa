using Microsoft.EntityFrameworkCore;

namespace Campaign.Service.Data;

/// <summary>The Campaign service's own database (campaigndb); no other service reads it.</summary>
public sealed class CampaignDbContext(DbContextOptions<CampaignDbContext> options) : DbContext(options)
{
    public DbSet<CampaignRecord> Campaigns => Set<CampaignRecord>();

    public DbSet<CategoryRecord> Categories => Set<CategoryRecord>();

    public DbSet<MerchantRecord> Merchants => Set<MerchantRecord>();

    public DbSet<CampaignMerchantRecord> CampaignMerchants => Set<CampaignMerchantRecord>();

    public DbSet<IntegrityPledgeRecord> IntegrityPledges => Set<IntegrityPledgeRecord>();

    public DbSet<StaffBindingCodeRecord> StaffBindingCodes => Set<StaffBindingCodeRecord>();

    public DbSet<StaffRecord> Staff => Set<StaffRecord>();

    public DbSet<AuditRecord> AuditEntries => Set<AuditRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => CampaignModel.Configure(modelBuilder);
}
