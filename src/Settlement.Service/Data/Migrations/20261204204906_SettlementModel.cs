using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Settlement.Service.Data.Migrations
{
    /// <inheritdoc />
    public partial class SettlementModel : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "adjustments",
                columns: table => new
                {
                    adjustment_id = table.Column<Guid>(type: "uuid", nullable: false),
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    merchant_id = table.Column<string>(type: "text", nullable: false),
                    kind = table.Column<short>(type: "smallint", nullable: false),
                    amount_cents = table.Column<long>(type: "bigint", nullable: false),
                    redemption_id = table.Column<string>(type: "text", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: false),
                    actor = table.Column<byte[]>(type: "bytea", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    statement_id = table.Column<Guid>(type: "uuid", nullable: true),
                    request_id = table.Column<string>(type: "text", nullable: true),
                    request_fingerprint = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("adjustments_pkey", x => x.adjustment_id);
                });

            migrationBuilder.CreateTable(
                name: "campaign_snapshots",
                columns: table => new
                {
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    snapshot_version = table.Column<long>(type: "bigint", nullable: false),
                    snapshot = table.Column<byte[]>(type: "bytea", nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("campaign_snapshots_pkey", x => x.campaign_id);
                });

            migrationBuilder.CreateTable(
                name: "feed_cursors",
                columns: table => new
                {
                    feed = table.Column<string>(type: "text", nullable: false),
                    cursor = table.Column<string>(type: "text", nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    caught_up_to = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("feed_cursors_pkey", x => x.feed);
                });

            migrationBuilder.CreateTable(
                name: "payout_batches",
                columns: table => new
                {
                    batch_id = table.Column<Guid>(type: "uuid", nullable: false),
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    run_id = table.Column<Guid>(type: "uuid", nullable: true),
                    status = table.Column<short>(type: "smallint", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    total_cents = table.Column<long>(type: "bigint", nullable: false),
                    approved_by = table.Column<byte[]>(type: "bytea", nullable: true),
                    approved_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    paid_by = table.Column<byte[]>(type: "bytea", nullable: true),
                    paid_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    payment_reference = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("payout_batches_pkey", x => x.batch_id);
                });

            migrationBuilder.CreateTable(
                name: "reconciliation_items",
                columns: table => new
                {
                    reconciliation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    item_number = table.Column<long>(type: "bigint", nullable: false),
                    outcome = table.Column<short>(type: "smallint", nullable: false),
                    line_number = table.Column<long>(type: "bigint", nullable: true),
                    channel_transaction_id = table.Column<string>(type: "text", nullable: false),
                    channel_voucher_id = table.Column<string>(type: "text", nullable: true),
                    channel_merchant_number = table.Column<string>(type: "text", nullable: true),
                    channel_voucher_amount_cents = table.Column<long>(type: "bigint", nullable: true),
                    channel_order_amount_cents = table.Column<long>(type: "bigint", nullable: true),
                    channel_occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    redemption_id = table.Column<string>(type: "text", nullable: true),
                    platform_voucher_amount_cents = table.Column<long>(type: "bigint", nullable: true),
                    platform_order_amount_cents = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("reconciliation_items_pkey", x => new { x.reconciliation_id, x.item_number });
                });

            migrationBuilder.CreateTable(
                name: "reconciliations",
                columns: table => new
                {
                    reconciliation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    request_id = table.Column<string>(type: "text", nullable: false),
                    request_fingerprint = table.Column<string>(type: "text", nullable: false),
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    channel_id = table.Column<string>(type: "text", nullable: false),
                    period_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    period_end = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    file_name = table.Column<string>(type: "text", nullable: false),
                    row_count = table.Column<long>(type: "bigint", nullable: false),
                    imported_by = table.Column<byte[]>(type: "bytea", nullable: false),
                    imported_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("reconciliations_pkey", x => x.reconciliation_id);
                });

            migrationBuilder.CreateTable(
                name: "redemptions",
                columns: table => new
                {
                    redemption_id = table.Column<string>(type: "text", nullable: false),
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    voucher_id = table.Column<string>(type: "text", nullable: false),
                    round_id = table.Column<string>(type: "text", nullable: false),
                    tier_id = table.Column<string>(type: "text", nullable: false),
                    issuing_channel_id = table.Column<string>(type: "text", nullable: false),
                    merchant_id = table.Column<string>(type: "text", nullable: false),
                    merchant_trade_name = table.Column<string>(type: "text", nullable: false),
                    staff_id = table.Column<string>(type: "text", nullable: false),
                    acquiring_channel_id = table.Column<string>(type: "text", nullable: false),
                    channel_transaction_id = table.Column<string>(type: "text", nullable: false),
                    category_id = table.Column<string>(type: "text", nullable: false),
                    invoice_number = table.Column<string>(type: "text", nullable: false),
                    buyer_phone_hash = table.Column<string>(type: "text", nullable: false),
                    face_value_cents = table.Column<long>(type: "bigint", nullable: false),
                    order_amount_cents = table.Column<long>(type: "bigint", nullable: false),
                    merchant_cofunding_cents = table.Column<long>(type: "bigint", nullable: false),
                    government_share_cents = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<short>(type: "smallint", nullable: false),
                    subsidy_exclusion = table.Column<short>(type: "smallint", nullable: false),
                    redeemed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    feed_sequence = table.Column<long>(type: "bigint", nullable: false),
                    record = table.Column<byte[]>(type: "bytea", nullable: false),
                    settled_run_id = table.Column<Guid>(type: "uuid", nullable: true),
                    settled_earning = table.Column<bool>(type: "boolean", nullable: false),
                    clawed_back = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("redemptions_pkey", x => x.redemption_id);
                });

            migrationBuilder.CreateTable(
                name: "settlement_runs",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    kind = table.Column<short>(type: "smallint", nullable: false),
                    period_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    period_end = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    request_id = table.Column<string>(type: "text", nullable: false),
                    request_fingerprint = table.Column<string>(type: "text", nullable: false),
                    redemption_feed_sequence = table.Column<long>(type: "bigint", nullable: false),
                    issuance_feed_sequence = table.Column<long>(type: "bigint", nullable: false),
                    statement_count = table.Column<int>(type: "integer", nullable: false),
                    redemption_count = table.Column<long>(type: "bigint", nullable: false),
                    face_value_cents = table.Column<long>(type: "bigint", nullable: false),
                    leveraged_spend_cents = table.Column<long>(type: "bigint", nullable: false),
                    government_share_cents = table.Column<long>(type: "bigint", nullable: false),
                    merchant_share_cents = table.Column<long>(type: "bigint", nullable: false),
                    adjustments_cents = table.Column<long>(type: "bigint", nullable: false),
                    net_payable_cents = table.Column<long>(type: "bigint", nullable: false),
                    payout_batch_id = table.Column<Guid>(type: "uuid", nullable: false),
                    run_by = table.Column<byte[]>(type: "bytea", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("settlement_runs_pkey", x => x.run_id);
                });

            migrationBuilder.CreateTable(
                name: "statement_splits",
                columns: table => new
                {
                    statement_id = table.Column<Guid>(type: "uuid", nullable: false),
                    channel_id = table.Column<string>(type: "text", nullable: false),
                    funding_source_id = table.Column<string>(type: "text", nullable: false),
                    amount_cents = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("statement_splits_pkey", x => new { x.statement_id, x.channel_id, x.funding_source_id });
                });

            migrationBuilder.CreateTable(
                name: "statements",
                columns: table => new
                {
                    statement_id = table.Column<Guid>(type: "uuid", nullable: false),
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    merchant_id = table.Column<string>(type: "text", nullable: false),
                    merchant_trade_name = table.Column<string>(type: "text", nullable: false),
                    period_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    period_end = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    redemption_count = table.Column<long>(type: "bigint", nullable: false),
                    face_value_cents = table.Column<long>(type: "bigint", nullable: false),
                    leveraged_spend_cents = table.Column<long>(type: "bigint", nullable: false),
                    government_share_cents = table.Column<long>(type: "bigint", nullable: false),
                    merchant_share_cents = table.Column<long>(type: "bigint", nullable: false),
                    adjustments_cents = table.Column<long>(type: "bigint", nullable: false),
                    net_payable_cents = table.Column<long>(type: "bigint", nullable: false),
                    payout_status = table.Column<short>(type: "smallint", nullable: false),
                    payout_batch_id = table.Column<Guid>(type: "uuid", nullable: true),
                    hold_reason = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("statements_pkey", x => x.statement_id);
                });

            migrationBuilder.CreateTable(
                name: "vouchers",
                columns: table => new
                {
                    voucher_id = table.Column<string>(type: "text", nullable: false),
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    round_id = table.Column<string>(type: "text", nullable: false),
                    tier_id = table.Column<string>(type: "text", nullable: false),
                    tier_name = table.Column<string>(type: "text", nullable: false),
                    category_id = table.Column<string>(type: "text", nullable: false),
                    channel_id = table.Column<string>(type: "text", nullable: false),
                    face_value_cents = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<short>(type: "smallint", nullable: false),
                    claimed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    valid_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ended_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    holder_display_name = table.Column<string>(type: "text", nullable: false),
                    holder_phone_hash = table.Column<string>(type: "text", nullable: false),
                    holder_keys = table.Column<byte[]>(type: "bytea", nullable: false),
                    redemption_id = table.Column<string>(type: "text", nullable: false),
                    merchant_id = table.Column<string>(type: "text", nullable: false),
                    used_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    feed_sequence = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("vouchers_pkey", x => x.voucher_id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_adjustments_campaign_id_merchant_id",
                table: "adjustments",
                columns: new[] { "campaign_id", "merchant_id" },
                filter: "statement_id IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_adjustments_statement_id",
                table: "adjustments",
                column: "statement_id");

            migrationBuilder.CreateIndex(
                name: "ux_adjustments_request_id",
                table: "adjustments",
                column: "request_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_payout_batches_campaign_id_created_at",
                table: "payout_batches",
                columns: new[] { "campaign_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_reconciliations_campaign_id_imported_at",
                table: "reconciliations",
                columns: new[] { "campaign_id", "imported_at" });

            migrationBuilder.CreateIndex(
                name: "ux_reconciliations_request_id",
                table: "reconciliations",
                column: "request_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_redemptions_campaign_id_acquiring_channel_id_channel_transaction_id",
                table: "redemptions",
                columns: new[] { "campaign_id", "acquiring_channel_id", "channel_transaction_id" });

            migrationBuilder.CreateIndex(
                name: "ix_redemptions_campaign_id_merchant_id_redeemed_at",
                table: "redemptions",
                columns: new[] { "campaign_id", "merchant_id", "redeemed_at" });

            migrationBuilder.CreateIndex(
                name: "ix_redemptions_campaign_id_redeemed_at_redemption_id",
                table: "redemptions",
                columns: new[] { "campaign_id", "redeemed_at", "redemption_id" });

            migrationBuilder.CreateIndex(
                name: "ix_redemptions_campaign_id_settled_run_id",
                table: "redemptions",
                columns: new[] { "campaign_id", "settled_run_id" },
                filter: "settled_earning AND NOT clawed_back");

            migrationBuilder.CreateIndex(
                name: "ix_settlement_runs_campaign_id_created_at",
                table: "settlement_runs",
                columns: new[] { "campaign_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ux_settlement_runs_campaign_id_period_start_period_end",
                table: "settlement_runs",
                columns: new[] { "campaign_id", "period_start", "period_end" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_settlement_runs_request_id",
                table: "settlement_runs",
                column: "request_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_statements_campaign_id_merchant_id_payout_status",
                table: "statements",
                columns: new[] { "campaign_id", "merchant_id", "payout_status" });

            migrationBuilder.CreateIndex(
                name: "ix_statements_payout_batch_id",
                table: "statements",
                column: "payout_batch_id");

            migrationBuilder.CreateIndex(
                name: "ux_statements_run_id_merchant_id",
                table: "statements",
                columns: new[] { "run_id", "merchant_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_vouchers_campaign_id_claimed_at_voucher_id",
                table: "vouchers",
                columns: new[] { "campaign_id", "claimed_at", "voucher_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "adjustments");

            migrationBuilder.DropTable(
                name: "campaign_snapshots");

            migrationBuilder.DropTable(
                name: "feed_cursors");

            migrationBuilder.DropTable(
                name: "payout_batches");

            migrationBuilder.DropTable(
                name: "reconciliation_items");

            migrationBuilder.DropTable(
                name: "reconciliations");

            migrationBuilder.DropTable(
                name: "redemptions");

            migrationBuilder.DropTable(
                name: "settlement_runs");

            migrationBuilder.DropTable(
                name: "statement_splits");

            migrationBuilder.DropTable(
                name: "statements");

            migrationBuilder.DropTable(
                name: "vouchers");
        }
    }
}
