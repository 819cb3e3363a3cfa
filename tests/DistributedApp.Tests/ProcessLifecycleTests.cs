using System.Collections.Concurrent;
using System.Text.Json;
using DistributedApp.Processes;

namespace DistributedApp.Tests;

/// <summary>Executables as stand-ins for services: ordering, failures, restarts, stopping, resources.json.</summary>
public sealed class ProcessLifecycleTests : IDisposable
{
    private const string HttpServer = "exec /usr/bin/python3 -m http.server \"$PORT\" --bind 127.0.0.1";
    private readonly string _stateDirectory = TestSupport.NewTempDirectory();

    public void Dispose() => Directory.Delete(_stateDirectory, recursive: true);

    [Fact]
    public async Task A_resource_waiting_for_another_is_launched_only_after_that_one_is_healthy()
    {
        var builder = DistributedApplication.CreateBuilder(TestSupport.Options(_stateDirectory));
        // Listens only after a pause, so "running" and "healthy" are clearly apart.
        var slow = builder.AddExecutable("slow", "/bin/sh", ".", "-c", "sleep 1; " + HttpServer)
            .WithHttpEndpoint(env: "PORT").WithHttpHealthCheck("/");
        builder.AddExecutable("dependent", "/bin/sh", ".", "-c", "exec sleep 600").WaitFor(slow);
        await using var app = builder.Build();
        var events = new ConcurrentQueue<(string Name, ResourceState State)>();
        app.Notifications.SnapshotChanged += s => events.Enqueue((s.Name, s.State));

        await TestSupport.StartHealthyAsync(app);

        var order = events.ToList();
        var slowHealthy = order.IndexOf(("slow", ResourceState.Healthy));
        var dependentRunning = order.IndexOf(("dependent", ResourceState.Running));
        Assert.True(slowHealthy >= 0 && dependentRunning > slowHealthy, string.Join(", ", order));
        Assert.Contains(("dependent", ResourceState.Waiting), order.Take(slowHealthy));
    }

    [Fact]
    public async Task A_killed_process_is_reported_with_its_exit_code_and_restarted_when_configured()
    {
        var builder = DistributedApplication.CreateBuilder(TestSupport.Options(_stateDirectory));
        builder.AddExecutable("web", "/bin/sh", ".", "-c", HttpServer)
            .WithHttpEndpoint(env: "PORT").WithHttpHealthCheck("/").WithRestart(maxRestarts: 3, delay: TimeSpan.FromMilliseconds(200));
        await using var app = builder.Build();
        var restarting = new TaskCompletionSource<ResourceSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Notifications.SnapshotChanged += s =>
        {
            if (s.State == ResourceState.Restarting)
            {
                restarting.TrySetResult(s);
            }
        };
        await TestSupport.StartHealthyAsync(app);
        var firstPid = app.Notifications.GetSnapshot("web").Pid!.Value;

        Assert.True(Signals.Send(firstPid, Signals.SigKill));

        var failed = await restarting.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(137, failed.ExitCode);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.Notifications.WaitForResourceStateAsync("web", ResourceState.Healthy, timeout.Token);
        var back = app.Notifications.GetSnapshot("web");
        Assert.NotEqual(firstPid, back.Pid);
        Assert.Equal(1, back.Restarts);
        using var http = new HttpClient();
        Assert.True((await http.GetAsync(app.GetEndpoint("web"))).IsSuccessStatusCode);
    }

    [Fact]
    public async Task A_process_that_exits_without_a_restart_policy_ends_Exited_with_its_code_and_output()
    {
        var builder = DistributedApplication.CreateBuilder(TestSupport.Options(_stateDirectory));
        builder.AddExecutable("failing", "/bin/sh", ".", "-c", "echo cannot open config >&2; exit 3")
            .WithHttpEndpoint(env: "PORT").WithHttpHealthCheck("/");
        await using var app = builder.Build();
        await app.StartAsync();

        var error = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.WaitForHealthyAsync().WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("exit code 3", error.Message);
        var snapshot = app.Notifications.GetSnapshot("failing");
        Assert.Equal(ResourceState.Exited, snapshot.State);
        Assert.Equal(3, snapshot.ExitCode);
        Assert.Contains(app.Logs.GetRecent("failing"), l => l.IsError && l.Text == "cannot open config");
    }

    [Fact]
    public async Task Stopping_ends_every_process_and_the_children_they_started()
    {
        var builder = DistributedApplication.CreateBuilder(TestSupport.Options(_stateDirectory));
        var redis = builder.AddRedis("redis");
        // The background sleep is a grandchild the shell never waits for; it must not survive either.
        builder.AddExecutable("web", "/bin/sh", ".", "-c", "sleep 600 & " + HttpServer)
            .WithHttpEndpoint(env: "PORT").WithHttpHealthCheck("/").WaitFor(redis);
        var app = builder.Build();
        await TestSupport.StartHealthyAsync(app);
        var pids = app.Notifications.GetSnapshots().Where(s => s.Pid is not null).Select(s => s.Pid!.Value).ToList();
        var tree = pids.Concat(TestSupport.Descendants(Environment.ProcessId).Where(p => pids.Any(root => TestSupport.Descendants(root).Contains(p)))).Distinct().ToList();
        Assert.Equal(2, pids.Count);
        Assert.True(tree.Count >= 3, "expected the background sleep in the tree");

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await app.DisposeAsync();

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"stop took {stopping.Elapsed}");
        Assert.True(await TestSupport.EventuallyAsync(() => tree.All(p => !TestSupport.IsAlive(p)), TimeSpan.FromSeconds(5)),
            "still alive: " + string.Join(", ", tree.Where(TestSupport.IsAlive)));
        Assert.All(app.Notifications.GetSnapshots(), s => Assert.Equal(ResourceState.Stopped, s.State));
    }

    [Fact]
    public async Task Resources_json_lists_every_resource_with_state_pid_and_endpoints_by_name()
    {
        var builder = DistributedApplication.CreateBuilder(TestSupport.Options(_stateDirectory));
        builder.AddRedis("redis");
        builder.AddExecutable("web", "/bin/sh", ".", "-c", HttpServer).WithHttpEndpoint(env: "PORT").WithHttpHealthCheck("/");
        await using var app = builder.Build();
        await TestSupport.StartHealthyAsync(app);

        Assert.Equal(Path.Combine(_stateDirectory, "resources.json"), app.ResourcesFilePath);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(app.ResourcesFilePath));
        Assert.Equal(Environment.ProcessId, document.RootElement.GetProperty("appHostPid").GetInt32());
        var resources = document.RootElement.GetProperty("resources").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(["redis", "web"], resources.Keys.Order());
        var web = resources["web"];
        Assert.Equal("Healthy", web.GetProperty("state").GetString());
        Assert.Equal(app.Notifications.GetSnapshot("web").Pid, web.GetProperty("pid").GetInt32());
        Assert.Equal(app.GetEndpoint("web").GetLeftPart(UriPartial.Authority), web.GetProperty("endpoints").GetProperty("http").GetString());
        Assert.Equal(app.GetConnectionString("redis"), resources["redis"].GetProperty("connectionString").GetString());
        Assert.StartsWith("tcp://127.0.0.1:", resources["redis"].GetProperty("endpoints").GetProperty("tcp").GetString());
    }
}
