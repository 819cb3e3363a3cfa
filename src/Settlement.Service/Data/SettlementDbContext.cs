using Microsoft.EntityFrameworkCore;

namespace Settlement.Service.Data;

/// <summary>The Settlement service's own database (settlementdb); no other service reads it.</summary>
public sealed class SettlementDbContext(DbContextOptions<SettlementDbContext> options) : DbContext(options)
{
}
