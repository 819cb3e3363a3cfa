using TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Claim.Service.Tests.Infrastructure;

/// <summary>
/// The Claim service as Program.cs builds it (AddClaimServices / MapClaimServices), on Kestrel h2c on a free port,
/// against the fixture's Redis and claimdb, reading <paramref name="clock"/>.
/// </summary>
public static class InProcessClaimService
{
    public static Task<(WebApplication App, string Address)> StartAsync(
        ClaimFixture fixture, TimeProvider clock, string identitySecret, IReadOnlyDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        return StartAsync(fixture.Database.ConnectionString, fixture.Redis.EndPoint, clock, identitySecret, settings);
    }

    /// <summary>The same host against any claimdb and Redis (Redemption's tests run the real Claim this way).</summary>
    public static async Task<(WebApplication App, string Address)> StartAsync(
        string claimDbConnectionString, string redisEndPoint, TimeProvider clock, string identitySecret, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:claimdb"] = claimDbConnectionString,
            ["ConnectionStrings:redis"] = redisEndPoint,
            ["Claim:IdentitySecret"] = identitySecret,
            ["Claim:PersisterIdleDelay"] = "00:00:00.020",
        };
        var endpoints = InProcessEndpoints.Settings(out var grpcAddress);
        foreach (var (key, value) in endpoints.Concat(settings ?? new Dictionary<string, string?>()))
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(clock);
        builder.AddClaimServices();
        var app = builder.Build();
        app.MapClaimServices();
        await app.StartAsync();
        return (app, grpcAddress.ToString().TrimEnd('/'));
    }
}
