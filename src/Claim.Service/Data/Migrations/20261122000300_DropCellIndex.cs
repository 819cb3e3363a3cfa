using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Claim.Service.Data.Migrations;

/// <summary>
/// Every voucher insert paid for an index on (campaign, round, tier, category) that no query reads: pool reports and
/// reconciliation tally a whole campaign, which ix_vouchers_campaign_status serves. One index fewer on the
/// persister's path.
/// </summary>
[DbContext(typeof(ClaimDbContext))]
[Migration("20261122000300_DropCellIndex")]
public sealed class DropCellIndex : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql("DROP INDEX IF EXISTS ix_vouchers_cell;");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql("CREATE INDEX ix_vouchers_cell ON vouchers (campaign_id, round_id, tier_id, category_id);");
    }
}
