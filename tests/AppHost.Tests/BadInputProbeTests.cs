using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Grpc.Net.Client;
using ServiceDefaults;
using TestSupport;
using Xunit.Abstractions;

namespace AppHost.Tests;

/// <summary>
/// A client we never see sends every call of the platform empty, full of nonsense and oversized, as nobody and as an
/// operator: each must answer with a status that names the mistake, never UNKNOWN or INTERNAL, and never hang.
/// </summary>
public sealed class BadInputProbeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_call_of_every_service_answers_bad_input_with_a_client_error_and_a_message()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var cancellationToken = timeout.Token;
        using var state = new TemporaryStateDirectory();
        var builder = await AppHostTesting.CreateBuilderAsync(state.Path, cancellationToken: cancellationToken);
        await using var app = await builder.BuildAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
        await Task.WhenAll(ResourceNames.Services.Select(name => app.ResourceNotifications.WaitForResourceHealthyAsync(name, cancellationToken)));

        var problems = new List<string>();
        var probed = 0;
        foreach (var resource in ResourceNames.Services)
        {
            var address = app.GetEndpoint(resource, EndpointNames.Grpc);
            using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = null });
            var invoker = channel.CreateCallInvoker();
            foreach (var name in await GrpcProbes.ListServicesAsync(address, cancellationToken))
            {
                if (name.StartsWith("grpc.", StringComparison.Ordinal))
                {
                    continue;
                }

                Assert.True(BadInputProbe.DeclaredServices.TryGetValue(name, out var service), $"{resource} serves {name}, which no proto declares");
                problems.AddRange(await BadInputProbe.ProbeAsync(invoker, service, cancellationToken));
                probed += service.Methods.Count;
            }
        }

        output.WriteLine($"{probed} methods probed with {Enum.GetValues<ProbeVariant>().Length} requests each; {problems.Count} wrong answers");
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }
}
