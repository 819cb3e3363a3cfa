using System.Globalization;

namespace Interop.Tests;

/// <summary>A server of its own, so that flipping health states cannot leak into the interop pairings.</summary>
public sealed class StandardServicesServer() : InteropServerFixture(Implementation.Ours);

/// <summary>Server reflection and health on our server, checked with grpcio as the client.</summary>
public sealed class StandardServicesTests(StandardServicesServer server) : IClassFixture<StandardServicesServer>
{
    private const string TestService = "grpc.testing.TestService";

    [Theory]
    [InlineData("v1")]
    [InlineData("v1alpha")]
    public async Task Grpcio_lists_services_through_reflection_and_builds_their_file_descriptors(string version)
    {
        var output = await RunCheckerAsync(
            "reflection", "--version", version,
            "--expect_service", TestService,
            "--expect_service", "grpc.health.v1.Health",
            "--expect_service", "grpc.reflection.v1.ServerReflection",
            "--expect_service", "grpc.reflection.v1alpha.ServerReflection");

        Assert.Contains($"{TestService} (grpc/testing/test.proto): EmptyCall, UnaryCall, CacheableUnaryCall", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_check_answers_serving_for_the_server_and_its_service_and_not_found_for_others()
    {
        var output = await RunCheckerAsync("health_check", "--serving", string.Empty, "--serving", TestService, "--not_found", "no.such.Service");

        Assert.Contains($"check '{TestService}': SERVING", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_watch_streams_not_serving_when_the_service_is_marked_not_serving()
    {
        using var watcher = InteropPrograms.StartPython("standard_services_client.py", ServerArguments.Concat(["health_watch", "--service", TestService]));
        await watcher.WaitForLineAsync(line => line == "watch: SERVING", InteropPrograms.StartupTimeout);

        try
        {
            await SetHealthAsync(TestService, "NOT_SERVING");
            var exitCode = await watcher.WaitForExitAsync(InteropPrograms.ClientTimeout);

            Assert.True(exitCode == 0, $"the watcher exited with {exitCode}:\n{watcher.Output}");
            Assert.Contains("watch: NOT_SERVING", watcher.Output, StringComparison.Ordinal);
        }
        finally
        {
            await SetHealthAsync(TestService, "SERVING");
        }
    }

    private string[] ServerArguments => ["--server_port", server.Port.ToString(CultureInfo.InvariantCulture)];

    /// <summary>InteropServer takes "health SERVICE STATUS" lines on stdin and acknowledges each.</summary>
    private async Task SetHealthAsync(string service, string status)
    {
        var from = server.Process.LineCount;
        await server.Process.WriteLineAsync($"health {service} {status}");
        await server.Process.WaitForLineAsync(line => line == $"health {service} {status}", InteropPrograms.StartupTimeout, from);
    }

    private async Task<string> RunCheckerAsync(params string[] arguments)
    {
        using var checker = InteropPrograms.StartPython("standard_services_client.py", ServerArguments.Concat(arguments));
        var exitCode = await checker.WaitForExitAsync(InteropPrograms.ClientTimeout);
        Assert.True(exitCode == 0, $"standard_services_client.py {string.Join(' ', arguments)} exited with {exitCode}:\n{checker.Output}\n--- server output ---\n{server.Output}");
        return checker.Output;
    }
}
