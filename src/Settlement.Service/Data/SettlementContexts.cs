using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Settlement.Service.Data;

/// <summary>
/// Contexts for the singletons (projectors, runs, reports) over the service's one NpgsqlDataSource, each used for one
/// unit of work; the request-scoped context AddServiceDatabase registers serves the migrations.
/// </summary>
public sealed class SettlementContexts(NpgsqlDataSource dataSource) : IDbContextFactory<SettlementDbContext>
{
    private readonly DbContextOptions<SettlementDbContext> _options = new DbContextOptionsBuilder<SettlementDbContext>()
        .UseNpgsql(dataSource)
        .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking)
        .Options;

    public SettlementDbContext CreateDbContext() => new(_options);
}
