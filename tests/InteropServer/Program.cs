using System.Globalization;
using System.Net;
using Interop;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// Flags as the gRPC project's interop servers take them: --port P (0 picks a free port) and
// --use_tls false. Plaintext HTTP/2 (h2c) on 127.0.0.1 only.
if (!TryParsePort(args, out var port))
{
    Console.Error.WriteLine("usage: InteropServer --port PORT [--use_tls false]");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
builder.Services.AddGrpc();
builder.Services.AddGrpcReflection();
var healthSwitch = new HealthSwitch();
builder.Services.AddGrpcHealthChecks(health => health.Services.Map(HealthSwitch.ServiceName, check => check.Name == HealthSwitch.ServiceName))
    .AddCheck(HealthSwitch.ServiceName, healthSwitch);

var app = builder.Build();
app.UseMiddleware<ReceivedMessageFlagsMiddleware>();
app.MapGrpcService<TestServiceImplementation>();
app.MapGrpcHealthChecksService();
app.MapGrpcReflectionService();

await app.StartAsync();
var boundAddress = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"listening on 127.0.0.1:{new Uri(boundAddress).Port.ToString(CultureInfo.InvariantCulture)}");

// stdin carries test-only commands (see HealthSwitch); a closed stdin just ends them.
_ = healthSwitch.RunCommandsAsync(Console.In, Console.Out, app.Services.GetRequiredService<Grpc.HealthCheck.HealthServiceImpl>(), app.Lifetime.ApplicationStopping);

await app.WaitForShutdownAsync();
return 0;

static bool TryParsePort(string[] args, out int port)
{
    port = -1;
    for (var i = 0; i < args.Length; i++)
    {
        var (flag, value) = args[i].Split('=', 2) is [var f, var v] ? (f, v) : (args[i], i + 1 < args.Length ? args[++i] : null);
        switch (flag)
        {
            case "--port" when int.TryParse(value, CultureInfo.InvariantCulture, out var parsed) && parsed is >= 0 and <= 65535:
                port = parsed;
                break;
            case "--use_tls" when value == "false":
                break;
            default:
                return false;
        }
    }

    return port >= 0;
}
