using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Claim.Service.Data.Migrations
{
    /// <inheritdoc />
    public partial class HotVoucherUpdates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_vouchers_campaign_status",
                table: "vouchers");

            migrationBuilder.DropIndex(
                name: "ix_vouchers_expiry",
                table: "vouchers");

            migrationBuilder.AlterTable(
                name: "vouchers")
                .Annotation("Npgsql:StorageParameter:fillfactor", 80);

            migrationBuilder.CreateIndex(
                name: "ix_vouchers_expiry",
                table: "vouchers",
                column: "valid_until",
                filter: "ended_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_vouchers_expiry",
                table: "vouchers");

            migrationBuilder.AlterTable(
                name: "vouchers")
                .OldAnnotation("Npgsql:StorageParameter:fillfactor", 80);

            migrationBuilder.CreateIndex(
                name: "ix_vouchers_campaign_status",
                table: "vouchers",
                columns: new[] { "campaign_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_vouchers_expiry",
                table: "vouchers",
                column: "valid_until",
                filter: "status IN (1, 2)");
        }
    }
}
