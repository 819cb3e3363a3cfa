using DistributedApp.Processes;

namespace DistributedApp;

/// <summary>Something the application model starts, waits for and stops: a process, or a part of one.</summary>
public interface IResource
{
    string Name { get; }
}

/// <summary>A resource other resources reach through a connection string (<c>ConnectionStrings__{name}</c>).</summary>
public interface IResourceWithConnectionString : IResource
{
    /// <summary>The connection string, available once the application is built (ports are allocated then).</summary>
    string GetConnectionString();
}

/// <summary>A resource that listens on named endpoints (<c>grpc</c>, <c>http</c>, <c>tcp</c>).</summary>
public interface IResourceWithEndpoints : IResource
{
    IReadOnlyList<EndpointAnnotation> Endpoints { get; }
}

/// <summary>
/// Base of every resource: what all of them share (endpoints, environment, wait-for, restart policy).
/// How a kind of resource is prepared, launched and probed lives in the internal overrides.
/// </summary>
public abstract class Resource : IResourceWithEndpoints
{
    private readonly List<EndpointAnnotation> _endpoints = [];
    private readonly List<IResource> _waitsFor = [];
    private readonly List<IResource> _references = [];
    private readonly List<Action<EnvironmentContext>> _environment = [];

    protected Resource(string name)
    {
        ResourceNaming.Validate(name);
        Name = name;
    }

    public string Name { get; }

    /// <summary>Short kind shown in the console and in resources.json (postgres, database, redis, project, executable).</summary>
    public abstract string Kind { get; }

    public IReadOnlyList<EndpointAnnotation> Endpoints => _endpoints;

    public IReadOnlyList<IResource> WaitsFor => _waitsFor;

    public IReadOnlyList<IResource> References => _references;

    public RestartPolicy? Restart { get; internal set; }

    /// <summary>True when the console should announce this resource's HTTP endpoints as entry points.</summary>
    public bool HasExternalHttpEndpoints { get; internal set; }

    /// <summary>The resource this one lives inside (a database inside its server), or null.</summary>
    public virtual Resource? Parent => null;


    public EndpointAnnotation? FindEndpoint(string endpointName) =>
        _endpoints.Find(e => string.Equals(e.Name, endpointName, StringComparison.Ordinal));

    public EndpointAnnotation GetEndpoint(string endpointName) =>
        FindEndpoint(endpointName)
        ?? throw new InvalidOperationException($"Resource '{Name}' has no endpoint named '{endpointName}'.");

    internal EndpointAnnotation AddEndpoint(EndpointAnnotation endpoint)
    {
        if (FindEndpoint(endpoint.Name) is not null)
        {
            throw new InvalidOperationException($"Resource '{Name}' already has an endpoint named '{endpoint.Name}'.");
        }

        _endpoints.Add(endpoint);
        return endpoint;
    }

    internal void AddWaitFor(IResource resource)
    {
        if (!_waitsFor.Contains(resource))
        {
            _waitsFor.Add(resource);
        }
    }

    internal void AddReference(IResource resource)
    {
        if (!_references.Contains(resource))
        {
            _references.Add(resource);
        }
    }

    internal void AddEnvironment(Action<EnvironmentContext> callback) => _environment.Add(callback);

    /// <summary>When the application is built, after ports are allocated: load or create persisted settings.</summary>
    internal virtual void Initialize(string stateDirectory)
    {
    }

    /// <summary>Once per run, before the first launch: install binaries, create data directories, build.</summary>
    internal virtual Task PrepareAsync(RunContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The process to run, or null for a resource that lives inside another one.</summary>
    internal virtual ProcessSpec? CreateProcess(RunContext context) => null;

    /// <summary>One probe; true when the resource serves what dependents need.</summary>
    internal virtual async Task<bool> CheckHealthAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (HttpHealthCheck is not { } check)
        {
            return true;
        }

        try
        {
            var url = new Uri(GetEndpoint(check.EndpointName).Url, check.Path);
            using var response = await context.Http.GetAsync(url, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>When set, healthy means GET {endpoint}{path} answers 2xx.</summary>
    internal (string EndpointName, string Path)? HttpHealthCheck { get; set; }

    /// <summary>Runs once each time the resource first becomes healthy after a launch (creates databases, say).</summary>
    internal virtual Task OnHealthyAsync(RunContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Environment variables the process gets, references and explicit values included.</summary>
    internal Dictionary<string, string> BuildEnvironment()
    {
        var context = new EnvironmentContext(this);
        foreach (var callback in _environment)
        {
            callback(context);
        }

        return context.Variables;
    }
}

/// <summary>Passed to environment callbacks while a resource's process environment is assembled.</summary>
public sealed class EnvironmentContext
{
    internal EnvironmentContext(Resource resource) => Resource = resource;

    public Resource Resource { get; }

    public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);
}

/// <summary>How often and how quickly a failed process is started again.</summary>
public sealed record RestartPolicy(int MaxRestarts, TimeSpan Delay);

internal static class ResourceNaming
{
    public static void Validate(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        foreach (var c in name)
        {
            // Names become parts of environment-variable names (ConnectionStrings__name, services__name__grpc__0).
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                throw new ArgumentException($"Resource name '{name}' may contain only ASCII letters, digits and '-'.", nameof(name));
            }
        }
    }
}
