using System.Diagnostics;

namespace GrpcRuntime.Tests.Client;

/// <summary>
/// A Python grpcio server (Debian's python3-grpcio) with generic byte handlers, as an independent
/// implementation to check our client against. Started once per test class.
/// </summary>
public sealed class GrpcioPeer : IAsyncLifetime
{
    private const string Script = """
        import sys
        import time
        from concurrent import futures

        import grpc


        def unary(request, context):
            text = request.decode("utf-8")
            if text.startswith("status:"):
                _, code, message = text.split(":", 2)
                context.abort(grpc.StatusCode[code], message)
            if text.startswith("sleep:"):
                end = time.time() + float(text.split(":")[1])
                while time.time() < end and context.is_active():
                    time.sleep(0.01)
                return b"slept"
            if text == "compress":
                context.set_compression(grpc.Compression.Gzip)
                return b"compressed reply " * 100
            if text == "echo-metadata":
                echoed = [(k, v) for k, v in context.invocation_metadata() if k.startswith("x-")]
                context.send_initial_metadata(echoed)
                context.set_trailing_metadata(echoed)
                remaining = context.time_remaining()
                return ("remaining-ms=%d" % int(remaining * 1000)).encode() if remaining is not None else b"no-deadline"
            return b"echo:" + request


        def server_stream(request, context):
            for i in range(int(request.decode("utf-8"))):
                yield ("item-%d" % i).encode()


        def client_stream(request_iterator, context):
            return b"+".join(request_iterator)


        def duplex(request_iterator, context):
            for request in request_iterator:
                yield b"pong:" + request


        handler = grpc.method_handlers_generic_handler("test.v1.Echo", {
            "Unary": grpc.unary_unary_rpc_method_handler(unary),
            "ServerStream": grpc.unary_stream_rpc_method_handler(server_stream),
            "ClientStream": grpc.stream_unary_rpc_method_handler(client_stream),
            "Duplex": grpc.stream_stream_rpc_method_handler(duplex),
        })
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        server.add_generic_rpc_handlers((handler,))
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        print(port, flush=True)
        sys.stdin.read()
        server.stop(0)
        """;

    private Process? process;
    private string? scriptPath;

    public Uri Address { get; private set; } = null!;

    /// <summary>Debian's interpreter has python3-grpcio; another python3 on PATH may not.</summary>
    internal static string PythonExecutable =>
        Environment.GetEnvironmentVariable("GRPC_PYTHON") is { Length: > 0 } configured ? configured
        : File.Exists("/usr/bin/python3") ? "/usr/bin/python3"
        : "python3";

    public async Task InitializeAsync()
    {
        scriptPath = Path.Combine(Path.GetTempPath(), $"grpcio-peer-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(scriptPath, Script);
        var startInfo = new ProcessStartInfo(PythonExecutable, [scriptPath])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start the grpcio peer.");
        var stderr = process.StandardError.ReadToEndAsync();
        var firstLine = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (!int.TryParse(firstLine, out var port))
        {
            throw new InvalidOperationException($"The grpcio peer did not report a port: '{firstLine}'. {await stderr}");
        }

        Address = new Uri($"http://127.0.0.1:{port}");
    }

    public async Task DisposeAsync()
    {
        if (process is not null)
        {
            // Closing stdin is the script's signal to stop; kill only if it does not.
            process.StandardInput.Close();
            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(exited.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        if (scriptPath is not null)
        {
            File.Delete(scriptPath);
        }
    }
}
