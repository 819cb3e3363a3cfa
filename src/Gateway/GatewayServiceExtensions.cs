using ServiceDefaults;

namespace Gateway;

/// <summary>Everything the gateway registers and maps; Program.cs only calls these two.</summary>
public static class GatewayServiceExtensions
{
    public static WebApplicationBuilder AddGatewayServices(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceDefaults();
        return builder;
    }

    public static WebApplication MapGatewayServices(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapDefaultEndpoints();
        app.MapGet("/", (IConfiguration configuration) => Results.Ok(new
        {
            service = "voucher-gateway",
            backends = ResourceNames.Services.ToDictionary(
                name => name,
                name => ServiceDiscovery.FindEndpoint(configuration, name)?.ToString()),
        }));
        return app;
    }
}
