using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Redemption.Service.Data.Migrations
{
    /// <inheritdoc />
    public partial class UnindexedAttemptLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_redemption_attempts_lease",
                table: "redemption_attempts");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_redemption_attempts_lease",
                table: "redemption_attempts",
                column: "lease_until");
        }
    }
}
