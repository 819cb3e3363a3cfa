using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Claim.Service.Data.Migrations;

/// <summary>
/// The database itself refuses a second live consumption of one voucher, so "consumed once" holds even if a
/// code path forgot its row lock; and block-list listing and pool reports get the indexes they read by.
/// </summary>
[DbContext(typeof(ClaimDbContext))]
[Migration("20261122000200_VoucherUsageGuards")]
public sealed class VoucherUsageGuards : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql("""
            CREATE UNIQUE INDEX ux_voucher_consumptions_live ON voucher_consumptions (voucher_id) WHERE reversed_at IS NULL;
            CREATE INDEX ix_vouchers_campaign_status ON vouchers (campaign_id, status);
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql("DROP INDEX ix_vouchers_campaign_status; DROP INDEX ux_voucher_consumptions_live;");
    }
}
