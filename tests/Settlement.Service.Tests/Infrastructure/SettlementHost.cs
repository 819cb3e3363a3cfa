using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Settlement.Service.Application;
using Settlement.Service.Data;
using TestSupport;
using Vouchers.Campaign.V1;
using Vouchers.Settlement.V1;

namespace Settlement.Service.Tests.Infrastructure;

/// <summary>One copy of the Settlement service as Program.cs builds it, on Kestrel h2c, against a given database and feeds.</summary>
public sealed class SettlementHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SettlementHost(WebApplication app, GrpcChannel channel)
    {
        _app = app;
        Channel = channel;
        var calls = channel.WithActorTokens();
        Settlement = new SettlementService.SettlementServiceClient(calls);
        Reconciliation = new ReconciliationService.ReconciliationServiceClient(calls);
        Reports = new ReportService.ReportServiceClient(calls);
    }

    public GrpcChannel Channel { get; }

    public IServiceProvider Services => _app.Services;

    public SettlementService.SettlementServiceClient Settlement { get; }

    public ReconciliationService.ReconciliationServiceClient Reconciliation { get; }

    public ReportService.ReportServiceClient Reports { get; }

    public static async Task<SettlementHost> StartAsync(string connectionString, TimeProvider clock, string? feeds, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SettlementServiceExtensions).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Development",
        });
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:settlementdb"] = connectionString,
            ["Settlement:Feeds:IdleDelay"] = "00:00:00.050",
            ["Settlement:Feeds:BatchSize"] = "100",
            ["Settlement:Scheduler:Enabled"] = "false",
            ["Settlement:Reports:IdentitySecret"] = Seeds.IdentitySecret,
        };
        if (feeds is not null && settings?.ContainsKey("services:redemption:grpc:0") != true)
        {
            configuration["services:redemption:grpc:0"] = feeds;
            configuration["services:claim:grpc:0"] = feeds;
        }

        foreach (var (key, value) in InProcessEndpoints.Settings(out _).Concat(settings ?? new Dictionary<string, string?>()))
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(clock);
        builder.AddSettlementServices();
        var app = builder.Build();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SettlementDbContext>().Database.MigrateAsync();
        }

        app.MapSettlementServices();
        await app.StartAsync();
        var address = configuration["Kestrel:Endpoints:grpc:Url"]!;
        return new SettlementHost(app, GrpcChannel.ForAddress(address));
    }

    /// <summary>Takes a campaign snapshot in as the snapshot follower does.</summary>
    public Task StoreSnapshotAsync(CampaignSnapshot snapshot) => Services.GetRequiredService<CampaignDirectory>().StoreAsync(snapshot, CancellationToken.None);

    /// <summary>Waits until the redemption feed's cursor reached <paramref name="sequence"/> and a read reached the end after <paramref name="since"/>.</summary>
    public async Task WaitForFeedsAsync(long redemptionSequence, long issuanceSequence = 0, DateTimeOffset? caughtUpTo = null)
    {
        var contexts = Services.GetRequiredService<IDbContextFactory<SettlementDbContext>>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using (var db = await contexts.CreateDbContextAsync())
            {
                var cursors = await db.FeedCursors.ToListAsync();
                var redemption = cursors.FirstOrDefault(c => c.Feed == "redemption");
                var issuance = cursors.FirstOrDefault(c => c.Feed == "issuance");
                if ((redemption?.Sequence ?? 0) >= redemptionSequence && (issuance?.Sequence ?? 0) >= issuanceSequence
                    && redemption?.CaughtUpTo is { } reached && (caughtUpTo is null || reached >= caughtUpTo))
                {
                    return;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"feeds did not reach redemption {redemptionSequence} / issuance {issuanceSequence}");
            }

            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
