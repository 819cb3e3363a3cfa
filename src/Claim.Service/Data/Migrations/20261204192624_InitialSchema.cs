using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Claim.Service.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "block_list",
                columns: table => new
                {
                    entry_id = table.Column<string>(type: "text", nullable: false),
                    kind = table.Column<short>(type: "smallint", nullable: false),
                    key_hash = table.Column<string>(type: "text", nullable: false),
                    masked_value = table.Column<string>(type: "text", nullable: false),
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: false),
                    added_by = table.Column<byte[]>(type: "bytea", nullable: false),
                    added_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    removed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    removal_reason = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("block_list_pkey", x => x.entry_id);
                });

            migrationBuilder.CreateTable(
                name: "issuance_events",
                columns: table => new
                {
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    voucher_id = table.Column<string>(type: "text", nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    payload = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("issuance_events_pkey", x => x.sequence);
                });

            migrationBuilder.CreateTable(
                name: "presentation_codes",
                columns: table => new
                {
                    token = table.Column<string>(type: "text", nullable: false),
                    voucher_id = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    replaced_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("presentation_codes_pkey", x => x.token);
                });

            migrationBuilder.CreateTable(
                name: "voucher_consumptions",
                columns: table => new
                {
                    redemption_id = table.Column<string>(type: "text", nullable: false),
                    voucher_id = table.Column<string>(type: "text", nullable: false),
                    consumed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    reversed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("voucher_consumptions_pkey", x => x.redemption_id);
                });

            migrationBuilder.CreateTable(
                name: "voucher_reinstatements",
                columns: table => new
                {
                    reversal_id = table.Column<string>(type: "text", nullable: false),
                    voucher_id = table.Column<string>(type: "text", nullable: false),
                    redemption_id = table.Column<string>(type: "text", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: false),
                    reinstated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("voucher_reinstatements_pkey", x => x.reversal_id);
                });

            migrationBuilder.CreateTable(
                name: "vouchers",
                columns: table => new
                {
                    voucher_id = table.Column<string>(type: "text", nullable: false),
                    request_id = table.Column<string>(type: "text", nullable: false),
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    round_id = table.Column<string>(type: "text", nullable: false),
                    tier_id = table.Column<string>(type: "text", nullable: false),
                    category_id = table.Column<string>(type: "text", nullable: false),
                    channel_id = table.Column<string>(type: "text", nullable: false),
                    holder_account_hash = table.Column<string>(type: "text", nullable: false),
                    face_value_cents = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<short>(type: "smallint", nullable: false),
                    claimed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    valid_from = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    valid_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    drawn = table.Column<bool>(type: "boolean", nullable: false),
                    issued = table.Column<byte[]>(type: "bytea", nullable: false),
                    stream_id = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    lock_id = table.Column<string>(type: "text", nullable: true),
                    lock_expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    redemption_id = table.Column<string>(type: "text", nullable: true),
                    merchant_id = table.Column<string>(type: "text", nullable: true),
                    merchant_trade_name = table.Column<string>(type: "text", nullable: true),
                    used_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ended_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    revoke_reason = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("vouchers_pkey", x => x.voucher_id);
                });

            migrationBuilder.CreateIndex(
                name: "ux_block_list_active",
                table: "block_list",
                columns: new[] { "campaign_id", "kind", "key_hash" },
                unique: true,
                filter: "removed_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_issuance_events_campaign",
                table: "issuance_events",
                columns: new[] { "campaign_id", "sequence" });

            migrationBuilder.CreateIndex(
                name: "ix_presentation_codes_voucher",
                table: "presentation_codes",
                column: "voucher_id");

            migrationBuilder.CreateIndex(
                name: "ux_voucher_consumptions_live",
                table: "voucher_consumptions",
                column: "voucher_id",
                unique: true,
                filter: "reversed_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_vouchers_campaign_status",
                table: "vouchers",
                columns: new[] { "campaign_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_vouchers_expiry",
                table: "vouchers",
                column: "valid_until",
                filter: "status IN (1, 2)");

            migrationBuilder.CreateIndex(
                name: "ix_vouchers_holder",
                table: "vouchers",
                columns: new[] { "holder_account_hash", "voucher_id" },
                descending: new[] { false, true });

            migrationBuilder.CreateIndex(
                name: "ux_vouchers_request",
                table: "vouchers",
                columns: new[] { "campaign_id", "request_id" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "block_list");

            migrationBuilder.DropTable(
                name: "issuance_events");

            migrationBuilder.DropTable(
                name: "presentation_codes");

            migrationBuilder.DropTable(
                name: "voucher_consumptions");

            migrationBuilder.DropTable(
                name: "voucher_reinstatements");

            migrationBuilder.DropTable(
                name: "vouchers");
        }
    }
}
