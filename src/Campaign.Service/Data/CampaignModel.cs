using Microsoft.EntityFrameworkCore;

namespace Campaign.Service.Data;

/// <summary>
/// The table layout of campaigndb, from which dotnet-ef generates the migrations (Data/Migrations). Column names are
/// snake_case, every type is spelled out, and primary keys carry PostgreSQL's own default names (<c>&lt;table&gt;_pkey</c>),
/// so the generated schema is exactly the one the earlier hand-written SQL created (Data/Migrations/schema.sql).
/// What a model cannot state (the snapshot-version triggers) is SQL in a migration of its own.
/// </summary>
internal static class CampaignModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<CampaignRecord>(b =>
        {
            b.ToTable("campaigns");
            b.HasKey(c => c.Id).HasName("campaigns_pkey");
            b.Property(c => c.Id).HasColumnName("id").HasColumnType("text");
            b.Property(c => c.Code).HasColumnName("code").HasColumnType("text");
            b.Property(c => c.CreateRequestId).HasColumnName("create_request_id").HasColumnType("text");
            b.Property(c => c.CreateRequestHash).HasColumnName("create_request_hash").HasColumnType("text");
            b.Property(c => c.State).HasColumnName("state").HasColumnType("integer");
            b.Property(c => c.Version).HasColumnName("version").HasColumnType("bigint").IsConcurrencyToken();
            b.Property(c => c.SnapshotVersion).HasColumnName("snapshot_version").HasColumnType("bigint").HasDefaultValue(0L).ValueGeneratedOnAddOrUpdate();
            b.Property(c => c.Name).HasColumnName("name").HasColumnType("text");
            b.Property(c => c.Theme).HasColumnName("theme").HasColumnType("text");
            b.Property(c => c.RegionCode).HasColumnName("region_code").HasColumnType("text");
            b.Property(c => c.BudgetCents).HasColumnName("budget_cents").HasColumnType("bigint");
            b.Property(c => c.PeriodStartUtc).HasColumnName("period_start_utc").HasColumnType("timestamp with time zone");
            b.Property(c => c.PeriodEndUtc).HasColumnName("period_end_utc").HasColumnType("timestamp with time zone");
            b.Property(c => c.SettingsJson).HasColumnName("settings").HasColumnType("jsonb");
            b.Property(c => c.TiersJson).HasColumnName("tiers").HasColumnType("jsonb");
            b.Property(c => c.RoundsJson).HasColumnName("rounds").HasColumnType("jsonb");
            b.Property(c => c.PlanJson).HasColumnName("allocation_plan").HasColumnType("jsonb");
            b.Property(c => c.ClaimRulesJson).HasColumnName("claim_rules").HasColumnType("jsonb");
            b.Property(c => c.PauseReason).HasColumnName("pause_reason").HasColumnType("text");
            b.Property(c => c.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone");
            b.Property(c => c.UpdatedAt).HasColumnName("updated_at").HasColumnType("timestamp with time zone");
            b.Property(c => c.PublishedAt).HasColumnName("published_at").HasColumnType("timestamp with time zone");
            b.Property(c => c.StartedAt).HasColumnName("started_at").HasColumnType("timestamp with time zone");
            b.Property(c => c.EndedAt).HasColumnName("ended_at").HasColumnType("timestamp with time zone");
            b.Property(c => c.SettledAt).HasColumnName("settled_at").HasColumnType("timestamp with time zone");
            b.Property(c => c.ClosedAt).HasColumnName("closed_at").HasColumnType("timestamp with time zone");
            b.HasIndex(c => c.Code).IsUnique().HasDatabaseName("ux_campaigns_code");
            b.HasIndex(c => c.CreateRequestId).IsUnique().HasDatabaseName("ux_campaigns_create_request_id");
            b.HasIndex(c => c.CreatedAt).HasDatabaseName("ix_campaigns_created_at");
        });

        modelBuilder.Entity<CategoryRecord>(b =>
        {
            b.ToTable("categories");
            b.HasKey(c => c.Id).HasName("categories_pkey");
            b.Property(c => c.Id).HasColumnName("id").HasColumnType("text");
            b.Property(c => c.Name).HasColumnName("name").HasColumnType("text");
            b.Property(c => c.ParentId).HasColumnName("parent_id").HasColumnType("text");
            b.Property(c => c.Active).HasColumnName("active").HasColumnType("boolean");
            b.Property(c => c.Version).HasColumnName("version").HasColumnType("bigint").IsConcurrencyToken();
            b.Property(c => c.UpdatedAt).HasColumnName("updated_at").HasColumnType("timestamp with time zone");
            b.HasData(SeedCategories());
        });

        modelBuilder.Entity<MerchantRecord>(b =>
        {
            b.ToTable("merchants");
            b.HasKey(m => m.Id).HasName("merchants_pkey");
            b.Property(m => m.Id).HasColumnName("id").HasColumnType("text");
            b.Property(m => m.UnifiedCreditCode).HasColumnName("unified_credit_code").HasColumnType("text");
            b.Property(m => m.RegisterRequestId).HasColumnName("register_request_id").HasColumnType("text");
            b.Property(m => m.RegisterRequestHash).HasColumnName("register_request_hash").HasColumnType("text");
            b.Property(m => m.Status).HasColumnName("status").HasColumnType("integer");
            b.Property(m => m.Version).HasColumnName("version").HasColumnType("bigint").IsConcurrencyToken();
            b.Property(m => m.LegalName).HasColumnName("legal_name").HasColumnType("text");
            b.Property(m => m.TradeName).HasColumnName("trade_name").HasColumnType("text");
            b.Property(m => m.CategoryIds).HasColumnName("category_ids").HasColumnType("text[]");
            b.Property(m => m.ProfileJson).HasColumnName("profile").HasColumnType("jsonb");
            b.Property(m => m.RegistrationChannel).HasColumnName("registration_channel").HasColumnType("integer");
            b.Property(m => m.PledgeVersion).HasColumnName("pledge_version").HasColumnType("text");
            b.Property(m => m.PledgeSignedAt).HasColumnName("pledge_signed_at").HasColumnType("timestamp with time zone");
            b.Property(m => m.PledgeSignatory).HasColumnName("pledge_signatory").HasColumnType("text");
            b.Property(m => m.PledgeEvidence).HasColumnName("pledge_evidence").HasColumnType("text");
            b.Property(m => m.StatusReason).HasColumnName("status_reason").HasColumnType("text");
            b.Property(m => m.StatusChangedByJson).HasColumnName("status_changed_by").HasColumnType("jsonb");
            b.Property(m => m.StatusChangedAt).HasColumnName("status_changed_at").HasColumnType("timestamp with time zone");
            b.Property(m => m.RegisteredAt).HasColumnName("registered_at").HasColumnType("timestamp with time zone");
            b.Property(m => m.UpdatedAt).HasColumnName("updated_at").HasColumnType("timestamp with time zone");
            b.HasIndex(m => m.UnifiedCreditCode).IsUnique().HasDatabaseName("ux_merchants_unified_credit_code");
            b.HasIndex(m => m.RegisterRequestId).IsUnique().HasDatabaseName("ux_merchants_register_request_id");
        });

        modelBuilder.Entity<CampaignMerchantRecord>(b =>
        {
            b.ToTable("campaign_merchants");
            b.HasKey(e => new { e.CampaignId, e.MerchantId }).HasName("campaign_merchants_pkey");
            b.Property(e => e.CampaignId).HasColumnName("campaign_id").HasColumnType("text");
            b.Property(e => e.MerchantId).HasColumnName("merchant_id").HasColumnType("text");
            b.Property(e => e.CategoryIds).HasColumnName("category_ids").HasColumnType("text[]");
            b.Property(e => e.Enrolled).HasColumnName("enrolled").HasColumnType("boolean");
            b.Property(e => e.EnrolledAt).HasColumnName("enrolled_at").HasColumnType("timestamp with time zone");
            b.Property(e => e.WithdrawnAt).HasColumnName("withdrawn_at").HasColumnType("timestamp with time zone");
            b.HasIndex(e => e.MerchantId).HasDatabaseName("ix_campaign_merchants_merchant_id");
        });

        modelBuilder.Entity<IntegrityPledgeRecord>(b =>
        {
            b.ToTable("integrity_pledges");
            b.HasKey(p => p.Version).HasName("integrity_pledges_pkey");
            b.Property(p => p.Version).HasColumnName("version").HasColumnType("text");
            b.Property(p => p.Title).HasColumnName("title").HasColumnType("text");
            b.Property(p => p.Text).HasColumnName("text").HasColumnType("text");
            b.Property(p => p.PublishedAt).HasColumnName("published_at").HasColumnType("timestamp with time zone");
            b.Property(p => p.Sequence).HasColumnName("sequence").HasColumnType("bigint");
            b.HasIndex(p => p.Sequence).IsUnique().HasDatabaseName("ux_integrity_pledges_sequence");
        });

        modelBuilder.Entity<StaffBindingCodeRecord>(b =>
        {
            b.ToTable("staff_binding_codes");
            b.HasKey(c => c.CodeHash).HasName("staff_binding_codes_pkey");
            b.Property(c => c.CodeHash).HasColumnName("code_hash").HasColumnType("text");
            b.Property(c => c.MerchantId).HasColumnName("merchant_id").HasColumnType("text");
            b.Property(c => c.IssuedAt).HasColumnName("issued_at").HasColumnType("timestamp with time zone");
            b.Property(c => c.ExpiresAt).HasColumnName("expires_at").HasColumnType("timestamp with time zone");
            b.Property(c => c.UsedAt).HasColumnName("used_at").HasColumnType("timestamp with time zone");
            b.Property(c => c.UsedByStaffId).HasColumnName("used_by_staff_id").HasColumnType("text");
        });

        modelBuilder.Entity<StaffRecord>(b =>
        {
            b.ToTable("staff");
            b.HasKey(s => s.Id).HasName("staff_pkey");
            b.Property(s => s.Id).HasColumnName("id").HasColumnType("text");
            b.Property(s => s.MerchantId).HasColumnName("merchant_id").HasColumnType("text");
            b.Property(s => s.AccountId).HasColumnName("account_id").HasColumnType("text");
            b.Property(s => s.Name).HasColumnName("name").HasColumnType("text");
            b.Property(s => s.Phone).HasColumnName("phone").HasColumnType("text");
            b.Property(s => s.Active).HasColumnName("active").HasColumnType("boolean");
            b.Property(s => s.BoundAt).HasColumnName("bound_at").HasColumnType("timestamp with time zone");
            b.Property(s => s.UnboundAt).HasColumnName("unbound_at").HasColumnType("timestamp with time zone");
            b.Property(s => s.BindRequestId).HasColumnName("bind_request_id").HasColumnType("text");
            b.Property(s => s.BindRequestHash).HasColumnName("bind_request_hash").HasColumnType("text");
            b.HasIndex(s => s.BindRequestId).IsUnique().HasDatabaseName("ux_staff_bind_request_id");
            b.HasIndex(s => s.AccountId).IsUnique().HasFilter("active").HasDatabaseName("ux_staff_active_account_id");
            b.HasIndex(s => s.MerchantId).HasDatabaseName("ix_staff_merchant_id");
        });

        modelBuilder.Entity<AuditRecord>(b =>
        {
            b.ToTable("audit_entries");
            b.HasKey(a => a.Sequence).HasName("audit_entries_pkey");
            b.Property(a => a.Sequence).HasColumnName("sequence").HasColumnType("bigint").UseIdentityByDefaultColumn();
            b.Property(a => a.OccurredAt).HasColumnName("occurred_at").HasColumnType("timestamp with time zone");
            b.Property(a => a.ActorId).HasColumnName("actor_id").HasColumnType("text");
            b.Property(a => a.ActorJson).HasColumnName("actor").HasColumnType("jsonb");
            b.Property(a => a.Action).HasColumnName("action").HasColumnType("text");
            b.Property(a => a.Subject).HasColumnName("subject").HasColumnType("integer");
            b.Property(a => a.SubjectId).HasColumnName("subject_id").HasColumnType("text");
            b.Property(a => a.CampaignId).HasColumnName("campaign_id").HasColumnType("text");
            b.Property(a => a.MerchantId).HasColumnName("merchant_id").HasColumnType("text");
            b.Property(a => a.VersionBefore).HasColumnName("version_before").HasColumnType("bigint");
            b.Property(a => a.VersionAfter).HasColumnName("version_after").HasColumnType("bigint");
            b.Property(a => a.Reason).HasColumnName("reason").HasColumnType("text");
            b.Property(a => a.BeforeJson).HasColumnName("before_json").HasColumnType("text");
            b.Property(a => a.AfterJson).HasColumnName("after_json").HasColumnType("text");
            b.HasIndex(a => a.CampaignId).HasDatabaseName("ix_audit_entries_campaign_id");
            b.HasIndex(a => a.MerchantId).HasDatabaseName("ix_audit_entries_merchant_id");
        });
    }

    /// <summary>
    /// The catalogue of DOMAIN.md, so a fresh installation can configure the seed campaigns at once. Seed data in the
    /// model: the migration that creates the table inserts these rows, and a change here becomes a generated migration.
    /// </summary>
    private static CategoryRecord[] SeedCategories()
    {
        var seeded = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);
        CategoryRecord Category(string id, string name, string parentId) =>
            new() { Id = id, Name = name, ParentId = parentId, Active = true, Version = 1, UpdatedAt = seeded };

        return
        [
            Category("apparel", "服饰", ""),
            Category("appliances", "家电", ""),
            Category("appliances.air_conditioner", "空调", "appliances"),
            Category("appliances.fridge", "冰箱", "appliances"),
            Category("appliances.kitchen", "厨电", "appliances"),
            Category("appliances.phone", "手机", "appliances"),
            Category("appliances.small", "小家电", "appliances"),
            Category("appliances.tv", "电视", "appliances"),
            Category("appliances.washer", "洗衣机", "appliances"),
            Category("books", "书店", ""),
            Category("cars", "汽车", ""),
            Category("catering", "餐饮", ""),
            Category("department_store", "百货", ""),
            Category("fuel", "加油站", ""),
            Category("furniture", "家居", ""),
            Category("grain_oil", "粮油", ""),
            Category("lodging", "住宿", ""),
            Category("produce", "农产品", ""),
            Category("produce.local", "本地特产", "produce"),
            Category("produce.poverty_relief", "扶贫农产品", "produce"),
            Category("supermarket", "超市", ""),
        ];
    }
}
