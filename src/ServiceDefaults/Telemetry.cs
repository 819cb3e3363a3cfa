using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ServiceDefaults;

/// <summary>
/// OpenTelemetry as Aspire's service-defaults template sets it up: logs, metrics and traces are always
/// collected in process and exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the app
/// host sets it to the dashboard). Npgsql and Redis add their own instrumentation through their client
/// integrations.
/// </summary>
public static class Telemetry
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// The source the Aspire Redis client integration creates its StackExchange.Redis command spans on (the
    /// OpenTelemetry instrumentation it carries). StackExchange.Redis itself publishes no meter.
    /// </summary>
    public const string RedisActivitySourceName = "OpenTelemetry.Instrumentation.StackExchangeRedis";

    /// <summary>
    /// Activity sources besides the instrumented libraries': grpc-dotnet's client calls, StackExchange.Redis
    /// and Npgsql (named here too so a connection opened outside the Aspire integration is still traced).
    /// </summary>
    public static IReadOnlyList<string> ActivitySources { get; } = ["Grpc.Net.Client", RedisActivitySourceName, "Npgsql"];

    /// <summary>
    /// Meters besides the instrumented libraries': grpc-dotnet's server and client, Npgsql, and each
    /// service's business meter, named after its assembly ("Campaign.Service", "Claim.Service", …).
    /// </summary>
    public static IReadOnlyList<string> Meters { get; } =
        ["Grpc.AspNetCore.Server", "Grpc.Net.Client", "Npgsql", "*.Service", "Gateway"];

    /// <summary>
    /// Whether telemetry leaves the process: an OTLP endpoint is set and the SDK is not switched off with
    /// <c>OTEL_SDK_DISABLED=true</c> (tests and benchmarks do that while the app host still hands out an endpoint).
    /// Work that only feeds the exporter, such as recording every Redis command for spans, is skipped otherwise.
    /// </summary>
    public static bool IsExportEnabled(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration?[OtlpEndpointVariable])
        && !string.Equals(configuration[SdkDisabledVariable], "true", StringComparison.OrdinalIgnoreCase);

    public const string SdkDisabledVariable = "OTEL_SDK_DISABLED";

    /// <summary>
    /// Whether the metrics and tracing pipelines run while nothing exports (default true: in-process readers of the
    /// SDK's views see them). A process that handles many small requests may say false: each request then costs no
    /// span, no tag and no metric point for nobody (the gateway: ~10 µs of CPU per proxied call). Sources and meters
    /// stay visible to in-process listeners either way.
    /// </summary>
    public const string CollectWithoutExportKey = "Telemetry:CollectWithoutExport";

    public static TBuilder AddTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var exporting = IsExportEnabled(builder.Configuration);
        if (!exporting && !builder.Configuration.GetValue(CollectWithoutExportKey, defaultValue: true))
        {
            return builder;
        }

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter([.. Meters]))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource([.. ActivitySources])
                .AddAspNetCoreInstrumentation(aspnet =>
                    // Health probes run every few seconds; tracing them would bury the real requests.
                    aspnet.Filter = context =>
                        !context.Request.Path.StartsWithSegments(ServiceDefaultsExtensions.HealthPath, StringComparison.Ordinal)
                        && !context.Request.Path.StartsWithSegments(ServiceDefaultsExtensions.AlivePath, StringComparison.Ordinal))
                .AddGrpcClientInstrumentation()
                .AddHttpClientInstrumentation());

        if (exporting)
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }
}
