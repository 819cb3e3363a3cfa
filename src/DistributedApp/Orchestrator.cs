using System.Diagnostics;
using DistributedApp.Processes;

namespace DistributedApp;

/// <summary>Runs each resource's life: wait for dependencies, prepare, launch, probe health, restart, stop.</summary>
internal sealed class Orchestrator : IDisposable
{
    private static readonly TimeSpan StartupProbeInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RunningProbeInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);
    private const int FailedProbesBeforeUnhealthy = 3;

    private readonly DistributedApplication _app;
    private readonly Lock _gate = new();
    private readonly Dictionary<Resource, RunningProcess> _running = [];
    private readonly List<Task> _lifecycles = [];
    private readonly CancellationTokenSource _runCancellation = new();
    private readonly CancellationTokenSource _forceStop = new();
    private readonly HttpClient _http = new() { Timeout = ProbeTimeout };
    private readonly RunContext _context;
    private Task? _build;
    private bool _started;
    private bool _stopping;
    private Task? _stopTask;

    public Orchestrator(DistributedApplication app, string stateDirectory)
    {
        _app = app;
        _context = app.CreateRunContext(_http);
        _ = stateDirectory;
        foreach (var resource in app.Resources)
        {
            app.Notifications.Publish(new ResourceSnapshot(
                resource.Name, resource.Kind, ResourceState.NotStarted, null, EndpointMap(resource), null, 0, null));
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_started)
            {
                throw new InvalidOperationException("The application has already been started.");
            }

            _started = true;
        }

        cancellationToken.Register(() => _runCancellation.Cancel());
        var token = _runCancellation.Token;
        var projects = _app.Resources.OfType<ProjectResource>().ToList();
        if (projects.Count > 0 && _app.Options.BuildProjects)
        {
            foreach (var project in projects)
            {
                SetState(project, ResourceState.Building, message: "dotnet build");
            }

            _build = Task.Run(() => BuildProjectsAsync(projects, token), token);
        }

        foreach (var resource in _app.Resources)
        {
            _lifecycles.Add(Task.Run(() => RunLifecycleAsync(resource, token), CancellationToken.None));
        }

        return Task.CompletedTask;
    }

    public void ForceStop() => _forceStop.Cancel();

    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _stopTask ??= StopCoreAsync();
        }

        return _stopTask.WaitAsync(cancellationToken);
    }

    private async Task StopCoreAsync()
    {
        lock (_gate)
        {
            _stopping = true;
        }

        await _runCancellation.CancelAsync();
        var deadline = Stopwatch.StartNew();
        var budget = _app.Options.StopTimeout;

        // Dependents first: a service should not see its database vanish while it still serves.
        foreach (var tier in StopTiers())
        {
            List<(Resource Resource, RunningProcess Process)> running;
            lock (_gate)
            {
                running = [.. tier.Where(_running.ContainsKey).Select(r => (r, _running[r]))];
            }

            var remaining = budget - deadline.Elapsed;
            var tierTimeout = remaining < TimeSpan.FromSeconds(5) ? remaining : TimeSpan.FromSeconds(5);
            await Task.WhenAll(running.Select(r => StopProcessAsync(r.Resource, r.Process, tierTimeout)));
        }

        try
        {
            await Task.WhenAll(_lifecycles).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // A lifecycle stuck in a probe must not hold up the stop; its process is already gone.
        }

        foreach (var resource in _app.Resources)
        {
            var snapshot = _app.Notifications.GetSnapshot(resource.Name);
            if (snapshot.State is not (ResourceState.Exited or ResourceState.FailedToStart))
            {
                _app.Notifications.Publish(snapshot with { State = ResourceState.Stopped, Pid = null });
            }
        }

    }

    public void Dispose()
    {
        _http.Dispose();
        _runCancellation.Dispose();
        _forceStop.Dispose();
    }

    private async Task StopProcessAsync(Resource resource, RunningProcess running, TimeSpan timeout)
    {
        var process = running.Process;
        if (!process.HasExited)
        {
            SetState(resource, ResourceState.Stopping, pid: process.Id);
            Signals.Send(process.Id, running.StopSignal);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(_forceStop.Token);
            wait.CancelAfter(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero);
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _context.Announce(resource, $"did not stop within {timeout.TotalSeconds:0.#}s: killing it");
            }
        }

        // Children the program left behind (or the whole tree on timeout) share its process group.
        Signals.SendToGroup(process.Id, Signals.SigKill);
        Signals.Send(process.Id, Signals.SigKill);
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(3));
        }
        catch (TimeoutException)
        {
            _context.Announce(resource, $"pid {process.Id} survived SIGKILL for 3s");
        }

        var exitCode = process.HasExited ? process.ExitCode : (int?)null;
        process.Dispose();
        _app.Notifications.Update(resource.Name, s => s with { State = ResourceState.Stopped, Pid = null, ExitCode = exitCode, Message = null });
    }

    private List<List<Resource>> StopTiers()
    {
        var depth = new Dictionary<Resource, int>();
        int Depth(Resource resource, int guard)
        {
            if (depth.TryGetValue(resource, out var known))
            {
                return known;
            }

            var value = guard > 64 ? 0 : DistributedApplicationBuilder.Dependencies(resource)
                .Where(d => _app.Resources.Contains(d))
                .Select(d => Depth(d, guard + 1) + 1)
                .DefaultIfEmpty(0)
                .Max();
            depth[resource] = value;
            return value;
        }

        return [.. _app.Resources.GroupBy(r => Depth(r, 0)).OrderByDescending(g => g.Key).Select(g => g.ToList())];
    }

    private async Task BuildProjectsAsync(List<ProjectResource> projects, CancellationToken cancellationToken)
    {
        _context.Logs.Write("build", $"» dotnet build of {string.Join(", ", projects.Select(p => p.ProjectName))} ({_context.Configuration})");
        await ProjectBuild.BuildAsync(projects, _context, line => _context.Logs.Write("build", line), cancellationToken);
        _context.Logs.Write("build", "» build succeeded");
    }

    private async Task RunLifecycleAsync(Resource resource, CancellationToken cancellationToken)
    {
        try
        {
            if (resource is ProjectResource && _build is not null)
            {
                await _build;
            }

            var dependencies = DistributedApplicationBuilder.Dependencies(resource)
                .Where(d => resource.WaitsFor.Contains(d) || ReferenceEquals(d, resource.Parent))
                .Distinct()
                .ToList();
            if (dependencies.Count > 0)
            {
                SetState(resource, ResourceState.Waiting, message: "waiting for " + string.Join(", ", dependencies.Select(d => d.Name)));
                foreach (var dependency in dependencies)
                {
                    try
                    {
                        await _app.Notifications.WaitForResourceHealthyAsync(dependency.Name, cancellationToken);
                    }
                    catch (DistributedApplicationException ex)
                    {
                        throw new DistributedApplicationException($"dependency '{dependency.Name}' did not become healthy: {ex.Message}", ex);
                    }
                }
            }

            SetState(resource, ResourceState.Starting);
            await resource.PrepareAsync(_context, cancellationToken);
            if (resource.CreateProcess(_context) is null)
            {
                await FollowParentAsync(resource, cancellationToken);
                return;
            }

            await RunProcessLoopAsync(resource, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: StopAsync records the final state.
        }
#pragma warning disable CA1031 // Any failure of one resource is reported on that resource; the others keep running.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var message = ex is DistributedApplicationException ? ex.Message : ex.GetType().Name + ": " + ex.Message;
            _context.Logs.Write(resource.Name, "» failed to start: " + message, isError: true);
            if (resource is ProjectResource && _build is { IsFaulted: true })
            {
                message = "build failed";
            }

            SetState(resource, ResourceState.FailedToStart, message: message);
        }
    }

    /// <summary>
    /// A resource without a process (a database) is healthy while its parent is: when the server goes
    /// down it waits again, and is probed again once the server is back.
    /// </summary>
    private async Task FollowParentAsync(Resource resource, CancellationToken cancellationToken)
    {
        while (true)
        {
            await ProbeUntilHealthyAsync(resource, process: null, cancellationToken);
            if (resource.Parent is not { } parent)
            {
                return;
            }

            await WaitUntilAsync(parent.Name, s => s.State != ResourceState.Healthy && s.State != ResourceState.Unhealthy, cancellationToken);
            var parentState = _app.Notifications.GetSnapshot(parent.Name);
            SetState(resource, ResourceState.Waiting, message: $"{parent.Name} is {parentState.State}");
            if (parentState.IsTerminal)
            {
                return;
            }

            await _app.Notifications.WaitForResourceStateAsync(parent.Name, ResourceState.Healthy, cancellationToken);
        }
    }

    private async Task WaitUntilAsync(string name, Func<ResourceSnapshot, bool> condition, CancellationToken cancellationToken)
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(ResourceSnapshot snapshot)
        {
            if (snapshot.Name == name && condition(snapshot))
            {
                changed.TrySetResult();
            }
        }

        _app.Notifications.SnapshotChanged += OnChanged;
        try
        {
            if (!condition(_app.Notifications.GetSnapshot(name)))
            {
                await changed.Task.WaitAsync(cancellationToken);
            }
        }
        finally
        {
            _app.Notifications.SnapshotChanged -= OnChanged;
        }
    }

    private async Task RunProcessLoopAsync(Resource resource, CancellationToken cancellationToken)
    {
        var restarts = 0;
        while (true)
        {
            var spec = resource.CreateProcess(_context)!;
            var process = await ProcessLauncher.StartAsync(
                spec,
                line => _context.Logs.Write(resource.Name, line),
                line => _context.Logs.Write(resource.Name, line, isError: true));

            lock (_gate)
            {
                if (_stopping)
                {
                    Signals.SendToGroup(process.Id, Signals.SigKill);
                    Signals.Send(process.Id, Signals.SigKill);
                    process.Dispose();
                    return;
                }

                _running[resource] = new RunningProcess(process, spec.StopSignal);
            }

            _app.Notifications.Update(resource.Name, s => s with
            {
                State = ResourceState.Running, Pid = process.Id, ExitCode = null, Restarts = restarts, Message = null,
            });

            using var probing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var probe = ProbeUntilStoppedAsync(resource, process, probing.Token);
            await process.WaitForExitAsync(CancellationToken.None);
            await probing.CancelAsync();
            await probe;

            lock (_gate)
            {
                if (_stopping)
                {
                    return;
                }

                _running.Remove(resource);
            }

            var exitCode = process.ExitCode;
            var pid = process.Id;
            process.Dispose();
            // Whatever the program started in its group goes with it.
            Signals.SendToGroup(pid, Signals.SigKill);

            if (resource.Restart is { } policy && restarts < policy.MaxRestarts)
            {
                restarts++;
                _app.Notifications.Update(resource.Name, s => s with
                {
                    State = ResourceState.Restarting, Pid = null, ExitCode = exitCode, Restarts = restarts,
                    Message = $"restart {restarts} of {policy.MaxRestarts} in {policy.Delay.TotalSeconds:0.#}s",
                });
                await Task.Delay(policy.Delay, _context.TimeProvider, cancellationToken);
                continue;
            }

            _app.Notifications.Update(resource.Name, s => s with
            {
                State = ResourceState.Exited, Pid = null, ExitCode = exitCode, Message = null,
            });
            return;
        }
    }

    private async Task ProbeUntilStoppedAsync(Resource resource, Process process, CancellationToken cancellationToken)
    {
        try
        {
            await ProbeUntilHealthyAsync(resource, process, cancellationToken);
            var failures = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(RunningProbeInterval, _context.TimeProvider, cancellationToken);
                if (await ProbeAsync(resource, cancellationToken))
                {
                    failures = 0;
                    if (_app.Notifications.GetSnapshot(resource.Name).State == ResourceState.Unhealthy)
                    {
                        SetState(resource, ResourceState.Healthy, pid: process.Id);
                    }
                }
                else if (++failures == FailedProbesBeforeUnhealthy && !process.HasExited)
                {
                    SetState(resource, ResourceState.Unhealthy, pid: process.Id, message: "health checks failing");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The process exited or the app is stopping.
        }
    }

    private async Task ProbeUntilHealthyAsync(Resource resource, Process? process, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process is { HasExited: true })
            {
                throw new OperationCanceledException();
            }

            if (await ProbeAsync(resource, cancellationToken))
            {
                try
                {
                    await resource.OnHealthyAsync(_context, cancellationToken);
                    SetState(resource, ResourceState.Healthy, pid: process?.Id);
                    return;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _context.Logs.Write(resource.Name, "» " + ex.Message, isError: true);
                }
            }

            await Task.Delay(StartupProbeInterval, _context.TimeProvider, cancellationToken);
        }
    }

    private async Task<bool> ProbeAsync(Resource resource, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            return await resource.CheckHealthAsync(_context, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private void SetState(Resource resource, ResourceState state, int? pid = null, string? message = null) =>
        _app.Notifications.Update(resource.Name, s => s with
        {
            State = state,
            Pid = pid ?? (state is ResourceState.Healthy or ResourceState.Unhealthy ? s.Pid : null),
            Message = message,
        });

    internal static Dictionary<string, string> EndpointMap(Resource resource) =>
        resource.Endpoints.Where(e => e.IsAllocated).ToDictionary(e => e.Name, e => e.UrlString, StringComparer.Ordinal);

    private sealed record RunningProcess(Process Process, int StopSignal);
}
