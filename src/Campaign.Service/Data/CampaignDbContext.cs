using Microsoft.EntityFrameworkCore;

namespace Campaign.Service.Data;

/// <summary>The Campaign service's own database (campaigndb); no other service reads it.</summary>
public sealed class CampaignDbContext(DbContextOptions<CampaignDbContext> options) : DbContext(options)
{
}
