using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Redemption.Service.Tests.Infrastructure;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using static Redemption.Service.Tests.Infrastructure.Scenes;
using Seeds = Campaign.Service.Tests.Seeds;

// RedemptionBench: N distinct vouchers of S3 campaigns redeemed once each through the Redemption service (Redeem →
// LockVoucher → record in redemptiondb → ConsumeVoucher in claimdb), against the thin baseline: a grpc-dotnet unary
// call whose handler runs UPDATE … SET status = 'used' WHERE id = $1 AND status = 'unused' on PostgreSQL. Both are
// driven by the same load generator (same concurrency, same number of distinct vouchers per run), in one process on one
// PostgreSQL; each round runs the thin call three times, before, between and after the two flows, and counts the three
// as one run. Exit code 1 when a double redemption or an error is found.
var vouchers = Arg("--vouchers", 1000);
var concurrency = Arg("--concurrency", 16);
var rounds = Arg("--rounds", 3);
var warmup = Arg("--warmup", 1000) / 2 * 2; // two passes of half each
var sampleWaits = Arg("--waits", 0) == 1;
const long OrderCents = 40_000;
const int ThinPasses = 3;
const int S3Vouchers = 10_000;

var world = new RedemptionWorld { WithSettlement = false };
await world.InitializeAsync();
try
{
    await PrefaultSharedBuffersAsync(world.RedemptionDb.ConnectionString);
    world.Clock.Now = Seeds.Beijing(2023, 4, 20);
    // As many S3 campaigns as the vouchers need (10,000 each), one shop enrolled in all of them.
    var campaigns = new List<string>();
    for (var c = 0; c * S3Vouchers < warmup + (vouchers * rounds); c++)
    {
        var s3 = await Seeds.ConfigureS3Async(world.Campaign.Campaigns, "bench-" + Guid.NewGuid().ToString("N")[..8]);
        await s3.PublishAsync();
        campaigns.Add(s3.Id);
    }

    world.Clock.Now = Seeds.Beijing(2023, 5, 1, 10).AddSeconds(5);
    foreach (var campaign in campaigns)
    {
        await world.WaitForRedemptionToSeeAsync(campaign, view => view.Terms.Running);
    }

    var shop = await ShopAsync(world, campaigns[0], "supermarket");
    foreach (var campaign in campaigns.Skip(1))
    {
        var enroll = new Vouchers.Campaign.V1.EnrollMerchantRequest { Actor = Seeds.Operator, CampaignId = campaign, MerchantId = shop.MerchantId };
        enroll.CategoryIds.Add("supermarket");
        await world.Campaign.Merchants.EnrollMerchantAsync(enroll);
        await world.WaitForRedemptionToSeeAsync(campaign, view => view.Merchants.TryGetValue(shop.MerchantId, out var m) && m.Terms.ActiveStaffIds.Contains(shop.StaffId));
    }

    // Claims for the warm-up and every round up front: each redeems its own vouchers, so every call is a first redemption.
    var people = Enumerable.Range(0, warmup + (vouchers * rounds)).Select(i => Person(RedemptionWorld.NextSeed())).ToList();
    var claimed = new (PersonIdentity Person, string VoucherId)[people.Count];
    await Parallel.ForEachAsync(Enumerable.Range(0, people.Count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        claimed[i] = (people[i], (await ClaimAsync(world, campaigns[i / S3Vouchers], people[i], TierOf(i % S3Vouchers), InYouhao)).VoucherId));
    world.Clock.Now = Seeds.Beijing(2023, 5, 2, 12);

    // Residents redeem in their own order, not in the order they claimed: both flows take their vouchers in a shuffled
    // order (the same seed every run). Taken in claim order, the vouchers a batch changes sat side by side on a few pages,
    // which ran out of room for the rows' new versions within one transaction, so a third of Claim's updates left their
    // page and wrote every index again; the thin baseline's neighbouring updates paid the same way.
    var order = new Random(20230501);
    order.Shuffle(claimed);
    var thinIds = Enumerable.Range(0, warmup + (vouchers * rounds * ThinPasses)).ToArray();
    order.Shuffle(thinIds);

    await using var thin = await ThinRedeem.StartAsync(world.RedemptionDb.ConnectionString, thinIds.Length);
    var thinClient = new VoucherUsageService.VoucherUsageServiceClient(thin.Channel);
    await using var skeleton = await RedemptionBench.SkeletonFlow.StartAsync(world.RedemptionDb.ConnectionString, claimed.Select(c => c.VoucherId));

    var ratios = new List<double>();
    var measured = new List<double>();
    using var allocations = RuntimeEventSampler.Allocations();
    using var compilations = RuntimeEventSampler.Compilations();
    var skeletonRatios = new List<double>();
    var failures = 0L;
    var peers = await PeerProcesses.FindAsync(world.RedemptionDb.ConnectionString);
    Func<int, Task<bool>> thinCall = async id =>
        (await thinClient.ConsumeVoucherAsync(new ConsumeVoucherRequest { VoucherId = id.ToString(CultureInfo.InvariantCulture) })).Status == VoucherStatus.Used;
    Func<(PersonIdentity Person, string VoucherId), Task<bool>> redeemCall = async c =>
        (await world.Redemption.Redemptions.RedeemAsync(Named(shop, c.Person, c.VoucherId, OrderCents, "supermarket"))).ResultCase == RedeemOutcome.ResultOneofCase.Redemption;
    Func<(PersonIdentity Person, string VoucherId), Task<bool>> skeletonCall = async c =>
        (await skeleton.Redemptions.RedeemAsync(Named(shop, c.Person, c.VoucherId, OrderCents, "supermarket"))).ResultCase == RedeemOutcome.ResultOneofCase.Redemption;

    // Warm-up, not measured: the services in production run for hours, so the rounds should see their steady state, not
    // the JIT still compiling (a profile of an unwarmed third round spent a fifth of the process's CPU in tiered compilation).
    // Two passes, each followed by a wait for the JIT to go quiet: with tiered PGO a method is compiled up to three times
    // (instrumented, then optimised), each stage after calls of its own, so one pass left the second stage to the rounds.
    // The first pass runs with an eighth of the callers: a method called once per shared round trip is called once per
    // batch, and small batches give it the calls to reach its last stage (at full load the first round still compiled).
    var half = warmup / 2;
    for (var pass = 0; pass < 2 && half > 0; pass++)
    {
        var callers = pass == 0 ? Math.Max(1, concurrency / 8) : concurrency;
        var thinWarm = await DriveAsync(thinIds.Skip(pass * half).Take(half).ToList(), callers, peers, thinCall);
        var slice = claimed.Skip(pass * half).Take(half).ToList();
        // The rounds listen to the batch sizes; listening here too compiles that listener before them, not in round 1.
        using var warmBatches = new BatchSizes();
        var fullWarm = await DriveAsync(slice, callers, peers, redeemCall);
        _ = warmBatches.Summary();
        var skeletonWarm = await DriveAsync(slice, callers, peers, skeletonCall);
        failures += thinWarm.Failed + fullWarm.Failed + skeletonWarm.Failed;
        var settled = await SettleJitAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"warm-up {pass + 1} ({half} each, not measured): thin {thinWarm.PerSecond:F0}/s, redemption {fullWarm.PerSecond:F0}/s, failed {thinWarm.Failed}+{fullWarm.Failed}; {settled}"));
    }

    Console.WriteLine($"vouchers per round {vouchers}, concurrency {concurrency}, rounds {rounds}, load {Load()}");
    for (var round = 0; round < rounds; round++)
    {
        var first = warmup + (round * vouchers);
        var slice = claimed.Skip(first).Take(vouchers).ToList();
        await QuiesceAsync(world.RedemptionDb.ConnectionString, world.ClaimDb.ConnectionString);
        // The thin call takes a tenth of a second for N vouchers, short enough for a hiccup of the machine to move it by a
        // third; it runs three times over N vouchers of its own each, around the two flows, and counts as one run.
        var thinRuns = new List<Result>();
        var thinFirst = warmup + (round * vouchers * ThinPasses);
        Task<Result> ThinPassAsync() => DriveAsync(thinIds.Skip(thinFirst + (thinRuns.Count * vouchers)).Take(vouchers).ToList(), concurrency, peers, thinCall);
        thinRuns.Add(await ThinPassAsync());
        var waits = sampleWaits ? new WaitSampler(world.RedemptionDb.ConnectionString) : null;
        var statements = round == rounds - 1 && Environment.GetEnvironmentVariable(TestSupport.SharedPostgres.StatementStatisticsVariable) == "1";
        if (statements)
        {
            await using var reset = new NpgsqlConnection(world.RedemptionDb.ConnectionString);
            await reset.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset();", reset);
            await command.ExecuteNonQueryAsync();
        }

        using var batches = new BatchSizes();
        PhaseClock("redemption round start");
        var pausedBefore = GC.GetTotalPauseDuration();
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var collectionsBefore = GC.CollectionCount(0);
        allocations?.Start();
        compilations?.Start();
        var full = await DriveAsync(slice, concurrency, peers, redeemCall);
        var waitSummary = waits is null ? null : await waits.StopAsync();
        var allocationSummary = allocations?.Stop();
        var compilationSummary = compilations?.Stop();
        var paused = GC.GetTotalPauseDuration() - pausedBefore;
        var allocated = (GC.GetTotalAllocatedBytes() - allocatedBefore) / 1024.0 / slice.Count;
        var collections = GC.CollectionCount(0) - collectionsBefore;
        measured.AddRange(full.Latencies);
        PhaseClock("redemption round end");
        var shared = batches.Summary();
        if (statements)
        {
            Console.WriteLine(await StatementCostsAsync(world.RedemptionDb.ConnectionString, slice.Count));
            Console.WriteLine(await TableWritesAsync("claimdb", world.ClaimDb.ConnectionString));
            Console.WriteLine(await TableWritesAsync("redemptiondb", world.RedemptionDb.ConnectionString));
        }

        thinRuns.Add(await ThinPassAsync());
        var bare = await DriveAsync(slice, concurrency, peers, skeletonCall);
        thinRuns.Add(await ThinPassAsync());
        var baseline = Result.Together(thinRuns);
        var ratio = full.PerSecond / baseline.PerSecond;
        ratios.Add(ratio);
        skeletonRatios.Add(bare.PerSecond / baseline.PerSecond);
        failures += baseline.Failed + full.Failed + bare.Failed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"round {round + 1}: thin {baseline.PerSecond:F0}/s p50 {baseline.P50:F1} ms p99 {baseline.P99:F1} ms cpu {baseline.Cpu} | redemption {full.PerSecond:F0}/s p50 {full.P50:F1} ms p99 {full.P99:F1} ms cpu {full.Cpu} | ratio {ratio:F2} | failed {baseline.Failed}+{full.Failed} | gc: {collections} collections, pauses {paused.TotalMilliseconds:F0} ms, {allocated:F0} KiB allocated per redemption | load {Load()}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  redemptions per shared round trip (mean): {shared}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  the prescribed flow alone (lock → record → consume, one statement each, on the service defaults): {bare.PerSecond:F0}/s p50 {bare.P50:F1} ms p99 {bare.P99:F1} ms cpu {bare.Cpu} | ÷ thin {bare.PerSecond / baseline.PerSecond:F2} | failed {bare.Failed}"));
        if (allocationSummary is not null)
        {
            Console.WriteLine(allocationSummary);
        }

        if (compilationSummary is not null)
        {
            Console.WriteLine(compilationSummary);
        }

        if (waits is not null)
        {
            Console.WriteLine($"  busy PostgreSQL backends during the redemptions (mean per sample): {waitSummary}");
            await waits.DisposeAsync();
        }
    }

    var doubles = await world.ScalarAsync("SELECT count(*) FROM (SELECT voucher_id FROM redemptions WHERE status <> 2 GROUP BY voucher_id HAVING count(*) > 1) d");
    var redeemed = await world.ScalarAsync("SELECT count(*) FROM redemptions WHERE campaign_id = ANY(@c)", ("c", campaigns.ToArray()));
    ratios.Sort();
    skeletonRatios.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median ratio of the prescribed flow alone ÷ thin: {skeletonRatios[skeletonRatios.Count / 2]:F2}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"median ratio {ratios[ratios.Count / 2]:F3} (acceptance ≥ 0.30); p99 of every measured redemption {Percentile(measured, 0.99):F1} ms (acceptance ≤ 50); redemptions {redeemed} of {warmup + (vouchers * rounds)} (warm-up included); double redemptions {doubles}; failed calls {failures}"));
    return doubles == 0 && failures == 0 && redeemed == warmup + (vouchers * rounds) ? 0 : 1;
}
finally
{
    await world.DisposeAsync();
}

// S3's pools: 4,000 of t-20, then 4,000 of t-40 and 2,000 of t-80, so 10,000 distinct vouchers per campaign; one order
// of 400 yuan reaches every tier's minimum spend (100, 200 and 300 yuan).
static string TierOf(int i) => i < 4000 ? "t-20" : i < 8000 ? "t-40" : "t-80";

int Arg(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

// The bench starts a fresh PostgreSQL, whose shared buffers are memory the kernel maps on first touch. The redemption
// flow writes new rows (redemptions, answers, feeds) and so takes new buffers all through the rounds, while the thin
// call updates rows that exist from the start: a profile of a slow round had a fifth of the CPU in page faults under
// PostgreSQL's buffer reads. A server that has run for a while has touched all of them; this does it before the rounds,
// reading a table larger than the buffer pool into it (pg_prewarm reads through the pool, not a bulk-read ring).
static async Task PrefaultSharedBuffersAsync(string connectionString)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var size = new NpgsqlCommand("SELECT setting::bigint FROM pg_settings WHERE name = 'shared_buffers'", connection);
    var rows = (long)(await size.ExecuteScalarAsync())! * 8 * 5 / 4;
    await using var fill = new NpgsqlCommand(
        "CREATE EXTENSION IF NOT EXISTS pg_prewarm; "
        + $"CREATE UNLOGGED TABLE bench_prefault AS SELECT g AS id, repeat('x', 900) AS pad FROM generate_series(1, {rows}) AS g; "
        + "SELECT pg_prewarm('bench_prefault'); DROP TABLE bench_prefault;",
        connection) { CommandTimeout = 600 };
    await fill.ExecuteNonQueryAsync();
}

// As pgbench does before it measures: vacuum and analyze the databases and write dirty pages out, so that a vacuum or a
// checkpoint the previous round's writes called for does not run inside this round's measurement (one did: every
// statement took two to three times as long in that round, the thin call's included).
static async Task QuiesceAsync(params string[] connectionStrings)
{
    foreach (var connectionString in connectionStrings)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var vacuum = new NpgsqlCommand("VACUUM (ANALYZE)", connection) { CommandTimeout = 600 };
        await vacuum.ExecuteNonQueryAsync();
        await using var checkpoint = new NpgsqlCommand("CHECKPOINT", connection);
        await checkpoint.ExecuteNonQueryAsync();
    }
}

// With BENCH_PHASE_CLOCK=1 the bench prints the monotonic clock (seconds, as `perf record -k CLOCK_MONOTONIC` stamps
// its samples) around each measured redemption phase, so a system-wide profile can be cut to that phase alone.
static void PhaseClock(string phase)
{
    if (Environment.GetEnvironmentVariable("BENCH_PHASE_CLOCK") == "1")
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{phase} at {Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency:F6}"));
    }
}

static double Percentile(List<double> latencies, double share)
{
    latencies.Sort();
    return latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)(latencies.Count * share))];
}

static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

static async Task<Result> DriveAsync<T>(IReadOnlyList<T> items, int concurrency, PeerProcesses peers, Func<T, Task<bool>> call)
{
    var latencies = new double[items.Count];
    var failed = 0L;
    var next = -1;
    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
    var peersBefore = peers.CpuSeconds();
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < items.Count)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                if (!await call(items[i]))
                {
                    Interlocked.Increment(ref failed);
                }
            }
            catch (RpcException)
            {
                Interlocked.Increment(ref failed);
            }

            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
    }));
    var elapsed = clock.Elapsed.TotalSeconds;
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
    var jit = System.Runtime.JitInfo.GetCompilationTime() - jitBefore;
    var peersAfter = peers.CpuSeconds();
    Array.Sort(latencies);
    return new Result(items.Count / elapsed, latencies[latencies.Length / 2], latencies[(int)(latencies.Length * 0.99)], failed, latencies, new CpuPerCall(
        cpu.TotalMicroseconds / items.Count, (peersAfter.Postgres - peersBefore.Postgres) * 1e6 / items.Count, (peersAfter.Redis - peersBefore.Redis) * 1e6 / items.Count,
        jit.TotalMicroseconds / items.Count));
}

/// <summary>
/// Where PostgreSQL's time went during the last redemptions, per redemption, by statement (pg_stat_statements across
/// every database of the server: redemptiondb and claimdb alike).
/// </summary>
static async Task<string> StatementCostsAsync(string connectionString, int redemptions)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(
        """
        SELECT calls, total_exec_time, left(regexp_replace(query, '\s+', ' ', 'g'), 150)
        FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 20
        """, connection);
    var lines = new System.Text.StringBuilder("  PostgreSQL time per redemption by statement (µs, calls per redemption):\n");
    await using var reader = await command.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        lines.Append(CultureInfo.InvariantCulture, $"    {reader.GetDouble(1) * 1000 / redemptions,7:F1} µs  {(double)reader.GetInt64(0) / redemptions,5:F2}×  {reader.GetString(2)}\n");
    }

    return lines.ToString();
}

/// <summary>
/// Rows written per table since the server started, and how many updates stayed on their page (HOT): an update that
/// leaves the page writes every index of the table again.
/// </summary>
static async Task<string> TableWritesAsync(string database, string connectionString)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(
        "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables WHERE n_tup_ins + n_tup_upd + n_tup_del > 0 ORDER BY relname",
        connection);
    var lines = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture, $"  {database} rows written since start (inserted, updated of which HOT, deleted):\n"));
    await using var reader = await command.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        lines.Append(CultureInfo.InvariantCulture, $"    {reader.GetString(0),-24} {reader.GetInt64(1),8} {reader.GetInt64(2),8} {reader.GetInt64(3),8} {reader.GetInt64(4),8}\n");
    }

    return lines.ToString();
}

/// <summary>
/// Waits until the JIT has stopped compiling (no new method for a whole second, at most a minute). This process hosts
/// the app host, three services and the load generator, some 50,000 methods; after the warm-up the tier-1 compiler
/// still has thousands queued, and measuring while it works charges its CPU to whichever phase runs then. A service
/// in production has long finished that.
/// </summary>
static async Task<string> SettleJitAsync()
{
    var clock = Stopwatch.StartNew();
    var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
    while (clock.Elapsed < TimeSpan.FromMinutes(1))
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        var now = System.Runtime.JitInfo.GetCompiledMethodCount();
        if (now == compiled)
        {
            break;
        }

        compiled = now;
    }

    return string.Create(CultureInfo.InvariantCulture, $"JIT settled after {clock.Elapsed.TotalSeconds:F0} s ({compiled} methods compiled)");
}

internal sealed record Result(double PerSecond, double P50, double P99, long Failed, double[] Latencies, CpuPerCall Cpu)
{
    /// <summary>Runs of the same size as one: calls over the time they took together, the middle run's percentiles, mean CPU.</summary>
    public static Result Together(IReadOnlyList<Result> runs)
    {
        var middle = runs.Count / 2;
        return new Result(
            runs.Count / runs.Sum(r => 1 / r.PerSecond),
            runs.Select(r => r.P50).Order().ElementAt(middle),
            runs.Select(r => r.P99).Order().ElementAt(middle),
            runs.Sum(r => r.Failed),
            [.. runs.SelectMany(r => r.Latencies).Order()],
            new CpuPerCall(runs.Average(r => r.Cpu.Process), runs.Average(r => r.Cpu.Postgres), runs.Average(r => r.Cpu.Redis), runs.Average(r => r.Cpu.Jit)));
    }
}

/// <summary>
/// CPU time per call, µs: this process (load generator and every service hosted in it), the PostgreSQL server and
/// redis-server. Unlike throughput, hardly moved by what else the machine runs.
/// </summary>
internal sealed record CpuPerCall(double Process, double Postgres, double Redis, double Jit)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Process:F0} µs (jit {Jit:F0}) + pg {Postgres:F0} + redis {Redis:F0}");
}

/// <summary>The baseline: claim.v1 ConsumeVoucher answered by one conditional UPDATE on its own table, nothing else.</summary>
internal sealed class ThinRedeem : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ThinRedeem(WebApplication app, GrpcChannel channel)
    {
        _app = app;
        Channel = channel;
    }

    public GrpcChannel Channel { get; }

    public static async Task<ThinRedeem> StartAsync(string connectionString, int vouchers)
    {
        // Prepared like the services' own statements (ServiceDefaults.StatementPreparation), so both sides run alike.
        var dataSource = NpgsqlDataSource.Create(ServiceDefaults.StatementPreparation.WithAutoPrepare(connectionString));
        await using (var setup = dataSource.CreateCommand(
            "DROP TABLE IF EXISTS thin_vouchers; CREATE TABLE thin_vouchers (id bigint PRIMARY KEY, status text NOT NULL); " +
            "INSERT INTO thin_vouchers SELECT g, 'unused' FROM generate_series(0, @last) g"))
        {
            setup.Parameters.AddWithValue("last", (long)vouchers - 1);
            await setup.ExecuteNonQueryAsync();
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var port = TestSupport.FreePorts.Next();
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<ThinHandler>();
        await app.StartAsync();
        return new ThinRedeem(app, GrpcChannel.ForAddress($"http://localhost:{port}"));
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal sealed class ThinHandler(NpgsqlDataSource dataSource) : VoucherUsageService.VoucherUsageServiceBase
{
    public override async Task<Voucher> ConsumeVoucher(ConsumeVoucherRequest request, ServerCallContext context)
    {
        await using var command = dataSource.CreateCommand("UPDATE thin_vouchers SET status = 'used' WHERE id = $1 AND status = 'unused'");
        command.Parameters.AddWithValue(long.Parse(request.VoucherId, CultureInfo.InvariantCulture));
        var updated = await command.ExecuteNonQueryAsync(context.CancellationToken);
        return new Voucher { VoucherId = request.VoucherId, Status = updated == 1 ? VoucherStatus.Used : VoucherStatus.Unused };
    }
}

/// <summary>Listens to Redemption's batch-size histogram: how many redemptions shared each kind of round trip.</summary>
internal sealed class BatchSizes : IDisposable
{
    private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Batches, long Items)> _seen = new();

    public BatchSizes()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Redemption.Service.RedemptionMetrics.MeterName && instrument.Name == "redemption.batch.size")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((_, size, tags, _) =>
        {
            var kind = tags.Length > 0 ? tags[0].Value as string ?? "?" : "?";
            _seen.AddOrUpdate(kind, (1, size), (_, s) => (s.Batches + 1, s.Items + size));
        });
        _listener.Start();
    }

    public string Summary() => string.Join(", ", _seen.OrderBy(k => k.Key, StringComparer.Ordinal)
        .Select(k => string.Create(CultureInfo.InvariantCulture, $"{k.Key} {(double)k.Value.Items / k.Value.Batches:F1}")));

    public void Dispose() => _listener.Dispose();
}

/// <summary>
/// Counts one kind of the runtime's own events while the redemptions of a round run, by one of their fields.
/// With BENCH_ALLOCATIONS=1, the allocation samples by type (one event per ~100 KiB allocated, naming the type whose
/// allocation crossed the mark, so the types that take most of the bytes show up in proportion); with BENCH_JIT=1, the
/// methods the JIT compiled, by type: what the warm-up left to the rounds.
/// </summary>
internal sealed class RuntimeEventSampler(System.Diagnostics.Tracing.EventKeywords keywords, string eventPrefix, string field, string title, int rows)
    : System.Diagnostics.Tracing.EventListener
{
    // Field initialisers run before the base constructor, which already reports the runtime's event source.
    private readonly System.Diagnostics.Tracing.EventKeywords _keywords = keywords;
    private readonly string _eventPrefix = eventPrefix;
    private readonly string _field = field;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private volatile bool _counting;

    public static RuntimeEventSampler? Allocations() => Environment.GetEnvironmentVariable("BENCH_ALLOCATIONS") == "1"
        ? new RuntimeEventSampler((System.Diagnostics.Tracing.EventKeywords)0x1, "GCAllocationTick", "TypeName", "allocation samples by type", 25)
        : null;

    public static RuntimeEventSampler? Compilations() => Environment.GetEnvironmentVariable("BENCH_JIT") == "1"
        ? new RuntimeEventSampler((System.Diagnostics.Tracing.EventKeywords)0x10, "MethodJittingStarted", "MethodNamespace", "methods compiled during the redemptions, by type", 40)
        : null;

    public void Start() => _counting = true;

    public string Stop()
    {
        _counting = false;
        var total = _counts.Values.Sum();
        var top = _counts.OrderByDescending(c => c.Value).Take(rows)
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"    {c.Value,6}  {100.0 * c.Value / Math.Max(1, total),5:F1} %  {c.Key}")).ToList();
        _counts.Clear();
        return $"  {title} ({total}):\n" + string.Join('\n', top);
    }

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource eventSource)
    {
        ArgumentNullException.ThrowIfNull(eventSource);
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, System.Diagnostics.Tracing.EventLevel.Verbose, _keywords);
        }
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs eventData)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        if (_counting && eventData.EventName?.StartsWith(_eventPrefix, StringComparison.Ordinal) == true && eventData.PayloadNames is { } names)
        {
            var at = names.IndexOf(_field);
            var key = at >= 0 ? eventData.Payload?[at] as string ?? "?" : "?";
            _counts.AddOrUpdate(key, 1, (_, n) => n + 1);
        }
    }
}
