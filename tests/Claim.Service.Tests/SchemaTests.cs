using Claim.Service.Data;
using Microsoft.EntityFrameworkCore;
using TestSupport;

namespace Claim.Service.Tests;

/// <summary>The committed migrations against the committed reference schema and the current model.</summary>
public class SchemaTests
{
    private const string Reference = "src/Claim.Service/Data/Migrations/schema.sql";

    [Fact]
    public async Task A_fresh_database_migrated_by_the_migrations_has_exactly_the_reference_schema()
    {
        await using var database = await SharedPostgres.CreateDatabaseAsync("claim_schema");
        await using (var db = new ClaimDbContext(new DbContextOptionsBuilder<ClaimDbContext>().UseNpgsql(database.ConnectionString).Options))
        {
            await db.Database.MigrateAsync();
        }

        var actual = await SchemaReference.DumpAsync(database.ConnectionString);

        Assert.Equal(await SchemaReference.ReadOrUpdateAsync(Reference, actual), actual);
    }

    [Fact]
    public void The_model_has_no_changes_the_migrations_lack()
    {
        // The context exactly as dotnet-ef builds it, so this fails when `dotnet ef migrations add` would write a migration.
        using var db = new ClaimDbContextFactory().CreateDbContext([]);

        Assert.False(db.Database.HasPendingModelChanges());
    }
}
