using Redemption.Service.Data;
using ServiceDefaults;

namespace Redemption.Service;

/// <summary>Everything the Redemption service registers and maps; Program.cs only calls these two.</summary>
public static class RedemptionServiceExtensions
{
    public static WebApplicationBuilder AddRedemptionServices(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceDefaults();
        builder.AddServiceDatabase<RedemptionDbContext>(ResourceNames.RedemptionDb);
        return builder;
    }

    public static WebApplication MapRedemptionServices(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapDefaultEndpoints();
        return app;
    }
}
