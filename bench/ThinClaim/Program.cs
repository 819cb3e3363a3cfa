using System.Net;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using ServiceDefaults;
using StackExchange.Redis;
using ThinClaim.V1;

// ThinClaim: the baseline of bench/claim.sh. Listens for h2c on 127.0.0.1:$THIN_PORT and talks to the Redis in
// ConnectionStrings__redis (host:port), the way the app host hands Redis to Claim.Service. Nothing else: no limits,
// no persistence, no logging above Warning, no telemetry.
// THIN_SERVICE_DEFAULTS=1 runs the same handler as a service of this suite must run: on the service defaults every
// service calls (a token required on every call, the caller and domain-refusal interceptors, health, telemetry
// wiring), with Claim.Service's runtime settings. It measures the floor the platform itself sets under any claim.
var onServiceDefaults = Environment.GetEnvironmentVariable("THIN_SERVICE_DEFAULTS") == "1";
var builder = onServiceDefaults ? WebApplication.CreateBuilder(args) : WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var port = int.Parse(Environment.GetEnvironmentVariable("THIN_PORT") ?? "7191", System.Globalization.CultureInfo.InvariantCulture);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
var redisAddress = builder.Configuration.GetConnectionString("redis") ?? throw new InvalidOperationException("ConnectionStrings:redis is not set");
var multiplexer = await ConnectionMultiplexer.ConnectAsync(redisAddress + ",abortConnect=false");
builder.Services.AddSingleton(multiplexer.GetDatabase());
if (onServiceDefaults)
{
    builder.AddServiceDefaults();
}
else
{
    builder.Services.AddGrpc();
}

builder.Services.AddSingleton<ThinClaimHandler>();

var app = builder.Build();
app.MapGrpcService<ThinClaimHandler>();
if (onServiceDefaults)
{
    app.MapDefaultEndpoints();
}

await app.RunAsync();

/// <summary>
/// The classic flash-sale claim, exactly as issue 12 describes it: SADD the person to the round's set (refuse if already
/// there), DECR the stock, refuse below zero. Nothing is undone on a refusal (the stock goes negative, a refused person
/// stays in the set): the baseline is the cheapest honest decision, so a ratio against it flatters nothing.
/// </summary>
internal sealed class ThinClaimHandler(IDatabase redis) : ThinClaimService.ThinClaimServiceBase
{
    private const string Script = """
        if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 3 end
        if redis.call('DECR', KEYS[2]) < 0 then return 2 end
        return 1
        """;

#pragma warning disable CA5350 // SHA1 is how Redis names a script.
    private static readonly byte[] Sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(Script));
#pragma warning restore CA5350

    public override async Task<ThinClaimReply> Claim(ThinClaimRequest request, ServerCallContext context)
    {
        RedisKey[] keys = ["thin:{" + request.RoundId + "}:persons", "thin:{" + request.RoundId + "}:stock"];
        RedisValue[] values = [request.PersonId];
        RedisResult result;
        try
        {
            result = await redis.ScriptEvaluateAsync(Sha1, keys, values);
        }
        catch (RedisServerException ex) when (ex.Kind == RedisErrorKind.NoScript)
        {
            result = await redis.ScriptEvaluateAsync(Script, keys, values);
        }

        return new ThinClaimReply { Result = (ThinClaimResult)(long)result };
    }
}
