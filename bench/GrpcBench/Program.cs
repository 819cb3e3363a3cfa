using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using Google.Protobuf;
using GrpcBench.Echo;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Unary echo on one h2c Kestrel server, two ways: (a) "raw", an endpoint that frames the reply by hand,
// the floor any gRPC server on Kestrel can reach; (b) "grpc", a grpc-dotnet service (Grpc.AspNetCore,
// MapGrpcService<T>) with a Grpc.Tools-generated base class, the way the product's services are built.
// The client side is Grpc.Net.Client with generated clients for both, the way the product calls them.
// Modes (bench/grpc-echo.sh drives them):
//   server --port P                                   h2c server: raw baseline + grpc-dotnet echo
//   frame --payload BYTES --out FILE                  writes one framed EchoRequest for h2load -d
//   path raw|grpc                                     prints the :path of an echo endpoint
//   client --address URL --target raw|grpc --requests N --concurrency C [--payload BYTES] [--warmup N]
//   percentiles FILE                                  p50/p99 (ms) and non-200 count of an h2load --log-file
var mode = args.Length > 0 ? args[0] : "help";
var options = ParseOptions(args.Skip(1).ToArray());
switch (mode)
{
    case "server":
        await RunServerAsync(int.Parse(options["port"], CultureInfo.InvariantCulture));
        return 0;
    case "frame":
        WriteFramedRequest(int.Parse(options.GetValueOrDefault("payload", "100"), CultureInfo.InvariantCulture), options["out"]);
        return 0;
    case "path":
        Console.WriteLine(EchoPath(args[1]));
        return 0;
    case "client":
        return await RunClientAsync(options);
    case "percentiles":
        PrintH2LoadPercentiles(args[1]);
        return 0;
    default:
        Console.Error.WriteLine("usage: GrpcBench server|frame|path|client|percentiles ... (see bench/grpc-echo.sh)");
        return 2;
}

static Dictionary<string, string> ParseOptions(string[] arguments)
{
    var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i + 1 < arguments.Length; i += 2)
    {
        parsed[arguments[i].TrimStart('-')] = arguments[i + 1];
    }

    return parsed;
}

static string EchoPath(string target) => target switch
{
    "raw" => "/" + RawEchoService.Descriptor.FullName + "/" + RawEchoService.Descriptor.Methods[0].Name,
    "grpc" => "/" + EchoService.Descriptor.FullName + "/" + EchoService.Descriptor.Methods[0].Name,
    _ => throw new ArgumentException("target must be raw or grpc", nameof(target)),
};

static async Task RunServerAsync(int port)
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
    builder.Services.AddGrpc();
    var app = builder.Build();
    using var allocationSampler = Environment.GetEnvironmentVariable("GRPCBENCH_ALLOCATION_SAMPLES") == "1" ? new AllocationSampler() : null;
    app.MapPost(EchoPath("raw"), RawEcho.HandleAsync);
    app.MapGrpcService<EchoServiceImpl>();
    await app.RunAsync();

    // Read by grpc-echo.sh when profiling: allocation volume and GC pauses are the usual tail-latency suspects.
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"GCSTATS allocated_mb={GC.GetTotalAllocatedBytes() / 1048576.0:F0} allocated_bytes={GC.GetTotalAllocatedBytes(precise: true)} gen0={GC.CollectionCount(0)} gen1={GC.CollectionCount(1)} gen2={GC.CollectionCount(2)} pause_ms={GC.GetTotalPauseDuration().TotalMilliseconds:F0}"));
    allocationSampler?.Print();
}

static void WriteFramedRequest(int payloadSize, string path)
{
    var message = new EchoRequest { Payload = ByteString.CopyFrom(new byte[payloadSize]) }.ToByteArray();
    var frame = new byte[5 + message.Length];
    BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
    message.CopyTo(frame, 5);
    File.WriteAllBytes(path, frame);
}

static async Task<int> RunClientAsync(Dictionary<string, string> options)
{
    var requests = int.Parse(options["requests"], CultureInfo.InvariantCulture);
    var concurrency = int.Parse(options["concurrency"], CultureInfo.InvariantCulture);
    var warmup = int.Parse(options.GetValueOrDefault("warmup", "10000"), CultureInfo.InvariantCulture);
    var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[int.Parse(options.GetValueOrDefault("payload", "100"), CultureInfo.InvariantCulture)]) };
    using var channel = GrpcChannel.ForAddress(options["address"]);
    // Both targets go through the same Grpc.Net.Client stack; only the server-side handler differs.
    Func<Task<EchoReply>> call = options["target"] switch
    {
        "raw" => () => new RawEchoService.RawEchoServiceClient(channel).EchoAsync(request).ResponseAsync,
        "grpc" => () => new EchoService.EchoServiceClient(channel).EchoAsync(request).ResponseAsync,
        var other => throw new ArgumentException($"target must be raw or grpc, not {other}", nameof(options)),
    };

    await RunLoadAsync(call, warmup, concurrency, new long[warmup], request.Payload.Length);
    var latencies = new long[requests];
    var elapsed = await RunLoadAsync(call, requests, concurrency, latencies, request.Payload.Length);
    Array.Sort(latencies);
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"RESULT requests={requests} concurrency={concurrency} rps={requests / elapsed.TotalSeconds:F0} p50_ms={Percentile(latencies, 0.50):F3} p99_ms={Percentile(latencies, 0.99):F3}"));
    return 0;
}

// Each of `concurrency` callers issues calls back to back until `count` calls have started.
static async Task<TimeSpan> RunLoadAsync(Func<Task<EchoReply>> call, int count, int concurrency, long[] latencies, int expectedPayload)
{
    var next = -1;
    var started = Stopwatch.GetTimestamp();
    var callers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
    {
        int index;
        while ((index = Interlocked.Increment(ref next)) < count)
        {
            var begin = Stopwatch.GetTimestamp();
            var reply = await call();
            latencies[index] = Stopwatch.GetTimestamp() - begin;
            if (reply.Payload.Length != expectedPayload)
            {
                throw new InvalidOperationException("Echo reply does not match the request.");
            }
        }
    }));
    await Task.WhenAll(callers);
    return Stopwatch.GetElapsedTime(started);
}

static double Percentile(long[] sortedTicks, double quantile)
{
    var index = Math.Min(sortedTicks.Length - 1, (int)Math.Ceiling(quantile * sortedTicks.Length) - 1);
    return sortedTicks[Math.Max(0, index)] * 1000.0 / Stopwatch.Frequency;
}

static void PrintH2LoadPercentiles(string logFile)
{
    // h2load --log-file columns: start (µs since epoch), HTTP status, duration (µs).
    var durations = new List<long>();
    var notOk = 0;
    foreach (var line in File.ReadLines(logFile))
    {
        var columns = line.Split('\t');
        if (columns.Length < 3)
        {
            continue;
        }

        if (columns[1] != "200")
        {
            notOk++;
        }

        durations.Add(long.Parse(columns[2], CultureInfo.InvariantCulture));
    }

    durations.Sort();
    double At(double quantile) => durations[Math.Max(0, Math.Min(durations.Count - 1, (int)Math.Ceiling(quantile * durations.Count) - 1))] / 1000.0;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"p50_ms={At(0.50):F3} p99_ms={At(0.99):F3} not_200={notOk}"));
}

/// <summary>The grpc-dotnet side: a Grpc.Tools-generated base class, one override, served by Grpc.AspNetCore.</summary>
internal sealed class EchoServiceImpl : EchoService.EchoServiceBase
{
    public override Task<EchoReply> Echo(EchoRequest request, ServerCallContext context) =>
        Task.FromResult(new EchoReply { Payload = request.Payload });
}

/// <summary>
/// The baseline: reads the whole request body, then frames the reply by hand (5-byte prefix plus
/// the message bytes, which have the reply's layout) and ends with grpc-status 0 in trailers.
/// </summary>
internal static class RawEcho
{
    public static async Task HandleAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        ReadResult read;
        while (true)
        {
            read = await reader.ReadAsync();
            if (read.IsCompleted)
            {
                break;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        var body = read.Buffer;
        Span<byte> prefix = stackalloc byte[5];
        if (body.Length < 5)
        {
            reader.AdvanceTo(body.End);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        body.Slice(0, 5).CopyTo(prefix);
        var messageLength = (int)BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);
        var message = body.Slice(5, messageLength);

        var response = context.Response;
        response.ContentType = "application/grpc";
        var writer = response.BodyWriter;
        var output = writer.GetSpan(5 + messageLength);
        output[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(output[1..], (uint)messageLength);
        message.CopyTo(output[5..]);
        writer.Advance(5 + messageLength);
        reader.AdvanceTo(body.End);
        response.AppendTrailer("grpc-status", "0");
        await writer.FlushAsync();
    }
}

/// <summary>
/// Counts the .NET runtime's GC allocation-tick samples (one per ~100 KB allocated) by type, so a profile
/// of where a call's bytes go needs no external tool. Enabled with GRPCBENCH_ALLOCATION_SAMPLES=1.
/// </summary>
internal sealed class AllocationSampler : System.Diagnostics.Tracing.EventListener
{
    private readonly Dictionary<string, long> bytesByType = new(StringComparer.Ordinal);

    public void Print()
    {
        lock (bytesByType)
        {
            foreach (var (type, bytes) in bytesByType.OrderByDescending(entry => entry.Value).Take(25))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ALLOC {bytes / 1048576.0,8:F1} MB  {type}"));
            }
        }
    }

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            // Keyword 0x1 is GC; allocation ticks are only raised at Verbose.
            EnableEvents(eventSource, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.PayloadNames is null)
        {
            return;
        }

        var type = eventData.Payload![eventData.PayloadNames.IndexOf("TypeName")] as string ?? "?";
        var amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
        var amount = amountIndex >= 0 ? Convert.ToInt64(eventData.Payload[amountIndex], CultureInfo.InvariantCulture) : 100_000;
        lock (bytesByType)
        {
            bytesByType[type] = bytesByType.GetValueOrDefault(type) + amount;
        }
    }
}
