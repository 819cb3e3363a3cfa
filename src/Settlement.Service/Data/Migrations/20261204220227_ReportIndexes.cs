using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Settlement.Service.Data.Migrations
{
    /// <inheritdoc />
    public partial class ReportIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_vouchers_campaign_id_tier_id_category_id_status",
                table: "vouchers",
                columns: new[] { "campaign_id", "tier_id", "category_id", "status" })
                .Annotation("Npgsql:IndexInclude", new[] { "round_id", "face_value_cents" });

            migrationBuilder.CreateIndex(
                name: "ix_redemptions_campaign_id_tier_id_category_id",
                table: "redemptions",
                columns: new[] { "campaign_id", "tier_id", "category_id" })
                .Annotation("Npgsql:IndexInclude", new[] { "status", "subsidy_exclusion", "round_id", "order_amount_cents" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_vouchers_campaign_id_tier_id_category_id_status",
                table: "vouchers");

            migrationBuilder.DropIndex(
                name: "ix_redemptions_campaign_id_tier_id_category_id",
                table: "redemptions");
        }
    }
}
