using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using ServiceDefaults;
using TestSupport;
using Xunit.Abstractions;

namespace AppHost.Tests;

/// <summary>The app host's application model, started in-process through Aspire.Hosting.Testing.</summary>
public sealed class ApplicationModelTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_resource_becomes_healthy_and_every_service_answers_grpc_health_reflection_and_http_health()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var cancellationToken = timeout.Token;
        using var state = new TemporaryStateDirectory();
        var builder = await AppHostTesting.CreateBuilderAsync(state.Path, cancellationToken: cancellationToken);

        // The model is exactly the resources the services and scripts know by name (parameters aside;
        // explicit-start resources are Aspire's hidden per-project rebuilders, which never start by themselves).
        Assert.Equal(
            ResourceNames.All.Order(StringComparer.Ordinal),
            builder.Resources
                .Where(r => r is not ParameterResource && !r.Annotations.OfType<ExplicitStartupAnnotation>().Any())
                .Select(r => r.Name)
                .Order(StringComparer.Ordinal));

        await using var app = await builder.BuildAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
        await Task.WhenAll(ResourceNames.All.Select(name => app.ResourceNotifications.WaitForResourceHealthyAsync(name, cancellationToken)));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: every resource healthy");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var service in ResourceNames.Services)
        {
            await GrpcProbes.AssertServingAsync(service, app.GetEndpoint(service, EndpointNames.Grpc), cancellationToken);

            var endpoint = app.GetEndpoint(service, EndpointNames.Http);
            var health = await http.GetAsync(new Uri(endpoint, ServiceDefaultsExtensions.HealthPath), cancellationToken);
            var report = await health.Content.ReadAsStringAsync(cancellationToken);
            Assert.True(health.StatusCode == HttpStatusCode.OK, $"{service} /health: {(int)health.StatusCode} {report}");
            Assert.StartsWith("Healthy", report, StringComparison.Ordinal);
            var alive = await http.GetAsync(new Uri(endpoint, ServiceDefaultsExtensions.AlivePath), cancellationToken);
            Assert.True(alive.StatusCode == HttpStatusCode.OK, $"{service} /alive: {(int)alive.StatusCode}");
        }

        var gateway = await http.GetAsync(new Uri(app.GetEndpoint(ResourceNames.Gateway, EndpointNames.Http), ServiceDefaultsExtensions.HealthPath), cancellationToken);
        Assert.Equal(HttpStatusCode.OK, gateway.StatusCode);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: every endpoint answered");
    }
}
