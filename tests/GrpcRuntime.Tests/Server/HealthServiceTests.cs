using System.Buffers.Binary;
using Google.Protobuf;
using Grpc.Health.V1;
using GrpcRuntime.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace GrpcRuntime.Tests.Server;

/// <summary>A health check whose result the test flips.</summary>
public sealed class SwitchableHealthCheck : IHealthCheck
{
    public volatile bool Healthy = true;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("switched off"));
}

public class HealthServiceTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private const string CheckPath = "/grpc.health.v1.Health/Check";
    private const string WatchPath = "/grpc.health.v1.Health/Watch";

    private static Task<GrpcTestServer> StartAsync(SwitchableHealthCheck? check = null, Action<GrpcHealthChecksOptions>? configure = null) =>
        GrpcTestServer.StartAsync(
            configureServices: services =>
            {
                var builder = services.AddGrpcHealthChecks(options =>
                {
                    options.Interval = TimeSpan.FromMilliseconds(100);
                    configure?.Invoke(options);
                });
                if (check is not null)
                {
                    services.AddSingleton(check);
                    builder.AddCheck<SwitchableHealthCheck>("switch", tags: ["claim"]);
                }
            },
            map: app => app.MapGrpcHealthService());

    private static async Task<(StatusCode Status, ServingStatus? Serving)> CheckAsync(GrpcTestServer server, string service)
    {
        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(CheckPath, RawGrpc.Frame(new HealthCheckRequest { Service = service })));
        var frames = response.Frames();
        return (response.GrpcStatus, frames.Count == 1 ? HealthCheckResponse.Parser.ParseFrom(frames[0].Payload).Status : null);
    }

    private static async Task<ServingStatus> EventuallyAsync(GrpcTestServer server, string service, ServingStatus expected)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (true)
        {
            var (_, serving) = await CheckAsync(server, service);
            if (serving == expected || DateTime.UtcNow > deadline)
            {
                return serving ?? ServingStatus.Unknown;
            }

            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Overall_status_is_serving_when_all_health_checks_pass()
    {
        await using var server = await StartAsync(new SwitchableHealthCheck());

        Assert.Equal(ServingStatus.Serving, await EventuallyAsync(server, "", ServingStatus.Serving));
    }

    [Fact]
    public async Task Failing_health_check_turns_the_mapped_service_not_serving()
    {
        var check = new SwitchableHealthCheck();
        await using var server = await StartAsync(check, options => options.Map("claim.v1.ClaimService", c => c.Tags.Contains("claim")));
        Assert.Equal(ServingStatus.Serving, await EventuallyAsync(server, "claim.v1.ClaimService", ServingStatus.Serving));

        check.Healthy = false;

        Assert.Equal(ServingStatus.NotServing, await EventuallyAsync(server, "claim.v1.ClaimService", ServingStatus.NotServing));
        Assert.Equal(ServingStatus.NotServing, await EventuallyAsync(server, "", ServingStatus.NotServing));
    }

    [Fact]
    public async Task Check_of_an_unknown_service_is_not_found()
    {
        await using var server = await StartAsync();

        var (status, _) = await CheckAsync(server, "no.such.Service");

        Assert.Equal(StatusCode.NotFound, status);
    }

    [Fact]
    public async Task Set_status_is_visible_to_check_and_clear_status_forgets_it()
    {
        await using var server = await StartAsync();
        var health = server.Services.GetRequiredService<HealthServiceImpl>();

        health.SetStatus("svc", ServingStatus.NotServing);
        Assert.Equal((StatusCode.OK, ServingStatus.NotServing), await CheckAsync(server, "svc"));

        health.ClearStatus("svc");
        Assert.Equal(StatusCode.NotFound, (await CheckAsync(server, "svc")).Status);
    }

    [Fact]
    public async Task Watch_streams_the_current_status_and_every_change()
    {
        await using var server = await StartAsync();
        var health = server.Services.GetRequiredService<HealthServiceImpl>();
        health.SetStatus("watched", ServingStatus.Serving);
        var request = RawGrpc.Request(WatchPath, RawGrpc.Frame(new HealthCheckRequest { Service = "watched" }));
        request.Version = System.Net.HttpVersion.Version20;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var cts = new CancellationTokenSource(Generous);

        using var response = await server.Http2Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var body = await response.Content.ReadAsStreamAsync(cts.Token);
        Assert.Equal(ServingStatus.Serving, await ReadStatusAsync(body, cts.Token));

        health.SetStatus("watched", ServingStatus.NotServing);
        Assert.Equal(ServingStatus.NotServing, await ReadStatusAsync(body, cts.Token));

        health.ClearStatus("watched");
        Assert.Equal(ServingStatus.ServiceUnknown, await ReadStatusAsync(body, cts.Token));
    }

    [Fact]
    public async Task Watch_of_an_unknown_service_reports_service_unknown_then_its_first_status()
    {
        await using var server = await StartAsync();
        var health = server.Services.GetRequiredService<HealthServiceImpl>();
        var request = RawGrpc.Request(WatchPath, RawGrpc.Frame(new HealthCheckRequest { Service = "later" }));
        request.Version = System.Net.HttpVersion.Version20;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var cts = new CancellationTokenSource(Generous);

        using var response = await server.Http2Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var body = await response.Content.ReadAsStreamAsync(cts.Token);
        Assert.Equal(ServingStatus.ServiceUnknown, await ReadStatusAsync(body, cts.Token));

        health.SetStatus("later", ServingStatus.Serving);
        Assert.Equal(ServingStatus.Serving, await ReadStatusAsync(body, cts.Token));
    }

    private static async Task<ServingStatus> ReadStatusAsync(Stream body, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        await body.ReadExactlyAsync(header, cancellationToken);
        var payload = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1))];
        await body.ReadExactlyAsync(payload, cancellationToken);
        return HealthCheckResponse.Parser.ParseFrom(payload).Status;
    }
}
