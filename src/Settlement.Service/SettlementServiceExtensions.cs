using Settlement.Service.Data;
using ServiceDefaults;

namespace Settlement.Service;

/// <summary>Everything the Settlement service registers and maps; Program.cs only calls these two.</summary>
public static class SettlementServiceExtensions
{
    public static WebApplicationBuilder AddSettlementServices(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceDefaults();
        builder.AddServiceDatabase<SettlementDbContext>(ResourceNames.SettlementDb);
        return builder;
    }

    public static WebApplication MapSettlementServices(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapDefaultEndpoints();
        return app;
    }
}
