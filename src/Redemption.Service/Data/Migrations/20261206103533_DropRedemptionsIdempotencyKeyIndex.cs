using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Redemption.Service.Data.Migrations
{
    /// <inheritdoc />
    public partial class DropRedemptionsIdempotencyKeyIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ux_redemptions_idempotency_key",
                table: "redemptions");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ux_redemptions_idempotency_key",
                table: "redemptions",
                column: "idempotency_key",
                unique: true);
        }
    }
}
