using Microsoft.EntityFrameworkCore;

namespace Redemption.Service.Data;

/// <summary>The Redemption service's own database (redemptiondb); no other service reads it.</summary>
public sealed class RedemptionDbContext(DbContextOptions<RedemptionDbContext> options) : DbContext(options)
{
}
