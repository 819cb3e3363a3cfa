using Claim.Service;
using Claim.Service.Data;
using Claim.Service.HotPath;
using Claim.Service.Tests.Infrastructure;
using TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using StackExchange.Redis;
using RedisServer = Claim.Service.Tests.Infrastructure.RedisServer;

namespace VoucherCtl.Tests;

/// <summary>One redis-server and one migrated claimdb for the test class (the Claim tests' fixture); <see cref="StartAsync"/> empties both and hosts the Claim service on a free port.</summary>
public sealed class ClaimServiceFixture : IAsyncLifetime
{
    private readonly ClaimFixture _claim = new();

    public ConnectionMultiplexer Connection => _claim.Connection;

    public NpgsqlDataSource DataSource => _claim.DataSource;

    public Task InitializeAsync() => _claim.InitializeAsync();

    public Task DisposeAsync() => _claim.DisposeAsync();

    public async Task<ClaimServiceHost> StartAsync(DateTimeOffset now)
    {
        await _claim.ClearAsync();
        var (app, address) = await InProcessClaimService.StartAsync(_claim, new TestClock(now), "voucherctl-identity-secret-0123456789");
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

    public IDatabase Redis => Fixture.Connection.GetDatabase();

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
