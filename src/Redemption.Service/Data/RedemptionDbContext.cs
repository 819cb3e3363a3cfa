using Microsoft.EntityFrameworkCore;

namespace Redemption.Service.Data;

/// <summary>
/// The Redemption service's own database (redemptiondb); no other service reads it. The model states the schema the
/// migrations are generated from; the service's queries go through Npgsql.
/// </summary>
public sealed class RedemptionDbContext(DbContextOptions<RedemptionDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => RedemptionModel.Configure(modelBuilder);
}
