using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace Campaign.Service.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit_entries",
                columns: table => new
                {
                    sequence = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    actor_id = table.Column<string>(type: "text", nullable: false),
                    actor = table.Column<string>(type: "jsonb", nullable: false),
                    action = table.Column<string>(type: "text", nullable: false),
                    subject = table.Column<int>(type: "integer", nullable: false),
                    subject_id = table.Column<string>(type: "text", nullable: false),
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    merchant_id = table.Column<string>(type: "text", nullable: false),
                    version_before = table.Column<long>(type: "bigint", nullable: false),
                    version_after = table.Column<long>(type: "bigint", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: false),
                    before_json = table.Column<string>(type: "text", nullable: false),
                    after_json = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("audit_entries_pkey", x => x.sequence);
                });

            migrationBuilder.CreateTable(
                name: "campaign_merchants",
                columns: table => new
                {
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    merchant_id = table.Column<string>(type: "text", nullable: false),
                    category_ids = table.Column<List<string>>(type: "text[]", nullable: false),
                    enrolled = table.Column<bool>(type: "boolean", nullable: false),
                    enrolled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    withdrawn_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("campaign_merchants_pkey", x => new { x.campaign_id, x.merchant_id });
                });

            migrationBuilder.CreateTable(
                name: "campaigns",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    code = table.Column<string>(type: "text", nullable: false),
                    create_request_id = table.Column<string>(type: "text", nullable: true),
                    create_request_hash = table.Column<string>(type: "text", nullable: true),
                    state = table.Column<int>(type: "integer", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    snapshot_version = table.Column<long>(type: "bigint", nullable: false, defaultValue: 0L),
                    name = table.Column<string>(type: "text", nullable: false),
                    theme = table.Column<string>(type: "text", nullable: false),
                    region_code = table.Column<string>(type: "text", nullable: false),
                    budget_cents = table.Column<long>(type: "bigint", nullable: false),
                    period_start_utc = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    period_end_utc = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    settings = table.Column<string>(type: "jsonb", nullable: false),
                    tiers = table.Column<string>(type: "jsonb", nullable: false),
                    rounds = table.Column<string>(type: "jsonb", nullable: false),
                    allocation_plan = table.Column<string>(type: "jsonb", nullable: false),
                    claim_rules = table.Column<string>(type: "jsonb", nullable: true),
                    pause_reason = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    published_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ended_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    settled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    closed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("campaigns_pkey", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "categories",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    parent_id = table.Column<string>(type: "text", nullable: false),
                    active = table.Column<bool>(type: "boolean", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("categories_pkey", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "integrity_pledges",
                columns: table => new
                {
                    version = table.Column<string>(type: "text", nullable: false),
                    title = table.Column<string>(type: "text", nullable: false),
                    text = table.Column<string>(type: "text", nullable: false),
                    published_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("integrity_pledges_pkey", x => x.version);
                });

            migrationBuilder.CreateTable(
                name: "merchants",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    unified_credit_code = table.Column<string>(type: "text", nullable: false),
                    register_request_id = table.Column<string>(type: "text", nullable: true),
                    register_request_hash = table.Column<string>(type: "text", nullable: true),
                    status = table.Column<int>(type: "integer", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    legal_name = table.Column<string>(type: "text", nullable: false),
                    trade_name = table.Column<string>(type: "text", nullable: false),
                    category_ids = table.Column<List<string>>(type: "text[]", nullable: false),
                    profile = table.Column<string>(type: "jsonb", nullable: false),
                    registration_channel = table.Column<int>(type: "integer", nullable: false),
                    pledge_version = table.Column<string>(type: "text", nullable: true),
                    pledge_signed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    pledge_signatory = table.Column<string>(type: "text", nullable: true),
                    pledge_evidence = table.Column<string>(type: "text", nullable: true),
                    status_reason = table.Column<string>(type: "text", nullable: true),
                    status_changed_by = table.Column<string>(type: "jsonb", nullable: true),
                    status_changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    registered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("merchants_pkey", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "staff",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    merchant_id = table.Column<string>(type: "text", nullable: false),
                    account_id = table.Column<string>(type: "text", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    phone = table.Column<string>(type: "text", nullable: false),
                    active = table.Column<bool>(type: "boolean", nullable: false),
                    bound_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    unbound_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    bind_request_id = table.Column<string>(type: "text", nullable: false),
                    bind_request_hash = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("staff_pkey", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "staff_binding_codes",
                columns: table => new
                {
                    code_hash = table.Column<string>(type: "text", nullable: false),
                    merchant_id = table.Column<string>(type: "text", nullable: false),
                    issued_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    used_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    used_by_staff_id = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("staff_binding_codes_pkey", x => x.code_hash);
                });

            migrationBuilder.InsertData(
                table: "categories",
                columns: new[] { "id", "active", "name", "parent_id", "updated_at", "version" },
                values: new object[,]
                {
                    { "apparel", true, "服饰", "", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "appliances", true, "家电", "", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "appliances.air_conditioner", true, "空调", "appliances", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "appliances.fridge", true, "冰箱", "appliances", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "appliances.kitchen", true, "厨电", "appliances", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "appliances.phone", true, "手机", "appliances", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "appliances.small", true, "小家电", "appliances", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "appliances.tv", true, "电视", "appliances", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "appliances.washer", true, "洗衣机", "appliances", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "books", true, "书店", "", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "cars", true, "汽车", "", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "catering", true, "餐饮", "", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "department_store", true, "百货", "", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "fuel", true, "加油站", "", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "furniture", true, "家居", "", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "grain_oil", true, "粮油", "", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "lodging", true, "住宿", "", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "produce", true, "农产品", "", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "produce.local", true, "本地特产", "produce", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "produce.poverty_relief", true, "扶贫农产品", "produce", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L },
                    { "supermarket", true, "超市", "", new DateTimeOffset(new DateTime(2026, 11, 22, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1L }
                });

            migrationBuilder.CreateIndex(
                name: "ix_audit_entries_campaign_id",
                table: "audit_entries",
                column: "campaign_id");

            migrationBuilder.CreateIndex(
                name: "ix_audit_entries_merchant_id",
                table: "audit_entries",
                column: "merchant_id");

            migrationBuilder.CreateIndex(
                name: "ix_campaign_merchants_merchant_id",
                table: "campaign_merchants",
                column: "merchant_id");

            migrationBuilder.CreateIndex(
                name: "ix_campaigns_created_at",
                table: "campaigns",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ux_campaigns_code",
                table: "campaigns",
                column: "code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_campaigns_create_request_id",
                table: "campaigns",
                column: "create_request_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_integrity_pledges_sequence",
                table: "integrity_pledges",
                column: "sequence",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_merchants_register_request_id",
                table: "merchants",
                column: "register_request_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_merchants_unified_credit_code",
                table: "merchants",
                column: "unified_credit_code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_staff_merchant_id",
                table: "staff",
                column: "merchant_id");

            migrationBuilder.CreateIndex(
                name: "ux_staff_active_account_id",
                table: "staff",
                column: "account_id",
                unique: true,
                filter: "active");

            migrationBuilder.CreateIndex(
                name: "ux_staff_bind_request_id",
                table: "staff",
                column: "bind_request_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_entries");

            migrationBuilder.DropTable(
                name: "campaign_merchants");

            migrationBuilder.DropTable(
                name: "campaigns");

            migrationBuilder.DropTable(
                name: "categories");

            migrationBuilder.DropTable(
                name: "integrity_pledges");

            migrationBuilder.DropTable(
                name: "merchants");

            migrationBuilder.DropTable(
                name: "staff");

            migrationBuilder.DropTable(
                name: "staff_binding_codes");
        }
    }
}
