using System.Diagnostics;
using System.Globalization;
using RedisClient;

// Usage: RedisClaimBench <host:port> [callers=256] [seconds=10] [warmupSeconds=2]
// Prints "ops_per_sec=<n>" on its last line for the driving script.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: RedisClaimBench <host:port> [callers] [seconds] [warmupSeconds]");
    return 2;
}

var endPoint = args[0];
var callers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 256;
var measured = TimeSpan.FromSeconds(args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 10);
var warmup = TimeSpan.FromSeconds(args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 2);
const int PersonRange = 1_000_000;

var script = new RedisScript(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "claim.lua")));
await using var connection = await RedisConnection.ConnectAsync($"{endPoint},protocol=resp2");
var db = connection.GetDatabase();
await connection.PreloadScriptAsync(script);

long completed = 0;
long failed = 0;
long claimed = 0;
var stop = false;
var workers = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
{
    var keys = new string[2];
    keys[1] = "stock";
    RedisValue[] values = ["round-1"];
    while (!Volatile.Read(ref stop))
    {
        keys[0] = "person:" + Random.Shared.Next(PersonRange).ToString(CultureInfo.InvariantCulture);
        try
        {
            var outcome = (long)await db.ScriptEvaluateAsync(script, keys, values);
            if (outcome == 1)
            {
                Interlocked.Increment(ref claimed);
            }

            Interlocked.Increment(ref completed);
        }
        catch (RedisException)
        {
            Interlocked.Increment(ref failed);
        }
    }
})).ToArray();

await Task.Delay(warmup);
var startCount = Interlocked.Read(ref completed);
var clock = Stopwatch.StartNew();
await Task.Delay(measured);
var endCount = Interlocked.Read(ref completed);
var elapsed = clock.Elapsed;
Volatile.Write(ref stop, true);
await Task.WhenAll(workers);

var opsPerSecond = (endCount - startCount) / elapsed.TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RedisClient EVALSHA claim: {callers} callers, {elapsed.TotalSeconds:0.0} s measured, {endCount - startCount} ops, {Interlocked.Read(ref claimed)} claims, {Interlocked.Read(ref failed)} errors"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ops_per_sec={opsPerSecond:0}"));
return Interlocked.Read(ref failed) == 0 ? 0 : 1;
