using System.Net;
using System.Net.Sockets;
using Grpc.Health.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServiceDefaults;

namespace ServiceDefaults.Tests;

/// <summary>A real Kestrel service configured the way the app host configures one: h2c gRPC port, HTTP/1.1 port.</summary>
public sealed class ServiceDefaultsTests
{
    [Fact]
    public async Task Health_endpoints_and_grpc_health_report_the_same_checks_on_the_ports_the_app_host_assigns()
    {
        var failing = new Toggle();
        await using var service = await StartServiceAsync(builder =>
            builder.Services.AddHealthChecks().AddCheck("dependency", () => failing.On ? HealthCheckResult.Unhealthy("down") : HealthCheckResult.Healthy(), tags: [HealthTags.Ready]));
        using var http = new HttpClient { BaseAddress = service.HttpUrl };
        var client = CreateHealthClient(service.GrpcUrl);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
        await GrpcStatusBecomesAsync(client, HealthCheckResponse.Types.ServingStatus.Serving);

        failing.On = true;
        var health = await http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("dependency: Unhealthy - down", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/alive")).StatusCode);
        await GrpcStatusBecomesAsync(client, HealthCheckResponse.Types.ServingStatus.NotServing);

        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await client.CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_grpc_client_registered_by_service_name_reaches_the_address_in_services_configuration()
    {
        await using var service = await StartServiceAsync(_ => { });
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["services:claim:grpc:0"] = service.GrpcUrl.GetLeftPart(UriPartial.Authority) })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddServiceDiscoveryDefaults();
        services.AddServiceGrpcClient<Health.HealthClient>(ResourceNames.Claim, Health.Descriptor.FindMethodByName("Check"));
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<Health.HealthClient>();

        await GrpcStatusBecomesAsync(client, HealthCheckResponse.Types.ServingStatus.Serving);
        Assert.Equal(service.GrpcUrl, ServiceDiscovery.GetEndpoint(configuration, ResourceNames.Claim));
        var missing = Assert.Throws<InvalidOperationException>(() => ServiceDiscovery.GetEndpoint(configuration, ResourceNames.Settlement));
        Assert.Contains("services__settlement__grpc__0", missing.Message);
    }

    [Fact]
    public async Task With_an_otlp_endpoint_configured_the_service_traces_our_sources_and_still_starts_when_the_collector_is_down()
    {
        using var probe = new System.Diagnostics.ActivitySource("Grpc.Net.Client");
        Assert.False(probe.HasListeners());

        var settings = new Dictionary<string, string?> { [Telemetry.OtlpEndpointVariable] = $"http://127.0.0.1:{FreePort()}" };
        await using (var service = await StartServiceAsync(_ => { }, settings))
        {
            using var http = new HttpClient { BaseAddress = service.HttpUrl };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
            Assert.True(probe.HasListeners());
            Assert.True(new System.Diagnostics.ActivitySource("Npgsql").HasListeners());
        }

        Assert.False(probe.HasListeners());
    }

    [Fact]
    public async Task Server_reflection_lists_the_mapped_services()
    {
        await using var service = await StartServiceAsync(_ => { }, new() { [ServiceDefaultsExtensions.ReflectionEnabledKey] = "true" });
        var reflection = new Grpc.Reflection.V1.ServerReflection.ServerReflectionClient(Grpc.Net.Client.GrpcChannel.ForAddress(service.GrpcUrl));

        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("grpc.health.v1.Health", names);
        Assert.Contains("grpc.reflection.v1.ServerReflection", names);
    }

    [Fact]
    public async Task Server_reflection_stays_unmapped_when_the_deployment_turns_it_off()
    {
        await using var service = await StartServiceAsync(_ => { }, new() { [ServiceDefaultsExtensions.ReflectionEnabledKey] = "false" });
        var reflection = new Grpc.Reflection.V1.ServerReflection.ServerReflectionClient(Grpc.Net.Client.GrpcChannel.ForAddress(service.GrpcUrl));

        using var call = reflection.ServerReflectionInfo();
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync(new Grpc.Reflection.V1.ServerReflectionRequest { ListServices = "" });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(StatusCode.Unimplemented, refused.StatusCode);
    }

    private static async Task GrpcStatusBecomesAsync(Health.HealthClient client, HealthCheckResponse.Types.ServingStatus expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HealthCheckResponse.Types.ServingStatus? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = (await client.CheckAsync(new HealthCheckRequest())).Status;
                if (last == expected)
                {
                    return;
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                // Not reported yet: the first health poll has not finished.
            }

            await Task.Delay(100);
        }

        Assert.Fail($"gRPC health stayed {last?.ToString() ?? "unknown"}, expected {expected}");
    }

    private static Health.HealthClient CreateHealthClient(Uri grpcUrl) =>
        new(Grpc.Net.Client.GrpcChannel.ForAddress(grpcUrl));

    private static async Task<RunningService> StartServiceAsync(Action<WebApplicationBuilder> configure, Dictionary<string, string?>? settings = null)
    {
        int grpcPort = FreePort(), httpPort = FreePort();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:grpc:Url"] = $"http://127.0.0.1:{grpcPort}",
            ["Kestrel:Endpoints:grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:http:Url"] = $"http://127.0.0.1:{httpPort}",
            ["Kestrel:Endpoints:http:Protocols"] = "Http1",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.AddServiceDefaults();
        configure(builder);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        return new RunningService(app, new Uri($"http://127.0.0.1:{grpcPort}"), new Uri($"http://127.0.0.1:{httpPort}"));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Toggle
    {
        public volatile bool On;
    }

    private sealed record RunningService(WebApplication App, Uri GrpcUrl, Uri HttpUrl) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await App.DisposeAsync();
    }
}
