using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Claim.Service;
using Claim.Service.Data;
using Claim.Service.HotPath;
using DistributedApp.Testing;
using Google.Protobuf.WellKnownTypes;
using GrpcRuntime;
using GrpcRuntime.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;

// ClaimBench [--requests N] [--concurrency C] [--warmup N] [--soldout-requests N]
// Starts redis-server (AOF, appendfsync everysec) and a throw-away PostgreSQL, hosts the Claim service on
// h2c, then drives it with our gRPC client: a warm-up, a round with ample stock, and a sold-out round.
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

int Option(string name, int fallback) => options.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
var requests = Option("requests", 50_000);
var concurrency = Option("concurrency", 64);
var warmup = Option("warmup", 5_000);
var soldOutRequests = Option("soldout-requests", requests);

var redisDirectory = Directory.CreateTempSubdirectory("claimbench-redis-");
var redisPort = FreePort();
using var redisProcess = Process.Start(new ProcessStartInfo("redis-server")
{
    ArgumentList = { "--port", redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", redisDirectory.FullName, "--appendonly", "yes", "--appendfsync", "everysec", "--save", "" },
    RedirectStandardOutput = true,
    UseShellExecute = false,
}) ?? throw new InvalidOperationException("redis-server did not start");
redisProcess.OutputDataReceived += (_, _) => { };
redisProcess.BeginOutputReadLine();
try
{
    await WaitForPortAsync(redisPort);
    await using var database = await SharedPostgres.CreateDatabaseAsync("claimbench");
    await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
    await using (var context = new ClaimDbContext(new DbContextOptionsBuilder<ClaimDbContext>().UseNpgsql(dataSource).Options))
    {
        await context.Database.MigrateAsync();
    }

    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["ConnectionStrings:claimdb"] = database.ConnectionString,
        ["ConnectionStrings:redis"] = $"127.0.0.1:{redisPort}",
        ["Claim:IdentitySecret"] = "claim-bench-identity-secret",
        ["Kestrel:Endpoints:grpc:Url"] = "http://127.0.0.1:0",
        ["Kestrel:Endpoints:grpc:Protocols"] = "Http2",
    });
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.AddClaimServices();
    await using var app = builder.Build();
    app.MapClaimServices();
    await app.StartAsync();
    var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

    var catalog = app.Services.GetRequiredService<CampaignCatalog>();
    var now = DateTimeOffset.UtcNow;
    var ample = Snapshot("bench-ample", warmup + requests, now);
    var soldOut = Snapshot("bench-sold-out", 1, now);
    catalog.Apply(ample);
    catalog.Apply(soldOut);

    using var channel = GrpcChannel.ForAddress(address);
    var client = new ClaimService.ClaimServiceClient(channel);
    var warm = await RunAsync(client, ample.CampaignId, 1, warmup, concurrency);
    var load = await RunAsync(client, ample.CampaignId, 2, requests, concurrency);
    var loadStopped = Stopwatch.GetTimestamp();
    var acknowledged = warm.Granted + load.Granted;
    long stored;
    do
    {
        stored = await CountAsync(dataSource, "SELECT count(*) FROM vouchers WHERE campaign_id = 'bench-ample'");
        if (stored < acknowledged)
        {
            await Task.Delay(5);
        }
    }
    while (stored < acknowledged && Stopwatch.GetElapsedTime(loadStopped) < TimeSpan.FromSeconds(60));

    var lag = Stopwatch.GetElapsedTime(loadStopped);
    var distinctRequests = await CountAsync(dataSource, "SELECT count(DISTINCT request_id) FROM vouchers WHERE campaign_id = 'bench-ample'");
    await RunAsync(client, soldOut.CampaignId, 3, warmup, concurrency);
    var refused = await RunAsync(client, soldOut.CampaignId, 4, soldOutRequests, concurrency);

    Console.WriteLine($"claim load: {requests} claims by {requests} distinct users, concurrency {concurrency}, after {warmup} warm-up claims");
    Print("ample stock", load);
    Print("sold out", refused);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"persistence lag: {lag.TotalMilliseconds:F0} ms until claimdb held {stored} of {acknowledged} acknowledged vouchers"));
    Console.WriteLine($"oversell: {Math.Max(0, stored - (warmup + requests))}, duplicate request ids: {stored - distinctRequests}, missing: {acknowledged - stored}");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT claims_per_s={load.Rate:F0} p99_ms={load.Percentile(0.99):F2} soldout_per_s={refused.Rate:F0} lag_ms={lag.TotalMilliseconds:F0} missing={acknowledged - stored}"));
    await app.StopAsync();
    return acknowledged == stored && stored == distinctRequests ? 0 : 1;
}
finally
{
    redisProcess.Kill();
    await redisProcess.WaitForExitAsync();
    redisDirectory.Delete(recursive: true);
}

static void Print(string phase, Phase result)
{
    var refusals = string.Join(", ", result.Refusals.OrderBy(r => r.Key).Select(r => $"{r.Key}={r.Value}"));
    var errors = string.Join(", ", result.Errors.OrderBy(r => r.Key).Select(r => $"{r.Key}={r.Value}"));
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"{phase,-12} {result.Rate,9:F0} claims/s  p50 {result.Percentile(0.50),6:F2} ms  p99 {result.Percentile(0.99),6:F2} ms  p999 {result.Percentile(0.999),6:F2} ms  granted {result.Granted}  refusals [{refusals}]  errors [{errors}]"));
}

// Every phase gets its own users: identity keys are normalised (a phone keeps only its digits), so the phase number is in each.
static async Task<Phase> RunAsync(ClaimService.ClaimServiceClient client, string campaignId, int phase, int count, int concurrency)
{
    var latencies = new double[count];
    var refusals = new ConcurrentDictionary<ClaimRefusalReason, int>();
    var errors = new ConcurrentDictionary<StatusCode, int>();
    var granted = 0;
    var next = -1;
    var started = Stopwatch.GetTimestamp();
    var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
    {
        int n;
        while ((n = Interlocked.Increment(ref next)) < count)
        {
            var request = new ClaimVoucherRequest
            {
                RequestId = $"p{phase}-{n}",
                CampaignId = campaignId,
                TierId = "t50",
                Person = new PersonIdentity
                {
                    ChannelId = "unionpay",
                    ChannelAccountId = $"p{phase}-acct-{n}",
                    Phone = $"1{phase}{n:000000000}",
                    DeviceId = $"p{phase}-dev-{n}",
                },
            };
            var call = Stopwatch.GetTimestamp();
            try
            {
                var outcome = await client.ClaimVoucherAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
                if (outcome.Voucher is not null)
                {
                    Interlocked.Increment(ref granted);
                }
                else
                {
                    refusals.AddOrUpdate(outcome.Refusal.Reason, 1, (_, c) => c + 1);
                }
            }
            catch (RpcException ex)
            {
                errors.AddOrUpdate(ex.StatusCode, 1, (_, c) => c + 1);
            }

            latencies[n] = Stopwatch.GetElapsedTime(call).TotalMilliseconds;
        }
    })).ToList();
    await Task.WhenAll(workers);
    var elapsed = Stopwatch.GetElapsedTime(started);
    Array.Sort(latencies);
    return new Phase(count / elapsed.TotalSeconds, latencies, granted, refusals, errors);
}

static CampaignSnapshot Snapshot(string campaignId, long stock, DateTimeOffset now)
{
    var details = new CampaignDetails
    {
        CampaignId = campaignId,
        Version = 1,
        State = CampaignState.Running,
        Settings = new CampaignSettings { Name = "压测活动", TimeZone = "Asia/Shanghai" },
        Tiers = { new TierDefinition { TierId = "t50", Name = "满150减50", FaceValueCents = 5000, MinimumSpend = new MinimumSpendRule { FixedCents = 15000, Scope = SpendScope.Order } } },
        Rounds =
        {
            new RoundDefinition
            {
                RoundId = "r1",
                Sequence = 1,
                Name = "第一批",
                ClaimOpensAtUtc = Timestamp.FromDateTimeOffset(now.AddMinutes(-1)),
                Validity = new ValidityRule { DaysFromClaim = new DaysFromClaim { Days = 7, Counting = ValidityDayCounting.CalendarDays } },
                Allocation = new AllocationMatrix { Cells = { new AllocationCell { TierId = "t50", Quantity = stock } } },
                State = RoundState.Open,
            },
        },
        ClaimRules = new ClaimRules
        {
            Mode = ClaimMode.FirstComeFirstServed,
            Limits = { new Vouchers.Campaign.V1.ClaimLimit { LimitId = "one-per-round", Scope = LimitScope.PerRound, MaxClaims = 1 } },
            PersonKeys = { IdentityKeyKind.ChannelAccount, IdentityKeyKind.Phone, IdentityKeyKind.DeviceId },
        },
        PeriodEndUtc = Timestamp.FromDateTimeOffset(now.AddDays(30)),
    };
    return new CampaignSnapshot { CampaignId = campaignId, SnapshotVersion = 1, Campaign = details, GeneratedAt = Timestamp.FromDateTimeOffset(now) };
}

static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql)
{
    await using var command = dataSource.CreateCommand(sql);
    return (long)(await command.ExecuteScalarAsync())!;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static async Task WaitForPortAsync(int port)
{
    var deadline = DateTime.UtcNow.AddSeconds(30);
    while (true)
    {
        try
        {
            using var probe = new TcpClient();
            await probe.ConnectAsync(IPAddress.Loopback, port);
            return;
        }
        catch (SocketException) when (DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }
}

internal sealed record Phase(double Rate, double[] Latencies, int Granted, ConcurrentDictionary<ClaimRefusalReason, int> Refusals, ConcurrentDictionary<StatusCode, int> Errors)
{
    public double Percentile(double p) => Latencies.Length == 0 ? 0 : Latencies[Math.Min(Latencies.Length - 1, (int)Math.Ceiling(p * Latencies.Length) - 1)];
}
