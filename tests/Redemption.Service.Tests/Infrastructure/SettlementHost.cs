using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Settlement.Service;
using Settlement.Service.Data;
using TestSupport;
using Vouchers.Settlement.V1;

namespace Redemption.Service.Tests.Infrastructure;

/// <summary>
/// One copy of the Settlement service as Program.cs builds it, on Kestrel h2c, against a given database and peers
/// (settings may name its own address, <c>Kestrel:Endpoints:grpc:Url</c>). Redemption's world hosts one, since
/// reversals ask it; Settlement's tests host their own beside it.
/// </summary>
public sealed class SettlementHost : InProcessServiceHost
{
    private SettlementHost(WebApplication app, GrpcChannel channel)
        : base(app, channel)
    {
        var calls = channel.WithActorTokens();
        Settlement = new SettlementService.SettlementServiceClient(calls);
        Reconciliation = new ReconciliationService.ReconciliationServiceClient(calls);
        Reports = new ReportService.ReportServiceClient(calls);
    }

    public SettlementService.SettlementServiceClient Settlement { get; }

    public ReconciliationService.ReconciliationServiceClient Reconciliation { get; }

    public ReportService.ReportServiceClient Reports { get; }

    public static async Task<SettlementHost> StartAsync(string connectionString, TimeProvider clock, IReadOnlyDictionary<string, string?> settings)
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
        };
        foreach (var (key, value) in InProcessEndpoints.Settings(out _).Concat(settings))
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(clock);
        builder.AddSettlementServices();
        var app = builder.Build();
        await MigrateMapAndStartAsync<SettlementDbContext>(app, a => a.MapSettlementServices());
        var address = configuration["Kestrel:Endpoints:grpc:Url"]!;
        return new SettlementHost(app, GrpcChannel.ForAddress(address));
    }
}
