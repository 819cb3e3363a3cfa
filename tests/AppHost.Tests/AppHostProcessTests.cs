using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ServiceDefaults;
using TestSupport;
using Xunit.Abstractions;

namespace AppHost.Tests;

/// <summary>The app host as a separate process, the way a developer runs it.</summary>
public sealed partial class AppHostProcessTests(ITestOutputHelper output)
{
    private const int SigKill = 9;
    private const int SigTerm = 15;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan CleanUpTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_app_host_gets_every_resource_healthy_lists_them_in_resources_json_shows_them_in_the_dashboard_and_leaves_no_process_after_SIGTERM()
    {
        using var state = new TemporaryStateDirectory();
        var clock = Stopwatch.StartNew();
        using var appHost = AppHostProcess.Start(state.Path, "apphost-sigterm");
        using var timeout = new CancellationTokenSource(StartTimeout + TimeSpan.FromMinutes(1));
        var cancellationToken = timeout.Token;

        var ready = await appHost.WaitForLineAsync(ReadyLine(), StartTimeout);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {ready.Value}");
        Assert.Equal(ResourceNames.All.Count, int.Parse(ready.Groups["count"].Value, CultureInfo.InvariantCulture));
        var dashboard = new Uri(ready.Groups["dashboard"].Value);
        var gateway = new Uri(ready.Groups["gateway"].Value);
        var backOffice = new Uri(ready.Groups["backoffice"].Value);

        // resources.json: every resource Running and Healthy, with endpoints that answer on the ports listed.
        var resources = await WaitForAllHealthyAsync(appHost);
        Assert.Equal(
            ResourceNames.All.Order(StringComparer.Ordinal),
            resources.Select(r => r.Name).Distinct().Order(StringComparer.Ordinal));
        // Isolated from a developer's app host: no endpoint sits on a port fixed in the services' appsettings.
        // (Without RandomizePorts the second app host's DCP fails to bind those silently, reports everything
        // healthy, and its services' clients reach the other app's processes.)
        var fixedPorts = Repository.FixedServicePorts();
        Assert.All(resources.SelectMany(r => r.Endpoints), e => Assert.DoesNotContain(new Uri(e.Url).Port, fixedPorts));
        // Two Claim replicas: ClaimReplicas in the app host's appsettings.json, what a developer gets.
        Assert.Equal(2, resources.Count(r => r.Name == ResourceNames.Claim));

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var service in ResourceNames.Services)
        {
            foreach (var instance in resources.Where(r => r.Name == service))
            {
                await GrpcProbes.AssertServingAsync(service, instance.Endpoint(EndpointNames.Grpc), cancellationToken);
                await AssertOkAsync(http, new Uri(instance.Endpoint(EndpointNames.Http), ServiceDefaultsExtensions.HealthPath), cancellationToken);
                await AssertOkAsync(http, new Uri(instance.Endpoint(EndpointNames.Http), ServiceDefaultsExtensions.AlivePath), cancellationToken);
            }
        }

        foreach (var server in resources.Where(r => r.Name is ResourceNames.Postgres or ResourceNames.Redis))
        {
            using var tcp = new TcpClient();
            var endpoint = server.Endpoint("tcp");
            await tcp.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken);
        }

        var gatewayEntry = Assert.Single(resources, r => r.Name == ResourceNames.Gateway);
        Assert.Equal(gateway, gatewayEntry.Endpoint(EndpointNames.Http));
        await AssertOkAsync(http, new Uri(gateway, ServiceDefaultsExtensions.HealthPath), cancellationToken);
        Assert.Equal(backOffice, Assert.Single(resources, r => r.Name == ResourceNames.BackOffice).Endpoint(EndpointNames.Http));
        await AssertOkAsync(http, new Uri(backOffice, ServiceDefaultsExtensions.HealthPath), cancellationToken);

        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: every endpoint in resources.json answered");

        // The dashboard, as a person sees it.
        await DashboardPage.AssertEveryResourceRunningAsync(
            dashboard,
            [.. resources.Select(r => (r.Name, r.Instance))],
            Path.Combine(Repository.TestResults, "dashboard-resources.png"),
            TimeSpan.FromSeconds(60));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: the dashboard shows every resource Running");

        // SIGTERM (what a script's background job gets; it ignores SIGINT): the app host stops everything.
        var processes = ProcessTree.AppProcesses(appHost.Pid);
        AssertEveryResourceProcessIsAmong(resources, processes);
        var stopping = Stopwatch.StartNew();
        appHost.Signal(SigTerm);
        Assert.True(await appHost.WaitForExitAsync(CleanUpTimeout), $"The app host still runs {CleanUpTimeout} after SIGTERM:\n{appHost.Tail(40)}");
        output.WriteLine($"{stopping.Elapsed.TotalSeconds:F1} s after SIGTERM: the app host exited ({appHost.ExitCode})");
        Assert.Equal(0, appHost.ExitCode);
        var left = await ProcessTree.WaitForAllToEndAsync(processes, CleanUpTimeout - stopping.Elapsed);
        Assert.True(left.Count == 0, $"Still running {CleanUpTimeout} after SIGTERM: {string.Join("; ", left)}");
        output.WriteLine($"{stopping.Elapsed.TotalSeconds:F1} s after SIGTERM: all {processes.Count} processes of the app ended");
    }

    [Fact]
    public async Task Every_process_of_the_app_ends_when_the_app_host_is_killed_with_SIGKILL()
    {
        using var state = new TemporaryStateDirectory();
        var clock = Stopwatch.StartNew();
        using var appHost = AppHostProcess.Start(state.Path, "apphost-sigkill");
        await appHost.WaitForLineAsync(ReadyLine(), StartTimeout);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: all resources healthy");
        var resources = await WaitForAllHealthyAsync(appHost);
        var processes = ProcessTree.AppProcesses(appHost.Pid);
        AssertEveryResourceProcessIsAmong(resources, processes);

        // No chance to clean up: DCP watches the app host's pid and stops every resource itself.
        var stopping = Stopwatch.StartNew();
        appHost.Signal(SigKill);
        Assert.True(await appHost.WaitForExitAsync(TimeSpan.FromSeconds(10)), "The app host survived SIGKILL");
        var left = await ProcessTree.WaitForAllToEndAsync(processes, CleanUpTimeout);
        Assert.True(left.Count == 0, $"Still running {CleanUpTimeout} after the app host was killed: {string.Join("; ", left)}");
        output.WriteLine($"{stopping.Elapsed.TotalSeconds:F1} s after SIGKILL: all {processes.Count} processes of the app ended");
    }

    /// <summary>ResourceBuilderExtensions' ready line: "✔ all N resources healthy — dashboard URL, gateway URL, back office URL".</summary>
    [GeneratedRegex(@"✔ all (?<count>\d+) resources healthy — dashboard (?<dashboard>\S+), gateway (?<gateway>\S+), back office (?<backoffice>\S+)$")]
    private static partial Regex ReadyLine();

    /// <summary>resources.json once every instance is Running and Healthy (it is written from events, so it may trail the ready line a little).</summary>
    private static async Task<IReadOnlyList<ResourceEntry>> WaitForAllHealthyAsync(AppHostProcess appHost)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var resources = appHost.ReadResources().Where(r => r.Type != "Parameter").ToList();
            var notHealthy = resources.Where(r => r.State != "Running" || r.Health != "Healthy").ToList();
            if (notHealthy.Count == 0 && resources.Count > 0)
            {
                return resources;
            }

            Assert.True(DateTime.UtcNow < deadline, "Not Running/Healthy in resources.json: " + string.Join("; ", notHealthy));
            await Task.Delay(200);
        }
    }

    /// <summary>The walk found the whole app: every resource's pid is among the processes collected.</summary>
    private static void AssertEveryResourceProcessIsAmong(IReadOnlyList<ResourceEntry> resources, IReadOnlyList<ProcessIdentity> processes)
    {
        foreach (var resource in resources.Where(r => r.Type != "PostgresDatabaseResource"))
        {
            Assert.True(resource.Pid is { } pid && processes.Any(p => p.Pid == pid),
                $"{resource} is not among the app's processes: {string.Join("; ", processes)}");
        }
    }

    private static async Task AssertOkAsync(HttpClient http, Uri address, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(address, cancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK,
            $"GET {address}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
    }
}
