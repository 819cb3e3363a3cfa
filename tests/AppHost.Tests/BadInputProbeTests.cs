using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Grpc.Core;
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

        var bearer = await LocalTokenClient.BearerAsync(app, LocalTokenClient.OperatorClient, cancellationToken);

        var problems = new List<string>();
        var tally = new Dictionary<(bool WithToken, StatusCode Code), int>();
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
                problems.AddRange(await BadInputProbe.ProbeAsync(invoker, service, bearer, tally, cancellationToken));
                probed += service.Methods.Count;
            }
        }

        output.WriteLine($"{probed} methods probed with {Enum.GetValues<ProbeVariant>().Length} requests each; {problems.Count} wrong answers");
        output.WriteLine(string.Join(", ", tally.OrderBy(t => t.Key).Select(t => $"{(t.Key.WithToken ? "token" : "none")}/{t.Key.Code}: {t.Value}")));
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));

        // Without a token every call is refused as unauthenticated; with the operator's, calls reach the services' own checks.
        Assert.Equal([StatusCode.Unauthenticated], tally.Keys.Where(k => !k.WithToken).Select(k => k.Code));
        Assert.True(tally.Where(t => t.Key.WithToken && t.Key.Code is StatusCode.InvalidArgument).Sum(t => t.Value) > probed, "too few calls reached the services' validation");
    }
}
