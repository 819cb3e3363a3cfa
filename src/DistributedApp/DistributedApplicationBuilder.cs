using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace DistributedApp;

/// <summary>Declares the resources of a distributed application, then builds it.</summary>
public interface IDistributedApplicationBuilder
{
    /// <summary>Environment variables and command-line arguments (<c>--GatewayPort 9090</c>).</summary>
    IConfiguration Configuration { get; }

    DistributedApplicationOptions Options { get; }

    /// <summary>Where relative project paths start: the app host's project directory.</summary>
    string AppHostDirectory { get; }

    IReadOnlyList<Resource> Resources { get; }

    IReadOnlyList<ParameterResource> Parameters { get; }

    IResourceBuilder<T> AddResource<T>(T resource)
        where T : Resource;

    /// <summary>A value from configuration (Parameters:{name}); a missing secret is generated once and kept in the state directory.</summary>
    ParameterResource AddParameter(string name, bool secret = false);

    DistributedApplication Build();
}

/// <summary>A declared resource, for chaining further declarations (WithReference, WaitFor...).</summary>
public interface IResourceBuilder<out T>
    where T : IResource
{
    T Resource { get; }

    IDistributedApplicationBuilder ApplicationBuilder { get; }
}

internal sealed class ResourceBuilder<T>(T resource, IDistributedApplicationBuilder applicationBuilder) : IResourceBuilder<T>
    where T : IResource
{
    public T Resource { get; } = resource;

    public IDistributedApplicationBuilder ApplicationBuilder { get; } = applicationBuilder;
}

internal sealed class DistributedApplicationBuilder : IDistributedApplicationBuilder
{
    /// <summary>Assembly metadata key the app host's project sets to its own directory.</summary>
    public const string AppHostDirectoryMetadataKey = "DistributedApp.AppHostDirectory";

    private readonly List<Resource> _resources = [];
    private readonly List<ParameterResource> _parameters = [];

    public DistributedApplicationBuilder(DistributedApplicationOptions options, BuilderInterception? interception)
    {
        Interception = interception;
        interception?.ConfigureOptions(options);
        Options = options;
        var remaining = ParseKnownArguments(options);
        Configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddCommandLine(remaining)
            .Build();
        AppHostDirectory = Path.GetFullPath(options.AppHostDirectory ?? FindAppHostDirectory());
    }

    public IConfiguration Configuration { get; }

    public DistributedApplicationOptions Options { get; }

    public string AppHostDirectory { get; }

    public IReadOnlyList<Resource> Resources => _resources;

    public IReadOnlyList<ParameterResource> Parameters => _parameters;

    internal BuilderInterception? Interception { get; }

    public IResourceBuilder<T> AddResource<T>(T resource)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (_resources.Exists(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DistributedApplicationException($"A resource named '{resource.Name}' is already declared.");
        }

        _resources.Add(resource);
        return new ResourceBuilder<T>(resource, this);
    }

    public ParameterResource AddParameter(string name, bool secret = false)
    {
        if (_parameters.Exists(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DistributedApplicationException($"A parameter named '{name}' is already declared.");
        }

        var configured = Configuration[$"Parameters:{name}"];
        var parameter = new ParameterResource(name, secret, string.IsNullOrEmpty(configured) ? null : configured);
        _parameters.Add(parameter);
        return parameter;
    }

    public DistributedApplication Build()
    {
        if (Interception is { } interception)
        {
            // A test harness ran the app host's entry point to obtain this model; hand it over and
            // stop the entry point here so it never runs the app itself.
            interception.Captured.TrySetResult(this);
            throw new BuilderCapturedException();
        }

        return BuildCore();
    }

    internal DistributedApplication BuildCore() => new(this);

    /// <summary>Keeps only the named resources and whatever they depend on (references, wait-for, parents).</summary>
    internal void KeepOnly(IEnumerable<string> names)
    {
        var keep = new HashSet<Resource>();
        var pending = new Stack<Resource>();
        foreach (var name in names)
        {
            pending.Push(_resources.Find(r => string.Equals(r.Name, name, StringComparison.Ordinal))
                ?? throw new DistributedApplicationException($"There is no resource named '{name}' in the application model."));
        }

        while (pending.TryPop(out var resource))
        {
            if (!keep.Add(resource))
            {
                continue;
            }

            foreach (var dependency in Dependencies(resource))
            {
                pending.Push(dependency);
            }
        }

        _resources.RemoveAll(r => !keep.Contains(r));
    }

    internal static IEnumerable<Resource> Dependencies(Resource resource)
    {
        if (resource.Parent is { } parent)
        {
            yield return parent;
        }

        foreach (var dependency in resource.WaitsFor.Concat(resource.References).OfType<Resource>())
        {
            yield return dependency;
        }
    }

    private static string[] ParseKnownArguments(DistributedApplicationOptions options)
    {
        var remaining = new List<string>();
        var args = options.Args;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--reset":
                    options.ResetState = true;
                    break;
                case "--no-build":
                    options.BuildProjects = false;
                    break;
                case "--state-dir" when i + 1 < args.Length:
                    options.StateDirectory = args[++i];
                    break;
                case var arg when arg.StartsWith("--state-dir=", StringComparison.Ordinal):
                    options.StateDirectory = arg["--state-dir=".Length..];
                    break;
                default:
                    remaining.Add(args[i]);
                    break;
            }
        }

        return [.. remaining];
    }

    private static string FindAppHostDirectory() => AppHostDirectoryOf(Assembly.GetEntryAssembly()) ?? Environment.CurrentDirectory;

    /// <summary>The directory an app host's project recorded in its assembly metadata, if it exists here.</summary>
    internal static string? AppHostDirectoryOf(Assembly? assembly)
    {
        var metadata = assembly?
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == AppHostDirectoryMetadataKey)?.Value;
        return metadata is { Length: > 0 } && Directory.Exists(metadata) ? metadata : null;
    }
}

/// <summary>Lets a test harness run an app host's entry point and take its model instead of running it.</summary>
internal sealed class BuilderInterception(Action<DistributedApplicationOptions> configureOptions)
{
    public static readonly AsyncLocal<BuilderInterception?> Current = new();

    public Action<DistributedApplicationOptions> ConfigureOptions { get; } = configureOptions;

    public TaskCompletionSource<DistributedApplicationBuilder> Captured { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Ends an intercepted entry point at Build(); the harness expects and swallows it.</summary>
internal sealed class BuilderCapturedException : Exception
{
    public BuilderCapturedException()
        : base("The application model was handed to a test harness.")
    {
    }

    public BuilderCapturedException(string message)
        : base(message)
    {
    }

    public BuilderCapturedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
