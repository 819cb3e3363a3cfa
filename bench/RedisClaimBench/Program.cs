using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

// Usage: RedisClaimBench <host:port> [callers=256] [seconds=10] [warmupSeconds=2] [mode=sha]
// mode "sha": EVALSHA with the script's SHA1 computed here, as Claim.Service's RedisScript calls it.
// mode "text": the script text handed to StackExchange.Redis, which loads it and sends EVALSHA from its own cache.
// Prints "ops_per_sec=<n>" and "cpu_us_per_op=<n>" on its last lines for the driving script.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: RedisClaimBench <host:port> [callers] [seconds] [warmupSeconds] [sha|text]");
    return 2;
}

var endPoint = args[0];
var callers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 256;
var measured = TimeSpan.FromSeconds(args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 10);
var warmup = TimeSpan.FromSeconds(args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 2);
var mode = args.Length > 4 ? args[4] : "sha";
const int PersonRange = 1_000_000;

var body = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "claim.lua"));
#pragma warning disable CA5350 // SHA1 names the script in Redis; not a security measure.
var sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(body));
#pragma warning restore CA5350

// RESP2, as redis-benchmark speaks; admin only so that the script can be loaded up front.
await using var connection = await ConnectionMultiplexer.ConnectAsync($"{endPoint},protocol=resp2,allowAdmin=true");
var db = connection.GetDatabase();
await connection.GetServers()[0].ScriptLoadAsync(body);

long completed = 0;
long failed = 0;
long claimed = 0;
var stop = false;
var workers = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
{
    RedisKey[] keys = [default, "stock"];
    RedisValue[] values = ["round-1"];
    while (!Volatile.Read(ref stop))
    {
        keys[0] = "person:" + Random.Shared.Next(PersonRange).ToString(CultureInfo.InvariantCulture);
        try
        {
            var result = mode == "text"
                ? await db.ScriptEvaluateAsync(body, keys, values)
                : await db.ScriptEvaluateAsync(sha1, keys, values);
            if ((long)result == 1)
            {
                Interlocked.Increment(ref claimed);
            }

            Interlocked.Increment(ref completed);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Interlocked.Increment(ref failed);
        }
    }
})).ToArray();

await Task.Delay(warmup);
using var self = Process.GetCurrentProcess();
self.Refresh();
var startCpu = self.TotalProcessorTime;
var startCount = Interlocked.Read(ref completed);
var clock = Stopwatch.StartNew();
await Task.Delay(measured);
var endCount = Interlocked.Read(ref completed);
var elapsed = clock.Elapsed;
self.Refresh();
var cpu = self.TotalProcessorTime - startCpu;
Volatile.Write(ref stop, true);
await Task.WhenAll(workers);

var ops = endCount - startCount;
var opsPerSecond = ops / elapsed.TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"StackExchange.Redis EVALSHA claim ({mode}): {callers} callers, {elapsed.TotalSeconds:0.0} s measured, {ops} ops, {Interlocked.Read(ref claimed)} claims, {Interlocked.Read(ref failed)} errors, {cpu.TotalSeconds:0.00} s CPU"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ops_per_sec={opsPerSecond:0}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cpu_us_per_op={cpu.TotalMicroseconds / Math.Max(1, ops):0.00}"));
return Interlocked.Read(ref failed) == 0 ? 0 : 1;
