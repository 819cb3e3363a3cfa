using System.Diagnostics;
using Campaign.Service;
using Campaign.Service.Data;
using TestSupport;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;

var seconds = args.Length > 0 ? int.Parse(args[0]) : 10;
var concurrency = args.Length > 1 ? int.Parse(args[1]) : 64;
var channels = args.Length > 2 ? int.Parse(args[2]) : 4;

await using var database = await SharedPostgres.CreateDatabaseAsync("campaign_bench");
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(CampaignServiceExtensions).Assembly.GetName().Name, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ConnectionStrings:campaigndb"] = database.ConnectionString,
    ["Logging:LogLevel:Default"] = "Warning",
});
builder.Configuration.AddInMemoryCollection(InProcessEndpoints.Settings(out var grpcAddress));
builder.AddCampaignServices();
await using var app = builder.Build();
await using (var scope = app.Services.CreateAsyncScope())
{
    await scope.ServiceProvider.GetRequiredService<CampaignDbContext>().Database.MigrateAsync();
}

app.MapCampaignServices();
await app.StartAsync();
var address = grpcAddress.ToString();

// One published campaign with a round starting next month, configured through the contract.
var setup = GrpcChannel.ForAddress(address);
var client = new CampaignService.CampaignServiceClient(setup);
var actor = new Actor { ActorId = "bench", Role = ActorRole.Operator };
LocalDateTime Local(DateTime t) => new() { Date = new LocalDate { Year = t.Year, Month = t.Month, Day = t.Day }, Time = new LocalTimeOfDay { Hour = t.Hour } };
var start = DateTime.UtcNow.Date.AddDays(30);
var settings = new CampaignSettings
{
    Code = "bench", Name = "bench", Organizer = "bureau", RegionCode = "620823", RegionName = "华亭市", TimeZone = "Asia/Shanghai",
    PeriodStart = Local(start), PeriodEnd = Local(start.AddDays(30)), BudgetCents = 40_000_000,
    RemainderPolicy = RemainderPolicy.ReturnToTreasury, ExpiredValuePolicy = ExpiredValuePolicy.ReturnToPool,
    Categories = { new CampaignCategory { CategoryId = "catering" } },
};
var campaign = await client.CreateCampaignAsync(new CreateCampaignRequest { RequestId = "bench", Actor = actor, Settings = settings });
campaign = await client.CreateTierAsync(new CreateTierRequest { CampaignId = campaign.CampaignId, ExpectedVersion = campaign.Version, Actor = actor, Tier = new TierDefinition { TierId = "t-50", Name = "满150减50", FaceValueCents = 5000, MinimumSpend = new MinimumSpendRule { FixedCents = 15000 } } });
var plan = new AllocationMatrix { Cells = { new AllocationCell { TierId = "t-50", Quantity = 8000 } } };
campaign = (await client.SetAllocationPlanAsync(new SetAllocationPlanRequest { CampaignId = campaign.CampaignId, ExpectedVersion = campaign.Version, Actor = actor, Plan = plan })).Campaign;
campaign = await client.ScheduleRoundAsync(new ScheduleRoundRequest { CampaignId = campaign.CampaignId, ExpectedVersion = campaign.Version, Actor = actor, Round = new RoundDefinition { RoundId = "r-1", ClaimOpensAt = Local(start.AddHours(10)), Validity = new ValidityRule { DaysFromClaim = new DaysFromClaim { Days = 7 } }, Allocation = plan } });
var rules = new ClaimRules { Mode = ClaimMode.FirstComeFirstServed, Limits = { new ClaimLimit { LimitId = "l", Scope = LimitScope.PerRound, MaxClaims = 1 } }, PersonKeys = { IdentityKeyKind.ChannelAccount } };
campaign = await client.SetClaimRulesAsync(new SetClaimRulesRequest { CampaignId = campaign.CampaignId, ExpectedVersion = campaign.Version, Actor = actor, Rules = rules });
campaign = await client.PublishCampaignAsync(new CampaignTransitionRequest { CampaignId = campaign.CampaignId, ExpectedVersion = campaign.Version, Actor = actor });

var snapshotClients = Enumerable.Range(0, channels).Select(_ => new CampaignSnapshotService.CampaignSnapshotServiceClient(GrpcChannel.ForAddress(address))).ToArray();
var request = new GetCampaignSnapshotRequest { CampaignId = campaign.CampaignId };
var first = await snapshotClients[0].GetCampaignSnapshotAsync(request);
Console.WriteLine($"snapshot {first.CampaignId} v{first.SnapshotVersion}: {first.CalculateSize()} bytes");

async Task<long> RunAsync(TimeSpan duration)
{
    long calls = 0;
    var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
    {
        var snapshots = snapshotClients[worker % snapshotClients.Length];
        long mine = 0;
        while (Stopwatch.GetTimestamp() < stopAt)
        {
            await snapshots.GetCampaignSnapshotAsync(request);
            mine++;
        }

        Interlocked.Add(ref calls, mine);
    }));
    return calls;
}

// Driver 1: h2load, the same load generator as bench/grpc-echo.sh, one gRPC frame per request.
var payload = Google.Protobuf.MessageExtensions.ToByteArray(request);
var frame = new byte[5 + payload.Length];
System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), payload.Length);
payload.CopyTo(frame, 5);
var requestFile = Path.Combine(Path.GetTempPath(), $"campaign-snapshot-{Environment.ProcessId}.bin");
await File.WriteAllBytesAsync(requestFile, frame);
foreach (var round in new[] { "warm-up", "measured" })
{
    var h2load = Process.Start(new ProcessStartInfo("h2load",
        ["-n", round == "warm-up" ? "30000" : "200000", "-c", "16", "-m", "32", "-t", "1", "-d", requestFile, "-H", "content-type: application/grpc", "-H", "te: trailers",
         address.TrimEnd('/') + "/campaign.v1.CampaignSnapshotService/GetCampaignSnapshot"]) { RedirectStandardOutput = true })!;
    var output = await h2load.StandardOutput.ReadToEndAsync();
    await h2load.WaitForExitAsync();
    if (round == "measured")
    {
        Console.WriteLine(string.Join('\n', output.Split('\n').Where(line => line.StartsWith("finished in", StringComparison.Ordinal) || line.StartsWith("requests:", StringComparison.Ordinal) || line.StartsWith("status codes:", StringComparison.Ordinal))));
    }
}

File.Delete(requestFile);

// Driver 2: Grpc.Net.Client (GrpcChannel + generated client) from the same process.
await RunAsync(TimeSpan.FromSeconds(2));
var stopwatch = Stopwatch.StartNew();
var total = await RunAsync(TimeSpan.FromSeconds(seconds));
stopwatch.Stop();
Console.WriteLine($"GetCampaignSnapshot: {total} calls in {stopwatch.Elapsed.TotalSeconds:F1} s = {total / stopwatch.Elapsed.TotalSeconds:F0} calls/s ({concurrency} concurrent callers over {channels} h2c connections)");
await app.StopAsync();
