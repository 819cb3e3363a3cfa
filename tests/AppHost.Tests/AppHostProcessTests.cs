using System.Diagnostics;
using System.Text.Json;
using ServiceDefaults;

namespace AppHost.Tests;

/// <summary>The acceptance runs: the app host process started as a developer starts it.</summary>
public sealed class AppHostProcessTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);
    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("apphost-tests-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task The_app_host_brings_everything_to_healthy_brings_back_a_killed_service_and_stops_cleanly_on_SIGINT()
    {
        using var appHost = AppHostProcess.Start(_stateDirectory);

        await appHost.WaitForLineAsync(l => l.Contains($"all {ResourceNames.All.Count} resources healthy"), StartTimeout);
        await appHost.WaitForLineAsync(l => l.Trim() == $"gateway: http://127.0.0.1:{appHost.GatewayPort}", TimeSpan.FromSeconds(5));
        Assert.Contains(appHost.Lines, l => l.Contains("RESOURCE") && l.Contains("STATE") && l.Contains("ENDPOINTS"));
        var resources = appHost.ReadResources();
        Assert.Equal(ResourceNames.All.Order(), resources.Keys.Order());
        Assert.All(resources.Values, r => Assert.Equal("Healthy", r.GetProperty("state").GetString()));
        foreach (var service in ResourceNames.Services.Append(ResourceNames.Gateway))
        {
            var endpoints = resources[service].GetProperty("endpoints");
            Assert.StartsWith("http://127.0.0.1:", endpoints.GetProperty("grpc").GetString());
            Assert.StartsWith("http://127.0.0.1:", endpoints.GetProperty("http").GetString());
        }

        using (var http = new HttpClient())
        {
            var health = await http.GetAsync($"http://127.0.0.1:{appHost.GatewayPort}/health");
            Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
        }

        // A crash of one service: shown on the console, then the service is back on its own.
        var claimPid = resources[ResourceNames.Claim].GetProperty("pid").GetInt32();
        Assert.Contains(claimPid, ProcessTree.Descendants(appHost.Pid));
        Kill(claimPid);
        await appHost.WaitForLineAsync(l => l.Contains($"✖ {ResourceNames.Claim} exited with code 137"), TimeSpan.FromSeconds(30));
        var back = await WaitForAsync(() =>
        {
            var claim = appHost.ReadResources()[ResourceNames.Claim];
            return claim.GetProperty("state").GetString() == "Healthy" && claim.GetProperty("pid").GetInt32() != claimPid ? claim : (JsonElement?)null;
        }, TimeSpan.FromSeconds(90));
        Assert.True(back is not null, "claim did not come back healthy:\n" + appHost.Tail(60));
        Assert.Equal(1, back.Value.GetProperty("restarts").GetInt32());

        // Ctrl+C: everything stops, nothing is left behind.
        var tree = ProcessTree.Descendants(appHost.Pid);
        Assert.True(tree.Count >= 7, "expected postgres, redis and five projects among: " + string.Join(", ", tree));
        var stopping = Stopwatch.StartNew();
        appHost.Signal(2);
        Assert.True(await appHost.WaitForExitAsync(TimeSpan.FromSeconds(30)), "app host still running 30 s after SIGINT:\n" + appHost.Tail(40));
        stopping.Stop();
        Assert.Equal(0, appHost.ExitCode);
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(15), $"stopping took {stopping.Elapsed}");
        Assert.True(await ProcessTree.AllDeadAsync(tree, TimeSpan.FromSeconds(5)),
            "left behind: " + string.Join("; ", tree.Where(ProcessTree.IsAlive).Select(ProcessTree.Describe)));
        Assert.All(appHost.ReadResources().Values, r => Assert.Equal("Stopped", r.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task Every_child_dies_with_the_app_host_when_the_app_host_is_killed()
    {
        // --no-build: the test project's own build produced the services' output.
        using var appHost = AppHostProcess.Start(_stateDirectory, "--no-build");
        await appHost.WaitForLineAsync(l => l.Contains($"all {ResourceNames.All.Count} resources healthy"), StartTimeout);
        var tree = ProcessTree.Descendants(appHost.Pid);
        Assert.True(tree.Count >= 7, "expected postgres, redis and five projects among: " + string.Join(", ", tree));

        appHost.Signal(9);

        Assert.True(await appHost.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await ProcessTree.AllDeadAsync(tree, TimeSpan.FromSeconds(15)),
            "orphans: " + string.Join("; ", tree.Where(ProcessTree.IsAlive).Select(ProcessTree.Describe)));
    }

    private static void Kill(int pid) => Process.GetProcessById(pid).Kill();

    private static async Task<JsonElement?> WaitForAsync(Func<JsonElement?> probe, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } found)
            {
                return found;
            }

            await Task.Delay(250);
        }

        return probe();
    }
}
