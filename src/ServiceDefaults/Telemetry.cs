using GrpcRuntime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ServiceDefaults;

/// <summary>
/// Traces, metrics and logs over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set. The hosting integration
/// package is not available here, so the providers are built with the core SDK's builders and owned by
/// a singleton the container disposes with the host.
/// </summary>
public static class Telemetry
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// The source the Aspire Redis client integration creates its StackExchange.Redis command spans on (the
    /// OpenTelemetry instrumentation it carries). StackExchange.Redis itself publishes no meter.
    /// </summary>
    public const string RedisActivitySourceName = "OpenTelemetry.Instrumentation.StackExchangeRedis";

    /// <summary>Activity sources traced: ASP.NET Core, HttpClient, our gRPC runtime, StackExchange.Redis, Npgsql.</summary>
    public static IReadOnlyList<string> ActivitySources { get; } =
        ["Microsoft.AspNetCore", "System.Net.Http", GrpcDiagnostics.ActivitySourceName, RedisActivitySourceName, "Npgsql"];

    /// <summary>
    /// Meters collected: ASP.NET Core hosting, Kestrel and routing, HttpClient, the runtime, gRPC, Npgsql, and
    /// each service's business meter, named after its assembly ("Campaign.Service", "Claim.Service", …).
    /// </summary>
    public static IReadOnlyList<string> Meters { get; } =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics", "System.Net.Http", "System.Runtime",
        GrpcDiagnostics.MeterName, "Npgsql", "*.Service", "Gateway",
    ];

    public static bool IsExportEnabled(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration?[OtlpEndpointVariable]);

    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!IsExportEnabled(builder.Configuration))
        {
            return builder;
        }

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            logging.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(serviceName));
            logging.AddOtlpExporter();
        });
        builder.Services.AddSingleton(_ => new TelemetryProviders(serviceName));
        builder.Services.AddHostedService<TelemetryStarter>();
        return builder;
    }

    /// <summary>The tracer and meter providers of one service; disposing flushes and stops them.</summary>
    internal sealed class TelemetryProviders : IDisposable
    {
        public TelemetryProviders(string serviceName)
        {
            var resource = ResourceBuilder.CreateDefault().AddService(serviceName);
            TracerProvider = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .AddSource([.. ActivitySources])
                .AddOtlpExporter()
                .Build();
            MeterProvider = Sdk.CreateMeterProviderBuilder()
                .SetResourceBuilder(resource)
                .AddMeter([.. Meters])
                .AddOtlpExporter()
                .Build();
        }

        public TracerProvider TracerProvider { get; }

        public MeterProvider MeterProvider { get; }

        public void Dispose()
        {
            TracerProvider.Dispose();
            MeterProvider.Dispose();
        }
    }

    /// <summary>Resolves the providers when the host starts, so they listen from the first request on.</summary>
    internal sealed class TelemetryStarter(TelemetryProviders providers) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = providers.TracerProvider;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
