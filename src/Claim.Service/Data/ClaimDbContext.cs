using Microsoft.EntityFrameworkCore;

namespace Claim.Service.Data;

/// <summary>The Claim service's own database (claimdb); no other service reads it.</summary>
public sealed class ClaimDbContext(DbContextOptions<ClaimDbContext> options) : DbContext(options)
{
}
