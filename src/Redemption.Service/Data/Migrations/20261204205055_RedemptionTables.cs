using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Redemption.Service.Data.Migrations
{
    /// <inheritdoc />
    public partial class RedemptionTables : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "anomaly_signals",
                columns: table => new
                {
                    signal_id = table.Column<string>(type: "text", nullable: false),
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    merchant_id = table.Column<string>(type: "text", nullable: false),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    kind = table.Column<short>(type: "smallint", nullable: false),
                    score_basis_points = table.Column<int>(type: "integer", nullable: false),
                    signal = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("anomaly_signals_pkey", x => x.signal_id);
                });

            migrationBuilder.CreateTable(
                name: "feed_counter",
                columns: table => new
                {
                    id = table.Column<short>(type: "smallint", nullable: false),
                    last_sequence = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("feed_counter_pkey", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "idempotency_keys",
                columns: table => new
                {
                    idempotency_key = table.Column<string>(type: "text", nullable: false),
                    fingerprint = table.Column<string>(type: "text", nullable: false),
                    outcome = table.Column<byte[]>(type: "bytea", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("idempotency_keys_pkey", x => x.idempotency_key);
                });

            migrationBuilder.CreateTable(
                name: "redemption_attempts",
                columns: table => new
                {
                    idempotency_key = table.Column<string>(type: "text", nullable: false),
                    redemption_id = table.Column<string>(type: "text", nullable: false),
                    voucher_id = table.Column<string>(type: "text", nullable: false),
                    merchant_id = table.Column<string>(type: "text", nullable: false),
                    merchant_trade_name = table.Column<string>(type: "text", nullable: false),
                    lease_until = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("redemption_attempts_pkey", x => x.idempotency_key);
                });

            migrationBuilder.CreateTable(
                name: "redemption_events",
                columns: table => new
                {
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    @event = table.Column<byte[]>(name: "event", type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("redemption_events_pkey", x => x.sequence);
                });

            migrationBuilder.CreateTable(
                name: "redemptions",
                columns: table => new
                {
                    redemption_id = table.Column<string>(type: "text", nullable: false),
                    idempotency_key = table.Column<string>(type: "text", nullable: false),
                    voucher_id = table.Column<string>(type: "text", nullable: false),
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    merchant_id = table.Column<string>(type: "text", nullable: false),
                    staff_id = table.Column<string>(type: "text", nullable: false),
                    tier_id = table.Column<string>(type: "text", nullable: false),
                    category_id = table.Column<string>(type: "text", nullable: false),
                    transaction_key = table.Column<string>(type: "text", nullable: false),
                    buyer_hash = table.Column<string>(type: "text", nullable: false),
                    buyer_phone_hash = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<short>(type: "smallint", nullable: false),
                    subsidy_exclusion = table.Column<short>(type: "smallint", nullable: false),
                    face_value_cents = table.Column<long>(type: "bigint", nullable: false),
                    order_amount_cents = table.Column<long>(type: "bigint", nullable: false),
                    government_share_cents = table.Column<long>(type: "bigint", nullable: false),
                    threshold_cents = table.Column<long>(type: "bigint", nullable: false),
                    redeemed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    record = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("redemptions_pkey", x => x.redemption_id);
                });

            migrationBuilder.CreateTable(
                name: "reversals",
                columns: table => new
                {
                    reversal_id = table.Column<string>(type: "text", nullable: false),
                    redemption_id = table.Column<string>(type: "text", nullable: false),
                    fingerprint = table.Column<string>(type: "text", nullable: false),
                    reversal = table.Column<byte[]>(type: "bytea", nullable: false),
                    reversed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("reversals_pkey", x => x.reversal_id);
                });

            migrationBuilder.CreateTable(
                name: "revocations",
                columns: table => new
                {
                    redemption_id = table.Column<string>(type: "text", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: false),
                    actor = table.Column<byte[]>(type: "bytea", nullable: false),
                    revoked_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("revocations_pkey", x => x.redemption_id);
                });

            migrationBuilder.CreateTable(
                name: "screening_runs",
                columns: table => new
                {
                    campaign_id = table.Column<string>(type: "text", nullable: false),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    ran_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("screening_runs_pkey", x => new { x.campaign_id, x.day });
                });

            migrationBuilder.InsertData(
                table: "feed_counter",
                columns: new[] { "id", "last_sequence" },
                values: new object[] { (short)1, 0L });

            migrationBuilder.CreateIndex(
                name: "ix_anomaly_signals_campaign_day",
                table: "anomaly_signals",
                columns: new[] { "campaign_id", "day" });

            migrationBuilder.CreateIndex(
                name: "ix_anomaly_signals_score",
                table: "anomaly_signals",
                columns: new[] { "score_basis_points", "signal_id" },
                descending: new[] { true, false });

            migrationBuilder.CreateIndex(
                name: "ix_redemption_attempts_lease",
                table: "redemption_attempts",
                column: "lease_until");

            migrationBuilder.CreateIndex(
                name: "ix_redemption_events_campaign",
                table: "redemption_events",
                columns: new[] { "campaign_id", "sequence" });

            migrationBuilder.CreateIndex(
                name: "ix_redemptions_campaign_time",
                table: "redemptions",
                columns: new[] { "campaign_id", "redeemed_at" });

            migrationBuilder.CreateIndex(
                name: "ix_redemptions_merchant_time",
                table: "redemptions",
                columns: new[] { "merchant_id", "redeemed_at", "redemption_id" },
                descending: new[] { false, true, true });

            migrationBuilder.CreateIndex(
                name: "ux_redemptions_idempotency_key",
                table: "redemptions",
                column: "idempotency_key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_redemptions_transaction_live",
                table: "redemptions",
                columns: new[] { "merchant_id", "transaction_key" },
                unique: true,
                filter: "status <> 2");

            migrationBuilder.CreateIndex(
                name: "ux_redemptions_voucher_live",
                table: "redemptions",
                column: "voucher_id",
                unique: true,
                filter: "status <> 2");

            migrationBuilder.CreateIndex(
                name: "ux_reversals_redemption",
                table: "reversals",
                column: "redemption_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "anomaly_signals");

            migrationBuilder.DropTable(
                name: "feed_counter");

            migrationBuilder.DropTable(
                name: "idempotency_keys");

            migrationBuilder.DropTable(
                name: "redemption_attempts");

            migrationBuilder.DropTable(
                name: "redemption_events");

            migrationBuilder.DropTable(
                name: "redemptions");

            migrationBuilder.DropTable(
                name: "reversals");

            migrationBuilder.DropTable(
                name: "revocations");

            migrationBuilder.DropTable(
                name: "screening_runs");
        }
    }
}
