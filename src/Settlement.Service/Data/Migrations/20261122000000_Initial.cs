using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Settlement.Service.Data.Migrations;

/// <summary>
/// The starting point of the schema history: empty, so the service applies a real migration at start-up
/// from day one and its domain work adds tables as further migrations.
/// </summary>
[DbContext(typeof(SettlementDbContext))]
[Migration("20261122000000_Initial")]
public sealed class Initial : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
    }
}
