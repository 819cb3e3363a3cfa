using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Claim.Service.Data.Migrations;

/// <summary>
/// The wallet, the issuance feed, voucher usage, presentation codes and the block list. Written by hand in
/// SQL (the EF design-time tools are not available here); the service reads and writes these tables with
/// Npgsql directly, because the persister needs multi-row inserts and the usage calls conditional updates.
/// </summary>
[DbContext(typeof(ClaimDbContext))]
[Migration("20261122000100_VoucherWallet")]
public sealed class VoucherWallet : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql("""
            CREATE TABLE vouchers (
                voucher_id text PRIMARY KEY,
                request_id text NOT NULL,
                campaign_id text NOT NULL,
                round_id text NOT NULL,
                tier_id text NOT NULL,
                category_id text NOT NULL,
                channel_id text NOT NULL,
                holder_account_hash text NOT NULL,
                face_value_cents bigint NOT NULL,
                status smallint NOT NULL,
                claimed_at timestamptz NOT NULL,
                valid_from timestamptz NOT NULL,
                valid_until timestamptz NULL,
                drawn boolean NOT NULL,
                issued bytea NOT NULL,
                stream_id text NOT NULL,
                version bigint NOT NULL,
                lock_id text NULL,
                lock_expires_at timestamptz NULL,
                redemption_id text NULL,
                merchant_id text NULL,
                merchant_trade_name text NULL,
                used_at timestamptz NULL,
                ended_at timestamptz NULL,
                revoke_reason text NULL
            );
            CREATE UNIQUE INDEX ux_vouchers_request ON vouchers (campaign_id, request_id);
            CREATE INDEX ix_vouchers_holder ON vouchers (holder_account_hash, voucher_id DESC);
            CREATE INDEX ix_vouchers_expiry ON vouchers (valid_until) WHERE status IN (1, 2);
            CREATE INDEX ix_vouchers_cell ON vouchers (campaign_id, round_id, tier_id, category_id);

            CREATE TABLE issuance_events (
                sequence bigint PRIMARY KEY,
                campaign_id text NOT NULL,
                voucher_id text NOT NULL,
                occurred_at timestamptz NOT NULL,
                payload bytea NOT NULL
            );
            CREATE INDEX ix_issuance_events_campaign ON issuance_events (campaign_id, sequence);

            CREATE TABLE voucher_consumptions (
                redemption_id text PRIMARY KEY,
                voucher_id text NOT NULL,
                consumed_at timestamptz NOT NULL,
                reversed_at timestamptz NULL
            );

            CREATE TABLE voucher_reinstatements (
                reversal_id text PRIMARY KEY,
                voucher_id text NOT NULL,
                redemption_id text NOT NULL,
                reason text NOT NULL,
                reinstated_at timestamptz NOT NULL
            );

            CREATE TABLE presentation_codes (
                token text PRIMARY KEY,
                voucher_id text NOT NULL,
                created_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL,
                replaced_at timestamptz NULL
            );
            CREATE INDEX ix_presentation_codes_voucher ON presentation_codes (voucher_id);

            CREATE TABLE block_list (
                entry_id text PRIMARY KEY,
                kind smallint NOT NULL,
                key_hash text NOT NULL,
                masked_value text NOT NULL,
                campaign_id text NOT NULL,
                reason text NOT NULL,
                added_by bytea NOT NULL,
                added_at timestamptz NOT NULL,
                expires_at timestamptz NULL,
                removed_at timestamptz NULL,
                removal_reason text NULL
            );
            CREATE UNIQUE INDEX ux_block_list_active ON block_list (campaign_id, kind, key_hash) WHERE removed_at IS NULL;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql("DROP TABLE block_list, presentation_codes, voucher_reinstatements, voucher_consumptions, issuance_events, vouchers;");
    }
}
