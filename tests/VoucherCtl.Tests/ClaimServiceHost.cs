using Claim.Service;
using Claim.Service.Data;
using Claim.Service.HotPath;
using Claim.Service.Tests.Infrastructure;
using DistributedApp.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using RedisClient;
using RedisServer = Claim.Service.Tests.Infrastructure.RedisServer;

namespace VoucherCtl.Tests;

/// <summary>One redis-server and one migrated claimdb for the test class; <see cref="StartAsync"/> empties both and hosts the Claim service on a free port.</summary>
public sealed class ClaimServiceFixture : IAsyncLifetime
{
    public RedisServer Redis { get; private set; } = null!;

    public RedisConnection Connection { get; private set; } = null!;

    public TestDatabase Database { get; private set; } = null!;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Connection = await RedisConnection.ConnectAsync(Redis.EndPoint);
        Database = await SharedPostgres.CreateDatabaseAsync("voucherctl_tests");
        DataSource = NpgsqlDataSource.Create(Database.ConnectionString);
        await using var context = new ClaimDbContext(new DbContextOptionsBuilder<ClaimDbContext>().UseNpgsql(DataSource).Options);
        await context.Database.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await Connection.DisposeAsync();
        await DataSource.DisposeAsync();
        await Database.DisposeAsync();
        await Redis.DisposeAsync();
    }

    public async Task<ClaimServiceHost> StartAsync(DateTimeOffset now)
    {
        await Connection.GetDatabase().ExecuteAsync("FLUSHALL");
        await using (var truncate = DataSource.CreateCommand(
            "TRUNCATE vouchers, issuance_events, voucher_consumptions, voucher_reinstatements, presentation_codes, block_list"))
        {
            await truncate.ExecuteNonQueryAsync();
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:claimdb"] = Database.ConnectionString,
            ["ConnectionStrings:redis"] = Redis.EndPoint,
            ["Claim:IdentitySecret"] = "voucherctl-identity-secret-0123456789",
            ["Claim:PersisterIdleDelay"] = "00:00:00.020",
            ["Kestrel:Endpoints:grpc:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:grpc:Protocols"] = "Http2",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<TimeProvider>(new ManualClock(now));
        builder.AddClaimServices();
        var app = builder.Build();
        app.MapClaimServices();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ClaimServiceHost(app, address, this);
    }
}

/// <summary>The Claim service as Program.cs builds it, hosted in the test process.</summary>
public sealed class ClaimServiceHost(WebApplication app, string address, ClaimServiceFixture fixture) : IAsyncDisposable
{
    public string Address { get; } = address;

    public IServiceProvider Services => app.Services;

    public ClaimServiceFixture Fixture { get; } = fixture;

    public CampaignCatalog Catalog => app.Services.GetRequiredService<CampaignCatalog>();

    public ClaimEngine Engine => app.Services.GetRequiredService<ClaimEngine>();

    public RedisDatabase Redis => Fixture.Connection.GetDatabase();

    public async Task<long> ScalarAsync(string sql)
    {
        await using var command = Fixture.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until the service's persister has written <paramref name="count"/> vouchers to claimdb.</summary>
    public async Task WaitForStoredAsync(long count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await ScalarAsync("SELECT count(*) FROM vouchers") < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the persister did not store {count} vouchers within 60 s");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
