using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ClaimBench;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using TestSupport;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using ServiceDefaults;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;

// ClaimBench [--requests N] [--concurrency C] [--warmup-seconds S] [--soldout-requests N] [--connections K]
// Starts the app host's own model reduced to the Claim service and what it depends on (PostgreSQL, Redis with AOF
// everysec, the Campaign service), each its own process built in Release. A campaign is configured and published
// through the Campaign API; the Claim service learns it from the snapshot stream like in production. This process is
// only the load generator: N virtual users with distinct identities claiming through Grpc.Net.Client.
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

int Option(string name, int fallback) => options.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
var requests = Option("requests", 50_000);
var concurrency = Option("concurrency", 64);
var warmupSeconds = Option("warmup-seconds", 15);
var soldOutRequests = Option("soldout-requests", requests);
var connections = Option("connections", 1);

Console.WriteLine("starting PostgreSQL, Redis, Campaign and Claim (app host model, Release build output)…");
var stateDirectory = Directory.CreateTempSubdirectory("claim-bench-").FullName;
var builder = await AppHostTesting.CreateBuilderAsync(stateDirectory, keep: [ResourceNames.Postgres, ResourceNames.Redis, ResourceNames.Campaign, ResourceNames.Claim]);
builder.WithoutProxies();
await using var app = await builder.BuildAsync();
await app.StartAsync();
await app.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.Claim);

using var campaignChannel = GrpcChannel.ForAddress(app.GetEndpoint(ResourceNames.Campaign, EndpointNames.Grpc));
var campaign = await BenchCampaign.PublishAsync(campaignChannel);
Console.WriteLine($"campaign {campaign} published; waiting until the Claim service runs it…");

var claimAddress = app.GetEndpoint(ResourceNames.Claim, EndpointNames.Grpc);
var channels = Enumerable.Range(0, connections).Select(_ => GrpcChannel.ForAddress(claimAddress)).ToList();
var clients = channels.Select(c => new ClaimService.ClaimServiceClient(c)).ToList();
var probes = await BenchCampaign.WaitUntilClaimableAsync(clients[0], campaign);

Console.WriteLine($"round open; warming up for {warmupSeconds} s");
var warmupUntil = Stopwatch.GetTimestamp() + (long)(warmupSeconds * (double)Stopwatch.Frequency);
var warm = await RunAsync(clients, campaign, BenchCampaign.AmpleTier, phase: 1, count: int.MaxValue, concurrency, stopAt: warmupUntil);
var cpuBefore = ProcessCpu.Sample();
var load = await RunAsync(clients, campaign, BenchCampaign.AmpleTier, phase: 2, requests, concurrency);
var cpuAfter = ProcessCpu.Sample();
var loadStopped = Stopwatch.GetTimestamp();

await using var claimDb = NpgsqlDataSource.Create(await app.GetConnectionStringAsync(ResourceNames.ClaimDb) ?? throw new InvalidOperationException("claimdb has no connection string"));
var acknowledged = warm.Granted + load.Granted + probes;
long stored;
do
{
    stored = await CountAsync(claimDb, "SELECT count(*) FROM vouchers WHERE campaign_id = @campaign", campaign);
    if (stored < acknowledged)
    {
        await Task.Delay(5);
    }
}
while (stored < acknowledged && Stopwatch.GetElapsedTime(loadStopped) < TimeSpan.FromSeconds(60));

var lag = Stopwatch.GetElapsedTime(loadStopped);
var distinctRequests = await CountAsync(claimDb, "SELECT count(DISTINCT request_id) FROM vouchers WHERE campaign_id = @campaign", campaign);
var soldOutWarm = await RunAsync(clients, campaign, BenchCampaign.SoldOutTier, phase: 3, count: Math.Min(soldOutRequests, 10_000), concurrency);
var soldOutCpuBefore = ProcessCpu.Sample();
var refused = await RunAsync(clients, campaign, BenchCampaign.SoldOutTier, phase: 4, soldOutRequests, concurrency);
var soldOutCpuAfter = ProcessCpu.Sample();
var soldOutGranted = soldOutWarm.Granted + refused.Granted;
var soldOutSql = $"SELECT count(*) FROM vouchers WHERE campaign_id = @campaign AND tier_id = '{BenchCampaign.SoldOutTier}'";
long soldOutIssued;
var soldOutDeadline = Stopwatch.GetTimestamp() + (5 * Stopwatch.Frequency);
while ((soldOutIssued = await CountAsync(claimDb, soldOutSql, campaign)) < soldOutGranted && Stopwatch.GetTimestamp() < soldOutDeadline)
{
    await Task.Delay(20);
}

Console.WriteLine($"warm-up: {warm.Count} claims in {warmupSeconds} s ({warm.Rate:F0}/s)");
Console.WriteLine($"claim load: {requests} claims by {requests} distinct users, concurrency {concurrency}, {connections} connection(s)");
Print("ample stock", load);
Print("sold out", refused);
Console.WriteLine("ample stock  " + ProcessCpu.Describe(cpuBefore, cpuAfter, load.Count));
Console.WriteLine("sold out     " + ProcessCpu.Describe(soldOutCpuBefore, soldOutCpuAfter, refused.Count));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"persistence lag: {lag.TotalMilliseconds:F0} ms until claimdb held {stored} of {acknowledged} acknowledged vouchers"));
var oversell = Math.Max(0, soldOutIssued - BenchCampaign.SoldOutQuantity);
Console.WriteLine($"oversell: {oversell} (sold-out tier: {soldOutIssued} issued of {BenchCampaign.SoldOutQuantity}), duplicate request ids: {stored - distinctRequests}, missing: {acknowledged - stored}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT claims_per_s={load.Rate:F0} p99_ms={load.Percentile(0.99):F2} soldout_per_s={refused.Rate:F0} lag_ms={lag.TotalMilliseconds:F0} missing={acknowledged - stored}"));
foreach (var channel in channels)
{
    channel.Dispose();
}

return acknowledged == stored && stored == distinctRequests && oversell == 0 && load.Errors.IsEmpty && refused.Errors.IsEmpty ? 0 : 1;

static void Print(string phase, Phase result)
{
    var refusals = string.Join(", ", result.Refusals.OrderBy(r => r.Key).Select(r => $"{r.Key}={r.Value}"));
    var errors = string.Join(", ", result.Errors.OrderBy(r => r.Key).Select(r => $"{r.Key}={r.Value}"));
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"{phase,-12} {result.Rate,9:F0} claims/s  p50 {result.Percentile(0.50),6:F2} ms  p99 {result.Percentile(0.99),6:F2} ms  p999 {result.Percentile(0.999),6:F2} ms  granted {result.Granted}  refusals [{refusals}]  errors [{errors}]"));
}

// Every phase gets its own users: identity keys are normalised (a phone keeps only its digits), so the phase number is in each.
// A phase ends after count claims or at stopAt, whichever comes first.
static async Task<Phase> RunAsync(IReadOnlyList<ClaimService.ClaimServiceClient> clients, string campaignId, string tierId, int phase, int count, int concurrency, long stopAt = long.MaxValue)
{
    var latencies = new ConcurrentBag<double[]>();
    var refusals = new ConcurrentDictionary<ClaimRefusalReason, int>();
    var errors = new ConcurrentDictionary<StatusCode, int>();
    var granted = 0;
    var next = -1;
    var started = Stopwatch.GetTimestamp();
    var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
    {
        var client = clients[worker % clients.Count];
        var mine = new List<double>(count == int.MaxValue ? 1024 : (count / concurrency) + 1);
        int n;
        while (Stopwatch.GetTimestamp() < stopAt && (n = Interlocked.Increment(ref next)) < count)
        {
            var request = new ClaimVoucherRequest
            {
                RequestId = $"p{phase}-{n}",
                CampaignId = campaignId,
                TierId = tierId,
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

            mine.Add(Stopwatch.GetElapsedTime(call).TotalMilliseconds);
        }

        latencies.Add([.. mine]);
    })).ToList();
    await Task.WhenAll(workers);
    var elapsed = Stopwatch.GetElapsedTime(started);
    var all = latencies.SelectMany(l => l).ToArray();
    Array.Sort(all);
    return new Phase(all.Length / elapsed.TotalSeconds, all, granted, refusals, errors);
}

static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql, string campaignId)
{
    await using var command = dataSource.CreateCommand(sql);
    command.Parameters.AddWithValue("campaign", campaignId);
    return (long)(await command.ExecuteScalarAsync())!;
}

internal sealed record Phase(double Rate, double[] Latencies, int Granted, ConcurrentDictionary<ClaimRefusalReason, int> Refusals, ConcurrentDictionary<StatusCode, int> Errors)
{
    public int Count => Latencies.Length;

    public double Percentile(double p) => Latencies.Length == 0 ? 0 : Latencies[Math.Min(Latencies.Length - 1, (int)Math.Ceiling(p * Latencies.Length) - 1)];
}
