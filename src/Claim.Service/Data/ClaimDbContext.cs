using Microsoft.EntityFrameworkCore;

namespace Claim.Service.Data;

/// <summary>
/// The Claim service's own database (claimdb); no other service reads it. The model states the schema the migrations
/// are generated from; the service's queries go through Npgsql (see ClaimRecords.cs).
/// </summary>
public sealed class ClaimDbContext(DbContextOptions<ClaimDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => ClaimModel.Configure(modelBuilder);
}
