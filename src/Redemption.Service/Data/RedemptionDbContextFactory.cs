using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Redemption.Service.Data;

/// <summary>
/// The context as dotnet-ef builds it at design time (`dotnet ef migrations add`, see the README's Migrations
/// section): Npgsql without a connection string, so generating a migration never contacts a database, and no host
/// start-up is needed. At run time the context comes from ServiceDefaults' AddServiceDatabase; both build one model.
/// </summary>
public sealed class RedemptionDbContextFactory : IDesignTimeDbContextFactory<RedemptionDbContext>
{
    public RedemptionDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<RedemptionDbContext>().UseNpgsql().Options);
}
