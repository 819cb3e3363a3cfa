using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using ClaimBench;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using LocalServers;
using TestSupport;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using ServiceDefaults;
using StackExchange.Redis;
using ThinClaim.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;

// ClaimBench [--requests N] [--concurrency C] [--warmup-seconds S] [--soldout-requests N] [--connections K]
// Starts the app host's own model reduced to the Claim service and what it depends on (PostgreSQL, Redis with AOF
// everysec, the Campaign service), each its own process built in Release, plus the thin-claim baseline (bench/ThinClaim)
// on a second redis-server with the same settings. A campaign is configured and published through the Campaign API;
// the Claim service learns it from the snapshot stream like in production. This process is only the load generator:
// N virtual users with distinct identities claiming through Grpc.Net.Client, against each server in turn, with the
// same concurrency and the same number of users.
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

int Option(string name, int fallback) => options.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
var requests = Option("requests", 50_000);
var concurrency = Option("concurrency", 32);
var warmupSeconds = Option("warmup-seconds", 15);
var soldOutRequests = Option("soldout-requests", requests);
var connections = Option("connections", 1);

const string ThinRedis = "thinredis";
const string Thin = "thinclaim";
const string ThinOnDefaults = "thinclaim-defaults";
Console.WriteLine("starting PostgreSQL, Redis, Campaign and Claim (app host model, Release build output) and the thin-claim baseline…");
var stateDirectory = Directory.CreateTempSubdirectory("claim-bench-").FullName;
var builder = await AppHostTesting.CreateBuilderAsync(stateDirectory);

// Redemption, Settlement and the back office stay in the model, never started: the gateway's routes and sign-in
// clients name their addresses, but nothing of theirs may run beside the claims (Settlement would project every claim).
string[] idle = [ResourceNames.Redemption, ResourceNames.Settlement, ResourceNames.BackOffice];
var idleResources = builder.Resources.Where(r => idle.Contains(r.Name)).ToList();
foreach (var resource in idleResources.OfType<ProjectResource>())
{
    builder.CreateResourceBuilder(resource).WithExplicitStart();
}

foreach (var resource in builder.Resources)
{
    foreach (var wait in resource.Annotations.OfType<WaitAnnotation>().Where(w => idleResources.Contains(w.Resource)).ToList())
    {
        resource.Annotations.Remove(wait);
    }
}
var thinRedis = builder.AddRedisServer(ThinRedis);
var configuration = typeof(Answer).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
var thinDirectory = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "ThinClaim", "bin", configuration, "net10.0"));
builder.AddExecutable(Thin, "dotnet", thinDirectory, "ThinClaim.dll")
    .WithEndpoint(name: EndpointNames.Grpc, scheme: "http", env: "THIN_PORT", isProxied: false)
    .WithReference(thinRedis, connectionName: "redis")
    .WaitFor(thinRedis);
// The same baseline on the service defaults every service of the suite runs (a token checked on every call, the
// interceptors, health, telemetry wiring) and with Claim.Service's runtime settings: the floor the platform sets.
var gatewayResource = builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == ResourceNames.Gateway));
builder.AddExecutable(ThinOnDefaults, "dotnet", thinDirectory, "ThinClaim.dll")
    .WithEndpoint(name: EndpointNames.Grpc, scheme: "http", env: "THIN_PORT", isProxied: false)
    .WithReference(thinRedis, connectionName: "redis")
    .WithEnvironment("THIN_SERVICE_DEFAULTS", "1")
    .WithEnvironment("Authentication__Authority", gatewayResource.GetEndpoint(EndpointNames.Http))
    .WithEnvironment("OTEL_SDK_DISABLED", "true")
    .WithEnvironment("DOTNET_gcServer", "0")
    .WithEnvironment("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", "0")
    .WaitFor(thinRedis);
// For `perf record` of a service: DOTNET_PerfMapEnabled=1 in the bench's environment reaches the .NET processes, and
// so does DOTNET_EnableWriteXorExecute=0, without which perf sees jitted code only as an anonymous double mapping.
foreach (var variable in new[] { "DOTNET_PerfMapEnabled", "DOTNET_EnableWriteXorExecute" })
{
    if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            builder.CreateResourceBuilder(project).WithEnvironment(variable, value);
        }
    }
}

// Runtime settings tried on the Claim service alone: CLAIM_SERVICE_<NAME>=<value> in the bench's environment reaches
// the Claim process as <NAME>=<value> (e.g. CLAIM_SERVICE_DOTNET_gcServer=1).
const string ClaimOnly = "CLAIM_SERVICE_";
var claimProject = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == ResourceNames.Claim);
foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
{
    if (variable.Key is string name && name.StartsWith(ClaimOnly, StringComparison.Ordinal) && variable.Value is string value)
    {
        builder.CreateResourceBuilder(claimProject).WithEnvironment(name[ClaimOnly.Length..], value);
    }
}

// The gateway's rate limits protect a shared front door; here one load generator is the only caller and measures it.
gatewayResource
    .WithEnvironment("Gateway__RateLimits__PerClientIp", "100000000")
    .WithEnvironment("Gateway__RateLimits__PerChannel", "100000000");
builder.WithoutProxies();
// The idle services keep a proxied endpoint, which DCP allocates although they never start, so the addresses that
// name them resolve.
foreach (var endpoint in idleResources.SelectMany(r => r.Annotations.OfType<EndpointAnnotation>()))
{
    endpoint.IsProxied = true;
}

await using var app = await builder.BuildAsync();
await app.StartAsync();
await app.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.Claim);
await app.ResourceNotifications.WaitForResourceAsync(Thin, KnownResourceStates.Running);
await app.ResourceNotifications.WaitForResourceAsync(ThinOnDefaults, KnownResourceStates.Running);

// Admin connections to both servers: seeding the baseline's stock, and INFO commandstats around each phase.
var claimRedisAddress = await app.GetConnectionStringAsync(ResourceNames.Redis) ?? throw new InvalidOperationException("redis has no connection string");
var thinRedisAddress = await app.GetConnectionStringAsync(ThinRedis) ?? throw new InvalidOperationException("thinredis has no connection string");
ProcessCpu.RedisLabels[claimRedisAddress] = "redis-server";
ProcessCpu.Roots.Add(Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..")).TrimEnd('/') + "/");
ProcessCpu.Roots.Add(stateDirectory.TrimEnd('/') + "/");
ProcessCpu.RedisLabels[thinRedisAddress] = "redis-server (thin)";
await using var claimRedis = await ConnectionMultiplexer.ConnectAsync(claimRedisAddress + ",allowAdmin=true");
await using var thinRedisConnection = await ConnectionMultiplexer.ConnectAsync(thinRedisAddress + ",allowAdmin=true");
var thinDb = thinRedisConnection.GetDatabase();
await thinDb.StringSetAsync("thin:{ample}:stock", BenchCampaign.AmpleQuantity);
await thinDb.StringSetAsync("thin:{soldout}:stock", BenchCampaign.SoldOutQuantity);
await thinDb.StringSetAsync("thin:{ample-defaults}:stock", BenchCampaign.AmpleQuantity);
await thinDb.StringSetAsync("thin:{soldout-defaults}:stock", BenchCampaign.SoldOutQuantity);

// The calls carry tokens from the gateway's token endpoint, as a channel's do: the operator's to set the campaign up,
// the channel's for claims (the services check each call's token; the thin baseline has none to check).
await app.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.Gateway);
var operatorToken = await LocalTokenClient.RequestAsync(app, LocalTokenClient.OperatorClient);
var channelToken = await LocalTokenClient.RequestAsync(app, LocalTokenClient.ChannelClient);
using var campaignChannel = LocalTokenClient.Channel(app.GetEndpoint(ResourceNames.Campaign, EndpointNames.Grpc), operatorToken);
var campaign = await BenchCampaign.PublishAsync(campaignChannel);
Console.WriteLine($"campaign {campaign} published; waiting until the Claim service runs it…");

var claimAddress = app.GetEndpoint(ResourceNames.Claim, EndpointNames.Grpc);
var channels = Enumerable.Range(0, connections).Select(_ => LocalTokenClient.Channel(claimAddress, channelToken)).ToList();
var clients = channels.Select(c => new ClaimService.ClaimServiceClient(c)).ToList();
var thinChannels = Enumerable.Range(0, connections).Select(_ => GrpcChannel.ForAddress(app.GetEndpoint(Thin, EndpointNames.Grpc))).ToList();
var thinClients = thinChannels.Select(c => new ThinClaimService.ThinClaimServiceClient(c)).ToList();
var defaultsChannels = Enumerable.Range(0, connections).Select(_ => LocalTokenClient.Channel(app.GetEndpoint(ThinOnDefaults, EndpointNames.Grpc), channelToken)).ToList();
var defaultsClients = defaultsChannels.Select(c => new ThinClaimService.ThinClaimServiceClient(c)).ToList();
var probes = await BenchCampaign.WaitUntilClaimableAsync(clients[0], campaign);

Console.WriteLine($"round open; warming up the baseline for {Math.Max(5, warmupSeconds / 3)} s and the Claim service for {warmupSeconds} s");
var thinWarm = await RunAsync(ThinCall(thinClients, "ample"), phase: 1, int.MaxValue, concurrency, Deadline(Math.Max(5, warmupSeconds / 3)));
await RunAsync(ThinCall(defaultsClients, "ample-defaults"), phase: 1, int.MaxValue, concurrency, Deadline(Math.Max(5, warmupSeconds / 3)));
var warm = await RunAsync(ClaimCall(clients, campaign, BenchCampaign.AmpleTier), phase: 1, count: int.MaxValue, concurrency, Deadline(warmupSeconds));

// The persister's backlog from the warm-up is drained before anything is measured, so no phase pays for another's vouchers.
await using var claimDb = NpgsqlDataSource.Create(await app.GetConnectionStringAsync(ResourceNames.ClaimDb) ?? throw new InvalidOperationException("claimdb has no connection string"));
var drainDeadline = Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency);
while (await CountAsync(claimDb, "SELECT count(*) FROM vouchers WHERE campaign_id = @campaign", campaign) < warm.Granted + probes && Stopwatch.GetTimestamp() < drainDeadline)
{
    await Task.Delay(50);
}

var thinLoad = await MeasureAsync(ThinCall(thinClients, "ample"), phase: 2, requests, thinRedis: true);
var load = await MeasureAsync(ClaimCall(clients, campaign, BenchCampaign.AmpleTier), phase: 2, requests, thinRedis: false);
var defaultsLoad = await MeasureAsync(ThinCall(defaultsClients, "ample-defaults"), phase: 2, requests, thinRedis: true);
var loadStopped = Stopwatch.GetTimestamp();

var acknowledged = warm.Granted + load.Result.Granted + probes;
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

var warmSoldOut = Math.Min(soldOutRequests, 10_000);
await RunAsync(ThinCall(thinClients, "soldout"), phase: 3, warmSoldOut, concurrency);
var soldOutWarm = await RunAsync(ClaimCall(clients, campaign, BenchCampaign.SoldOutTier), phase: 3, count: warmSoldOut, concurrency);
var thinRefused = await MeasureAsync(ThinCall(thinClients, "soldout"), phase: 4, soldOutRequests, thinRedis: true);
await RunAsync(ThinCall(defaultsClients, "soldout-defaults"), phase: 3, warmSoldOut, concurrency);
var defaultsRefused = await MeasureAsync(ThinCall(defaultsClients, "soldout-defaults"), phase: 4, soldOutRequests, thinRedis: true);
// The AOF rewrites the ~150,000 grants before this phase call for are theirs, not the sold-out answers': the phase
// starts right after one, as the baseline's Redis (a set of names) never needs one.
await RewriteAppendOnlyFileAsync(claimRedis);
var refused = await MeasureAsync(ClaimCall(clients, campaign, BenchCampaign.SoldOutTier), phase: 4, soldOutRequests, thinRedis: false);
var soldOutGranted = soldOutWarm.Granted + refused.Result.Granted;
var soldOutSql = $"SELECT count(*) FROM vouchers WHERE campaign_id = @campaign AND tier_id = '{BenchCampaign.SoldOutTier}'";
long soldOutIssued;
var soldOutDeadline = Stopwatch.GetTimestamp() + (5 * Stopwatch.Frequency);
while ((soldOutIssued = await CountAsync(claimDb, soldOutSql, campaign)) < soldOutGranted && Stopwatch.GetTimestamp() < soldOutDeadline)
{
    await Task.Delay(20);
}

// Claims through the gateway against claims direct, back to back with fresh users each: the gateway's cost per claim.
var gatewayChannels = Enumerable.Range(0, connections).Select(_ => LocalTokenClient.Channel(app.GetEndpoint(ResourceNames.Gateway, EndpointNames.Http), channelToken)).ToList();
var gatewayClients = gatewayChannels.Select(c => new ClaimService.ClaimServiceClient(c)).ToList();
// The gateway gets the warm-up the Claim service got, so neither side of the ratio is still compiling its hot path.
await RunAsync(ClaimCall(gatewayClients, campaign, BenchCampaign.AmpleTier), phase: 5, count: int.MaxValue, concurrency, Deadline(warmupSeconds));
// Both legs do the same work in Redis, but an AOF rewrite (its child's CPU is billed to redis-server when reaped) lands
// in whichever leg the file crosses its growth threshold in; each leg starts right after a rewrite, so neither draws it.
await RewriteAppendOnlyFileAsync(claimRedis);
var viaGateway = await MeasureAsync(ClaimCall(gatewayClients, campaign, BenchCampaign.AmpleTier), phase: 6, requests, thinRedis: false);
await RewriteAppendOnlyFileAsync(claimRedis);
var directAgain = await MeasureAsync(ClaimCall(clients, campaign, BenchCampaign.AmpleTier), phase: 7, requests, thinRedis: false);

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up: baseline {thinWarm.Count} calls ({thinWarm.Rate:F0}/s), Claim {warm.Count} claims in {warmupSeconds} s ({warm.Rate:F0}/s)"));
Console.WriteLine($"load: {requests} claims by {requests} distinct users per phase and server, concurrency {concurrency}, {connections} connection(s)");
Print("thin granted", thinLoad.Result);
Print("thin+defaults", defaultsLoad.Result);
Print("ample stock", load.Result);
Print("thin sold out", thinRefused.Result);
Print("thin+def sold", defaultsRefused.Result);
Print("sold out", refused.Result);
Print("via gateway", viaGateway.Result);
Print("direct again", directAgain.Result);
Console.WriteLine("thin granted  " + ProcessCpu.Describe(thinLoad.CpuBefore, thinLoad.CpuAfter, thinLoad.Result.Count));
Console.WriteLine("thin+defaults " + ProcessCpu.Describe(defaultsLoad.CpuBefore, defaultsLoad.CpuAfter, defaultsLoad.Result.Count));
Console.WriteLine("ample stock   " + ProcessCpu.Describe(load.CpuBefore, load.CpuAfter, load.Result.Count));
Console.WriteLine("thin sold out " + ProcessCpu.Describe(thinRefused.CpuBefore, thinRefused.CpuAfter, thinRefused.Result.Count));
Console.WriteLine("thin+def sold " + ProcessCpu.Describe(defaultsRefused.CpuBefore, defaultsRefused.CpuAfter, defaultsRefused.Result.Count));
Console.WriteLine("sold out      " + ProcessCpu.Describe(refused.CpuBefore, refused.CpuAfter, refused.Result.Count));
Console.WriteLine("via gateway   " + ProcessCpu.Describe(viaGateway.CpuBefore, viaGateway.CpuAfter, viaGateway.Result.Count));
Console.WriteLine("direct again  " + ProcessCpu.Describe(directAgain.CpuBefore, directAgain.CpuAfter, directAgain.Result.Count));
Console.WriteLine("Redis commands per granted claim (INFO commandstats: calls, µs inside Redis): " + load.Commands);
Console.WriteLine("Redis commands per sold-out answer: " + refused.Commands);
Console.WriteLine("Redis commands per baseline grant: " + thinLoad.Commands);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"persistence lag: {lag.TotalMilliseconds:F0} ms until claimdb held {stored} of {acknowledged} acknowledged vouchers"));
var oversell = Math.Max(0, soldOutIssued - BenchCampaign.SoldOutQuantity);
Console.WriteLine($"oversell: {oversell} (sold-out tier: {soldOutIssued} issued of {BenchCampaign.SoldOutQuantity}), duplicate request ids: {stored - distinctRequests}, missing: {acknowledged - stored}");
var grantedRatio = load.Result.Rate / thinLoad.Result.Rate;
var soldOutRatio = refused.Result.Rate / thinRefused.Result.Rate;
var gatewayRatio = viaGateway.Result.Rate / directAgain.Result.Rate;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"claims through the gateway ÷ claims direct: {gatewayRatio:F2} (p99 {viaGateway.Result.Percentile(0.99):F2} ms against {directAgain.Result.Percentile(0.99):F2} ms)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"granted ÷ thin baseline: {grantedRatio:F2}   sold-out ÷ thin baseline: {soldOutRatio:F2}"));
var defaultsGrantedRatio = defaultsLoad.Result.Rate / thinLoad.Result.Rate;
var defaultsSoldOutRatio = defaultsRefused.Result.Rate / thinRefused.Result.Rate;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"the thin baseline on the service defaults ÷ the thin baseline: granted {defaultsGrantedRatio:F2}, sold out {defaultsSoldOutRatio:F2} (the ceiling the platform's own per-call work leaves any claim)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Claim ÷ the thin baseline on the service defaults: granted {load.Result.Rate / defaultsLoad.Result.Rate:F2}, sold out {refused.Result.Rate / defaultsRefused.Result.Rate:F2}"));
Console.WriteLine(string.Create(
    CultureInfo.InvariantCulture,
    $"RESULT claims_per_s={load.Result.Rate:F0} thin_per_s={thinLoad.Result.Rate:F0} granted_ratio={grantedRatio:F2} soldout_per_s={refused.Result.Rate:F0} thin_soldout_per_s={thinRefused.Result.Rate:F0} soldout_ratio={soldOutRatio:F2} p50_ms={load.Result.Percentile(0.5):F2} p99_ms={load.Result.Percentile(0.99):F2} p999_ms={load.Result.Percentile(0.999):F2} lag_ms={lag.TotalMilliseconds:F0} oversell={oversell} duplicates={stored - distinctRequests} missing={acknowledged - stored} gateway_ratio={gatewayRatio:F2} defaults_granted_ratio={defaultsGrantedRatio:F2} defaults_soldout_ratio={defaultsSoldOutRatio:F2}"));
foreach (var channel in channels.Concat(thinChannels).Concat(defaultsChannels).Concat(gatewayChannels))
{
    channel.Dispose();
}

var exitCode = acknowledged == stored && stored == distinctRequests && oversell == 0 && load.Result.Errors.IsEmpty && refused.Result.Errors.IsEmpty && thinLoad.Result.Errors.IsEmpty
    && defaultsLoad.Result.Errors.IsEmpty && defaultsRefused.Result.Errors.IsEmpty ? 0 : 1;

// The servers' data (several hundred MB of AOF and WAL per run) goes with the run once every process has stopped.
await app.DisposeAsync();
try
{
    Directory.Delete(stateDirectory, recursive: true);
}
catch (IOException ex)
{
    Console.Error.WriteLine($"could not remove {stateDirectory}: {ex.Message}");
}

return exitCode;

async Task<Measured> MeasureAsync(Func<int, int, int, Task<Answer>> call, int phase, int count, bool thinRedis)
{
    var server = (thinRedis ? thinRedisConnection : claimRedis).GetServers()[0];
    await server.ExecuteAsync("CONFIG", "RESETSTAT");
    var before = ProcessCpu.Sample();
    var result = await RunAsync(call, phase, count, concurrency);
    var after = ProcessCpu.Sample();
    var info = (string?)await server.ExecuteAsync("INFO", "commandstats") ?? string.Empty;
    return new Measured(result, before, after, CommandStats.Describe(info, result.Count));
}

static async Task RewriteAppendOnlyFileAsync(ConnectionMultiplexer redis)
{
    var server = redis.GetServers()[0];
    async Task<bool> RewritingAsync() =>
        (await server.InfoAsync("persistence")).SelectMany(group => group).Any(pair => pair is { Key: "aof_rewrite_in_progress", Value: "1" } or { Key: "aof_rewrite_scheduled", Value: "1" });
    while (await RewritingAsync())
    {
        await Task.Delay(50);
    }

    // The rewrite has started (or is scheduled behind a snapshot) when the command returns.
    await server.ExecuteAsync("BGREWRITEAOF");
    while (await RewritingAsync())
    {
        await Task.Delay(50);
    }
}

static long Deadline(int seconds) => Stopwatch.GetTimestamp() + (long)(seconds * (double)Stopwatch.Frequency);

static void Print(string phase, Phase result)
{
    var refusals = string.Join(", ", result.Refusals.OrderBy(r => r.Key).Select(r => $"{r.Key}={r.Value}"));
    var errors = string.Join(", ", result.Errors.OrderBy(r => r.Key).Select(r => $"{r.Key}={r.Value}"));
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"{phase,-13} {result.Rate,9:F0} calls/s  p50 {result.Percentile(0.50),6:F2} ms  p99 {result.Percentile(0.99),6:F2} ms  p999 {result.Percentile(0.999),6:F2} ms  granted {result.Granted}  refusals [{refusals}]  errors [{errors}]"));
}

// Every phase gets its own users: identity keys are normalised (a phone keeps only its digits), so the phase number is in each.
static Func<int, int, int, Task<Answer>> ClaimCall(IReadOnlyList<ClaimService.ClaimServiceClient> clients, string campaignId, string tierId) => async (worker, phase, n) =>
{
    var request = new ClaimVoucherRequest
    {
        RequestId = $"p{phase}-{n}",
        CampaignId = campaignId,
        TierId = tierId,
        Person = new PersonIdentity
        {
            ChannelId = LocalTokenClient.ChannelOfChannelClient,
            ChannelAccountId = $"p{phase}-acct-{n}",
            Phone = $"1{phase}{n:000000000}",
            DeviceId = $"p{phase}-dev-{n}",
        },
    };
    var outcome = await clients[worker % clients.Count].ClaimVoucherAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
    return outcome.Voucher is not null ? new Answer(true, null) : new Answer(false, outcome.Refusal.Reason.ToString());
};

static Func<int, int, int, Task<Answer>> ThinCall(IReadOnlyList<ThinClaimService.ThinClaimServiceClient> clients, string roundId) => async (worker, phase, n) =>
{
    var request = new ThinClaimRequest { RoundId = roundId, PersonId = $"p{phase}-acct-{n}" };
    var reply = await clients[worker % clients.Count].ClaimAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
    return reply.Result == ThinClaimResult.Granted ? new Answer(true, null) : new Answer(false, reply.Result.ToString());
};

// A phase ends after count calls or at stopAt, whichever comes first.
static async Task<Phase> RunAsync(Func<int, int, int, Task<Answer>> call, int phase, int count, int concurrency, long stopAt = long.MaxValue)
{
    var latencies = new ConcurrentBag<double[]>();
    var refusals = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
    var errors = new ConcurrentDictionary<StatusCode, int>();
    var granted = 0;
    var next = -1;
    var started = Stopwatch.GetTimestamp();
    var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
    {
        var mine = new List<double>(count == int.MaxValue ? 1024 : (count / concurrency) + 1);
        int n;
        while (Stopwatch.GetTimestamp() < stopAt && (n = Interlocked.Increment(ref next)) < count)
        {
            var begun = Stopwatch.GetTimestamp();
            try
            {
                var answer = await call(worker, phase, n);
                if (answer.Granted)
                {
                    Interlocked.Increment(ref granted);
                }
                else
                {
                    refusals.AddOrUpdate(answer.Refusal ?? "?", 1, (_, c) => c + 1);
                }
            }
            catch (RpcException ex)
            {
                errors.AddOrUpdate(ex.StatusCode, 1, (_, c) => c + 1);
            }

            mine.Add(Stopwatch.GetElapsedTime(begun).TotalMilliseconds);
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

internal sealed record Answer(bool Granted, string? Refusal);

internal sealed record Measured(Phase Result, Dictionary<string, double> CpuBefore, Dictionary<string, double> CpuAfter, string Commands);

internal sealed record Phase(double Rate, double[] Latencies, int Granted, ConcurrentDictionary<string, int> Refusals, ConcurrentDictionary<StatusCode, int> Errors)
{
    public int Count => Latencies.Length;

    public double Percentile(double p) => Latencies.Length == 0 ? 0 : Latencies[Math.Min(Latencies.Length - 1, (int)Math.Ceiling(p * Latencies.Length) - 1)];
}
