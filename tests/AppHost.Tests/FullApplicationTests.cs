using DistributedApp;
using DistributedApp.Testing;
using Grpc.Health.V1;
using ServiceDefaults;

namespace AppHost.Tests;

/// <summary>The app host's own model, started through the test harness (free ports, shared PostgreSQL).</summary>
public sealed class FullApplicationTests
{
    private static readonly string[] Projects = [.. ResourceNames.Services, ResourceNames.Gateway];

    [Fact]
    public async Task Every_service_reports_healthy_over_http_and_grpc_health()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>(["--no-build"]);
        await using var app = await builder.BuildAsync();
        await app.StartAndWaitForHealthyAsync();

        foreach (var name in Projects)
        {
            using var http = app.CreateHttpClient(name);
            var health = await http.GetAsync("/health");
            Assert.True(health.IsSuccessStatusCode, $"{name} /health: {(int)health.StatusCode}");
            Assert.StartsWith("Healthy", await health.Content.ReadAsStringAsync());
            Assert.True((await http.GetAsync("/alive")).IsSuccessStatusCode, $"{name} /alive");

            using var channel = app.CreateGrpcChannel(name);
            var client = channel.CreateGrpcClient<Health.HealthClient>();
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await GrpcHealthAsync(client));
        }
    }

    /// <summary>gRPC health follows the checks on a short poll; give it a few rounds to catch up with /health.</summary>
    private static async Task<HealthCheckResponse.Types.ServingStatus?> GrpcHealthAsync(Health.HealthClient client)
    {
        HealthCheckResponse.Types.ServingStatus? last = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            try
            {
                last = (await client.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10))).Status;
                if (last == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    break;
                }
            }
            catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.NotFound)
            {
                // The first poll of the checks has not reported yet.
            }
        }

        return last;
    }

    [Fact]
    public async Task A_subset_starts_only_the_named_service_and_what_it_depends_on()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>(["--no-build"]);
        builder.WithResources(ResourceNames.Claim);
        await using var app = await builder.BuildAsync();

        Assert.Equal(
            new[] { ResourceNames.Campaign, ResourceNames.CampaignDb, ResourceNames.Claim, ResourceNames.ClaimDb, ResourceNames.Postgres, ResourceNames.Redis }.Order(),
            app.Resources.Select(r => r.Name).Order());
        await app.StartAndWaitForHealthyAsync();

        var claimDb = new Npgsql.NpgsqlConnectionStringBuilder(app.GetConnectionString(ResourceNames.ClaimDb));
        Assert.StartsWith(ResourceNames.ClaimDb + "_", claimDb.Database);
        using var http = app.CreateHttpClient(ResourceNames.Claim);
        Assert.StartsWith("Healthy", await http.GetStringAsync("/health"));
        Assert.Equal(ResourceState.Healthy, app.Notifications.GetSnapshot(ResourceNames.Redis).State);
    }
}
