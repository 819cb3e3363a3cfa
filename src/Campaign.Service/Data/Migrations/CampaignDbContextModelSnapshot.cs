using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Campaign.Service.Data.Migrations;

/// <summary>
/// The model as of the latest migration, maintained by hand next to each migration (the EF design
/// tools are not available here); EF compares it with the current model to spot unmigrated changes.
/// </summary>
[DbContext(typeof(CampaignDbContext))]
public sealed class CampaignDbContextModelSnapshot : ModelSnapshot
{
    private const string Timestamp = "timestamp with time zone";

    protected override void BuildModel(ModelBuilder modelBuilder)
    {
        modelBuilder
            .HasAnnotation("ProductVersion", "10.0.0")
            .HasAnnotation("Relational:MaxIdentifierLength", 63);
        NpgsqlModelBuilderExtensions.UseIdentityByDefaultColumns(modelBuilder);

        modelBuilder.Entity("Campaign.Service.Data.CampaignRecord", b =>
        {
            b.Property<string>("Id").HasColumnType("text").HasColumnName("id");
            b.Property<string>("Code").IsRequired().HasColumnType("text").HasColumnName("code");
            b.Property<string>("CreateRequestId").HasColumnType("text").HasColumnName("create_request_id");
            b.Property<string>("CreateRequestHash").HasColumnType("text").HasColumnName("create_request_hash");
            b.Property<int>("State").HasColumnType("integer").HasColumnName("state");
            b.Property<long>("Version").IsConcurrencyToken().HasColumnType("bigint").HasColumnName("version");
            b.Property<long>("SnapshotVersion").ValueGeneratedOnAddOrUpdate().HasColumnType("bigint").HasColumnName("snapshot_version");
            b.Property<string>("Name").IsRequired().HasColumnType("text").HasColumnName("name");
            b.Property<string>("Theme").IsRequired().HasColumnType("text").HasColumnName("theme");
            b.Property<string>("RegionCode").IsRequired().HasColumnType("text").HasColumnName("region_code");
            b.Property<long>("BudgetCents").HasColumnType("bigint").HasColumnName("budget_cents");
            b.Property<DateTimeOffset>("PeriodStartUtc").HasColumnType(Timestamp).HasColumnName("period_start_utc");
            b.Property<DateTimeOffset>("PeriodEndUtc").HasColumnType(Timestamp).HasColumnName("period_end_utc");
            b.Property<string>("SettingsJson").IsRequired().HasColumnType("jsonb").HasColumnName("settings");
            b.Property<string>("TiersJson").IsRequired().HasColumnType("jsonb").HasColumnName("tiers");
            b.Property<string>("RoundsJson").IsRequired().HasColumnType("jsonb").HasColumnName("rounds");
            b.Property<string>("PlanJson").IsRequired().HasColumnType("jsonb").HasColumnName("allocation_plan");
            b.Property<string>("ClaimRulesJson").HasColumnType("jsonb").HasColumnName("claim_rules");
            b.Property<string>("PauseReason").HasColumnType("text").HasColumnName("pause_reason");
            b.Property<DateTimeOffset>("CreatedAt").HasColumnType(Timestamp).HasColumnName("created_at");
            b.Property<DateTimeOffset>("UpdatedAt").HasColumnType(Timestamp).HasColumnName("updated_at");
            b.Property<DateTimeOffset?>("PublishedAt").HasColumnType(Timestamp).HasColumnName("published_at");
            b.Property<DateTimeOffset?>("StartedAt").HasColumnType(Timestamp).HasColumnName("started_at");
            b.Property<DateTimeOffset?>("EndedAt").HasColumnType(Timestamp).HasColumnName("ended_at");
            b.Property<DateTimeOffset?>("SettledAt").HasColumnType(Timestamp).HasColumnName("settled_at");
            b.Property<DateTimeOffset?>("ClosedAt").HasColumnType(Timestamp).HasColumnName("closed_at");
            b.HasKey("Id");
            b.HasIndex("Code").IsUnique().HasDatabaseName("ux_campaigns_code");
            b.HasIndex("CreateRequestId").IsUnique().HasDatabaseName("ux_campaigns_create_request_id");
            b.HasIndex("CreatedAt").HasDatabaseName("ix_campaigns_created_at");
            b.ToTable("campaigns");
        });

        modelBuilder.Entity("Campaign.Service.Data.CategoryRecord", b =>
        {
            b.Property<string>("Id").HasColumnType("text").HasColumnName("id");
            b.Property<string>("Name").IsRequired().HasColumnType("text").HasColumnName("name");
            b.Property<string>("ParentId").IsRequired().HasColumnType("text").HasColumnName("parent_id");
            b.Property<bool>("Active").HasColumnType("boolean").HasColumnName("active");
            b.Property<long>("Version").IsConcurrencyToken().HasColumnType("bigint").HasColumnName("version");
            b.Property<DateTimeOffset>("UpdatedAt").HasColumnType(Timestamp).HasColumnName("updated_at");
            b.HasKey("Id");
            b.ToTable("categories");
        });

        modelBuilder.Entity("Campaign.Service.Data.MerchantRecord", b =>
        {
            b.Property<string>("Id").HasColumnType("text").HasColumnName("id");
            b.Property<string>("UnifiedCreditCode").IsRequired().HasColumnType("text").HasColumnName("unified_credit_code");
            b.Property<string>("RegisterRequestId").HasColumnType("text").HasColumnName("register_request_id");
            b.Property<string>("RegisterRequestHash").HasColumnType("text").HasColumnName("register_request_hash");
            b.Property<int>("Status").HasColumnType("integer").HasColumnName("status");
            b.Property<long>("Version").IsConcurrencyToken().HasColumnType("bigint").HasColumnName("version");
            b.Property<string>("LegalName").IsRequired().HasColumnType("text").HasColumnName("legal_name");
            b.Property<string>("TradeName").IsRequired().HasColumnType("text").HasColumnName("trade_name");
            b.Property<List<string>>("CategoryIds").IsRequired().HasColumnType("text[]").HasColumnName("category_ids");
            b.Property<string>("ProfileJson").IsRequired().HasColumnType("jsonb").HasColumnName("profile");
            b.Property<int>("RegistrationChannel").HasColumnType("integer").HasColumnName("registration_channel");
            b.Property<string>("PledgeVersion").HasColumnType("text").HasColumnName("pledge_version");
            b.Property<DateTimeOffset?>("PledgeSignedAt").HasColumnType(Timestamp).HasColumnName("pledge_signed_at");
            b.Property<string>("PledgeSignatory").HasColumnType("text").HasColumnName("pledge_signatory");
            b.Property<string>("PledgeEvidence").HasColumnType("text").HasColumnName("pledge_evidence");
            b.Property<string>("StatusReason").HasColumnType("text").HasColumnName("status_reason");
            b.Property<string>("StatusChangedByJson").HasColumnType("jsonb").HasColumnName("status_changed_by");
            b.Property<DateTimeOffset?>("StatusChangedAt").HasColumnType(Timestamp).HasColumnName("status_changed_at");
            b.Property<DateTimeOffset>("RegisteredAt").HasColumnType(Timestamp).HasColumnName("registered_at");
            b.Property<DateTimeOffset>("UpdatedAt").HasColumnType(Timestamp).HasColumnName("updated_at");
            b.HasKey("Id");
            b.HasIndex("UnifiedCreditCode").IsUnique().HasDatabaseName("ux_merchants_unified_credit_code");
            b.HasIndex("RegisterRequestId").IsUnique().HasDatabaseName("ux_merchants_register_request_id");
            b.ToTable("merchants");
        });

        modelBuilder.Entity("Campaign.Service.Data.CampaignMerchantRecord", b =>
        {
            b.Property<string>("CampaignId").HasColumnType("text").HasColumnName("campaign_id");
            b.Property<string>("MerchantId").HasColumnType("text").HasColumnName("merchant_id");
            b.Property<List<string>>("CategoryIds").IsRequired().HasColumnType("text[]").HasColumnName("category_ids");
            b.Property<bool>("Enrolled").HasColumnType("boolean").HasColumnName("enrolled");
            b.Property<DateTimeOffset>("EnrolledAt").HasColumnType(Timestamp).HasColumnName("enrolled_at");
            b.Property<DateTimeOffset?>("WithdrawnAt").HasColumnType(Timestamp).HasColumnName("withdrawn_at");
            b.HasKey("CampaignId", "MerchantId");
            b.HasIndex("MerchantId").HasDatabaseName("ix_campaign_merchants_merchant_id");
            b.ToTable("campaign_merchants");
        });

        modelBuilder.Entity("Campaign.Service.Data.IntegrityPledgeRecord", b =>
        {
            b.Property<string>("Version").HasColumnType("text").HasColumnName("version");
            b.Property<string>("Title").IsRequired().HasColumnType("text").HasColumnName("title");
            b.Property<string>("Text").IsRequired().HasColumnType("text").HasColumnName("text");
            b.Property<DateTimeOffset>("PublishedAt").HasColumnType(Timestamp).HasColumnName("published_at");
            b.Property<long>("Sequence").HasColumnType("bigint").HasColumnName("sequence");
            b.HasKey("Version");
            b.HasIndex("Sequence").IsUnique().HasDatabaseName("ux_integrity_pledges_sequence");
            b.ToTable("integrity_pledges");
        });

        modelBuilder.Entity("Campaign.Service.Data.StaffBindingCodeRecord", b =>
        {
            b.Property<string>("CodeHash").HasColumnType("text").HasColumnName("code_hash");
            b.Property<string>("MerchantId").IsRequired().HasColumnType("text").HasColumnName("merchant_id");
            b.Property<DateTimeOffset>("IssuedAt").HasColumnType(Timestamp).HasColumnName("issued_at");
            b.Property<DateTimeOffset>("ExpiresAt").HasColumnType(Timestamp).HasColumnName("expires_at");
            b.Property<DateTimeOffset?>("UsedAt").HasColumnType(Timestamp).HasColumnName("used_at");
            b.Property<string>("UsedByStaffId").HasColumnType("text").HasColumnName("used_by_staff_id");
            b.HasKey("CodeHash");
            b.ToTable("staff_binding_codes");
        });

        modelBuilder.Entity("Campaign.Service.Data.StaffRecord", b =>
        {
            b.Property<string>("Id").HasColumnType("text").HasColumnName("id");
            b.Property<string>("MerchantId").IsRequired().HasColumnType("text").HasColumnName("merchant_id");
            b.Property<string>("AccountId").IsRequired().HasColumnType("text").HasColumnName("account_id");
            b.Property<string>("Name").IsRequired().HasColumnType("text").HasColumnName("name");
            b.Property<string>("Phone").IsRequired().HasColumnType("text").HasColumnName("phone");
            b.Property<bool>("Active").HasColumnType("boolean").HasColumnName("active");
            b.Property<DateTimeOffset>("BoundAt").HasColumnType(Timestamp).HasColumnName("bound_at");
            b.Property<DateTimeOffset?>("UnboundAt").HasColumnType(Timestamp).HasColumnName("unbound_at");
            b.Property<string>("BindRequestId").IsRequired().HasColumnType("text").HasColumnName("bind_request_id");
            b.Property<string>("BindRequestHash").IsRequired().HasColumnType("text").HasColumnName("bind_request_hash");
            b.HasKey("Id");
            b.HasIndex("BindRequestId").IsUnique().HasDatabaseName("ux_staff_bind_request_id");
            b.HasIndex("AccountId").IsUnique().HasFilter("active").HasDatabaseName("ux_staff_active_account_id");
            b.HasIndex("MerchantId").HasDatabaseName("ix_staff_merchant_id");
            b.ToTable("staff");
        });

        modelBuilder.Entity("Campaign.Service.Data.AuditRecord", b =>
        {
            b.Property<long>("Sequence").ValueGeneratedOnAdd().HasColumnType("bigint").HasColumnName("sequence");
            NpgsqlPropertyBuilderExtensions.UseIdentityByDefaultColumn(b.Property<long>("Sequence"));
            b.Property<DateTimeOffset>("OccurredAt").HasColumnType(Timestamp).HasColumnName("occurred_at");
            b.Property<string>("ActorId").IsRequired().HasColumnType("text").HasColumnName("actor_id");
            b.Property<string>("ActorJson").IsRequired().HasColumnType("jsonb").HasColumnName("actor");
            b.Property<string>("Action").IsRequired().HasColumnType("text").HasColumnName("action");
            b.Property<int>("Subject").HasColumnType("integer").HasColumnName("subject");
            b.Property<string>("SubjectId").IsRequired().HasColumnType("text").HasColumnName("subject_id");
            b.Property<string>("CampaignId").IsRequired().HasColumnType("text").HasColumnName("campaign_id");
            b.Property<string>("MerchantId").IsRequired().HasColumnType("text").HasColumnName("merchant_id");
            b.Property<long>("VersionBefore").HasColumnType("bigint").HasColumnName("version_before");
            b.Property<long>("VersionAfter").HasColumnType("bigint").HasColumnName("version_after");
            b.Property<string>("Reason").IsRequired().HasColumnType("text").HasColumnName("reason");
            b.Property<string>("BeforeJson").IsRequired().HasColumnType("text").HasColumnName("before_json");
            b.Property<string>("AfterJson").IsRequired().HasColumnType("text").HasColumnName("after_json");
            b.HasKey("Sequence");
            b.HasIndex("CampaignId").HasDatabaseName("ix_audit_entries_campaign_id");
            b.HasIndex("MerchantId").HasDatabaseName("ix_audit_entries_merchant_id");
            b.ToTable("audit_entries");
        });
    }
}
