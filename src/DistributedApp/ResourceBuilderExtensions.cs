namespace DistributedApp;

/// <summary>Declaring resources and wiring them together, in the vocabulary of Aspire's app model.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>A PostgreSQL server; <paramref name="port"/> fixes its port, otherwise a free one is used.</summary>
    public static IResourceBuilder<PostgresServerResource> AddPostgres(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddResource(new PostgresServerResource(name, port));
    }

    /// <summary>A database on the server, created on first start; referenced as ConnectionStrings__{name}.</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var database = new PostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        server.Resource.AddDatabase(database);
        return server.ApplicationBuilder.AddResource(database);
    }

    /// <summary>A Redis server with the append-only file on.</summary>
    public static IResourceBuilder<RedisResource> AddRedis(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddResource(new RedisResource(name, port));
    }

    /// <summary>A .NET project, by path to its project file (relative paths start at the app host's directory).</summary>
    public static IResourceBuilder<ProjectResource> AddProject(this IDistributedApplicationBuilder builder, string name, string projectPath)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(projectPath);
        var fullPath = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, projectPath));
        if (!File.Exists(fullPath))
        {
            throw new DistributedApplicationException($"Project '{name}': no project file at {fullPath}.");
        }

        return builder.AddResource(new ProjectResource(name, fullPath));
    }

    /// <summary>Any program; healthy once started unless WithHttpHealthCheck says otherwise.</summary>
    public static IResourceBuilder<ExecutableResource> AddExecutable(
        this IDistributedApplicationBuilder builder, string name, string command, string workingDirectory, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var resource = new ExecutableResource(name, command, Path.GetFullPath(Path.Combine(builder.AppHostDirectory, workingDirectory)));
        if (args.Length > 0)
        {
            resource.AddArguments(() => args);
        }

        return builder.AddResource(resource);
    }

    /// <summary>Passes the source's connection string as ConnectionStrings__{name}.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithConnectionString> source, string? connectionName = null)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(source);
        var name = connectionName ?? source.Resource.Name;
        builder.Resource.AddReference(source.Resource);
        builder.Resource.AddEnvironment(context => context.Variables[$"ConnectionStrings__{name}"] = source.Resource.GetConnectionString());
        return builder;
    }

    /// <summary>Passes every endpoint of the project as services__{name}__{endpoint}__0, for configuration-based service discovery.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<ProjectResource> source)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(source);
        builder.Resource.AddReference(source.Resource);
        builder.Resource.AddEnvironment(context =>
        {
            foreach (var endpoint in source.Resource.Endpoints)
            {
                context.Variables[$"services__{source.Resource.Name}__{endpoint.Name}__0"] = endpoint.UrlString;
            }
        });
        return builder;
    }

    /// <summary>Starts this resource only after <paramref name="dependency"/> is healthy.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResource> dependency)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dependency);
        if (ReferenceEquals(builder.Resource, dependency.Resource))
        {
            throw new DistributedApplicationException($"Resource '{builder.Resource.Name}' cannot wait for itself.");
        }

        builder.Resource.AddWaitFor(dependency.Resource);
        return builder;
    }

    /// <summary>Starts the process again when it exits on its own (crash, kill), up to <paramref name="maxRestarts"/> times.</summary>
    public static IResourceBuilder<T> WithRestart<T>(this IResourceBuilder<T> builder, int maxRestarts = 10, TimeSpan? delay = null)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRestarts);
        builder.Resource.Restart = new RestartPolicy(maxRestarts, delay ?? TimeSpan.FromSeconds(1));
        return builder;
    }

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string value)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.AddEnvironment(context => context.Variables[name] = value);
        return builder;
    }

    /// <summary>Passes a parameter's value (a generated secret, say) in an environment variable.</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, ParameterResource parameter)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(parameter);
        builder.Resource.AddEnvironment(context => context.Variables[name] = parameter.Value);
        return builder;
    }

    /// <summary>An environment variable computed at launch (for values that mention allocated ports).</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, Func<string> value)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(value);
        builder.Resource.AddEnvironment(context => context.Variables[name] = value());
        return builder;
    }

    /// <summary>
    /// An HTTP/1.1 endpoint. On a project this sets the port of its existing <c>http</c> endpoint (the
    /// gateway's fixed 8080); elsewhere it adds one, optionally announced in the <paramref name="env"/> variable.
    /// </summary>
    public static IResourceBuilder<T> WithHttpEndpoint<T>(this IResourceBuilder<T> builder, int? port = null, string name = "http", string? env = null)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithEndpoint(name, EndpointProtocol.Http1, port, env);
    }

    /// <summary>Declares (or, when it exists, changes) a named endpoint.</summary>
    public static IResourceBuilder<T> WithEndpoint<T>(this IResourceBuilder<T> builder, string name, EndpointProtocol protocol, int? port = null, string? env = null)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Resource.FindEndpoint(name) is { } existing)
        {
            if (existing.Protocol != protocol)
            {
                throw new DistributedApplicationException($"Endpoint '{name}' of '{builder.Resource.Name}' is {existing.Protocol}, not {protocol}.");
            }

            existing.Port = port ?? existing.Port;
            existing.EnvironmentVariable = env ?? existing.EnvironmentVariable;
        }
        else
        {
            builder.Resource.AddEndpoint(new EndpointAnnotation(name, protocol, port, env));
        }

        return builder;
    }

    /// <summary>Healthy means GET {endpoint}{path} answers 2xx.</summary>
    public static IResourceBuilder<T> WithHttpHealthCheck<T>(this IResourceBuilder<T> builder, string path = "/health", string endpointName = "http")
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(builder);
        _ = builder.Resource.GetEndpoint(endpointName);
        builder.Resource.HttpHealthCheck = (endpointName, path);
        return builder;
    }

    /// <summary>Announces this resource's HTTP endpoints on the console once everything is healthy.</summary>
    public static IResourceBuilder<T> WithExternalHttpEndpoints<T>(this IResourceBuilder<T> builder)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.HasExternalHttpEndpoints = true;
        return builder;
    }

    /// <summary>Arguments computed at launch, after ports are allocated.</summary>
    public static IResourceBuilder<ExecutableResource> WithArgs(this IResourceBuilder<ExecutableResource> builder, Func<IReadOnlyList<string>> args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.AddArguments(args);
        return builder;
    }

    /// <summary>The signal that stops the executable cleanly (SIGTERM by default).</summary>
    public static IResourceBuilder<ExecutableResource> WithStopSignal(this IResourceBuilder<ExecutableResource> builder, PosixSignalNumber signal)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.StopSignal = (int)signal;
        return builder;
    }
}

/// <summary>Stop signals an executable may ask for.</summary>
public enum PosixSignalNumber
{
    Interrupt = 2,
    Terminate = 15,
}
