using System.Globalization;
using System.Net;
using Grpc.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Interop;

// Flags as the gRPC project's interop clients take them: --name value or --name=value.
var options = CommandLine.Parse(args);
if (options is null || !options.TryGetValue("server_port", out var portText) || !int.TryParse(portText, CultureInfo.InvariantCulture, out var port)
    || !options.TryGetValue("test_case", out var testCase) || !InteropCases.Names.Contains(testCase))
{
    Console.Error.WriteLine("usage: InteropClient --server_host HOST --server_port PORT --test_case NAME [--use_tls false]");
    Console.Error.WriteLine("cases: " + string.Join(", ", InteropCases.Names));
    return 2;
}

if (options.TryGetValue("use_tls", out var useTls) && useTls != "false")
{
    Console.Error.WriteLine("TLS is not supported by this client; run it in plaintext.");
    return 2;
}

var host = options.GetValueOrDefault("server_host", "127.0.0.1");
var address = new UriBuilder(Uri.UriSchemeHttp, host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host, port).Uri;
using var responseFlags = new ResponseFlagRecorder(new SocketsHttpHandler
{
    AutomaticDecompression = DecompressionMethods.None,
    UseProxy = false,
    UseCookies = false,
});
using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = responseFlags });
var cases = new InteropCases(new TestService.TestServiceClient(channel), new UnimplementedService.UnimplementedServiceClient(channel), responseFlags);

try
{
    await cases.RunAsync(testCase);
}
catch (InteropCaseFailedException failure)
{
    Console.Error.WriteLine($"{testCase}: FAILED: {failure.Message}");
    return 1;
}
catch (RpcException failure)
{
    Console.Error.WriteLine($"{testCase}: FAILED: unexpected status {failure.StatusCode}: {failure.Status.Detail}");
    return 1;
}

Console.WriteLine($"{testCase}: passed");
return 0;

internal static class CommandLine
{
    /// <summary>Returns null when an argument is not a --flag.</summary>
    public static Dictionary<string, string>? Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                return null;
            }

            var flag = args[i][2..];
            var equals = flag.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                values[flag[..equals]] = flag[(equals + 1)..];
            }
            else if (i + 1 < args.Length)
            {
                values[flag] = args[++i];
            }
            else
            {
                return null;
            }
        }

        return values;
    }
}
