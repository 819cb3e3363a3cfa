using Claim.Service.Data;
using RedisClient;
using ServiceDefaults;

namespace Claim.Service;

/// <summary>Everything the Claim service registers and maps; Program.cs only calls these two.</summary>
public static class ClaimServiceExtensions
{
    public static WebApplicationBuilder AddClaimServices(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceDefaults();
        builder.AddNpgsqlDbContext<ClaimDbContext>(ResourceNames.ClaimDb);
        builder.AddRedisClient(ResourceNames.Redis);
        return builder;
    }

    public static WebApplication MapClaimServices(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapDefaultEndpoints();
        return app;
    }
}
