using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;

namespace DistributedApp.Testing;

/// <summary>
/// Builds an application model for a test: the app host's own model (<see cref="CreateAsync{TEntryPoint}"/>
/// runs its entry point up to Build()) or one declared in the test (<see cref="Create"/>); optionally
/// narrowed to some resources; always on free ports with a throw-away state directory.
/// </summary>
public sealed class DistributedApplicationTestingBuilder : IDistributedApplicationBuilder
{
    private readonly DistributedApplicationBuilder _inner;

    private DistributedApplicationTestingBuilder(DistributedApplicationBuilder inner, DistributedApplicationTestingOptions testingOptions)
    {
        _inner = inner;
        TestingOptions = testingOptions;
    }

    public DistributedApplicationTestingOptions TestingOptions { get; }

    public IConfiguration Configuration => _inner.Configuration;

    public DistributedApplicationOptions Options => _inner.Options;

    public string AppHostDirectory => _inner.AppHostDirectory;

    public IReadOnlyList<Resource> Resources => _inner.Resources;

    public IReadOnlyList<ParameterResource> Parameters => _inner.Parameters;

    public ParameterResource AddParameter(string name, bool secret = false) => _inner.AddParameter(name, secret);

    /// <summary>An empty model for the test to declare resources in.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static DistributedApplicationTestingBuilder Create(params string[] args)
    {
        var testingOptions = new DistributedApplicationTestingOptions();
        var options = new DistributedApplicationOptions { Args = args };
        ApplyTestDefaults(options, Assembly.GetCallingAssembly());
        return new DistributedApplicationTestingBuilder(new DistributedApplicationBuilder(options, interception: null), testingOptions);
    }

    /// <summary>
    /// The model the app host whose entry point is in <typeparamref name="TEntryPoint"/>'s assembly declares:
    /// its Program runs until it calls Build(), which hands the builder here instead of running the app.
    /// </summary>
    public static async Task<DistributedApplicationTestingBuilder> CreateAsync<TEntryPoint>(string[]? args = null, CancellationToken cancellationToken = default)
        where TEntryPoint : class
    {
        var entryPoint = typeof(TEntryPoint).Assembly.EntryPoint
            ?? throw new InvalidOperationException($"{typeof(TEntryPoint).Assembly.GetName().Name} has no entry point.");
        var arguments = args ?? [];
        var interception = new BuilderInterception(options => ApplyTestDefaults(options, typeof(TEntryPoint).Assembly));

        var run = Task.Run(
            async () =>
            {
                BuilderInterception.Current.Value = interception;
                try
                {
                    var result = entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? null : [arguments]);
                    if (result is Task task)
                    {
                        await task;
                    }
                }
                catch (TargetInvocationException ex) when (ex.InnerException is BuilderCapturedException)
                {
                    // Expected: Build() ends the entry point once the model is captured.
                }
                catch (BuilderCapturedException)
                {
                    // Same, from an async entry point.
                }
            },
            cancellationToken);

        var finished = await Task.WhenAny(interception.Captured.Task, run).WaitAsync(cancellationToken);
        if (finished == run && !interception.Captured.Task.IsCompleted)
        {
            await run;
            throw new InvalidOperationException($"The entry point of {typeof(TEntryPoint).Assembly.GetName().Name} returned without calling Build().");
        }

        return new DistributedApplicationTestingBuilder(await interception.Captured.Task, new DistributedApplicationTestingOptions());
    }

    public IResourceBuilder<T> AddResource<T>(T resource)
        where T : Resource => _inner.AddResource(resource);

    /// <summary>Keeps only these resources and what they depend on (references, wait-for, parents).</summary>
    public DistributedApplicationTestingBuilder WithResources(params string[] names)
    {
        _inner.KeepOnly(names);
        return this;
    }

    public DistributedApplicationTestingBuilder WithTestingOptions(Action<DistributedApplicationTestingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(TestingOptions);
        return this;
    }

    /// <summary>Synchronous form of <see cref="BuildAsync"/>, for symmetry with the app host's builder.</summary>
    public DistributedApplication Build() => BuildAsync().GetAwaiter().GetResult();

    /// <summary>
    /// Builds the application: PostgreSQL resources move to the shared test server with fresh databases
    /// (unless turned off), and disposing the application drops those databases and the state directory.
    /// </summary>
    public async Task<DistributedApplication> BuildAsync(CancellationToken cancellationToken = default)
    {
        var createdDatabases = new List<(PostgresServerResource Server, string Database)>();
        if (TestingOptions.UseSharedPostgres)
        {
            foreach (var server in Resources.OfType<PostgresServerResource>())
            {
                var shared = await SharedPostgres.GetServerAsync(cancellationToken);
                server.UseExistingServer(new PostgresServerInfo(shared.GetEndpoint(PostgresServerResource.TcpEndpointName).AllocatedPort, shared.Password));
                foreach (var database in server.Databases)
                {
                    database.DatabaseName = SharedPostgres.UniqueDatabaseName(database.Name);
                    createdDatabases.Add((server, database.DatabaseName));
                }
            }
        }

        var app = _inner.BuildCore();
        if (TestingOptions.LogSink is { } sink)
        {
            app.Logs.LineWritten += sink;
        }

        var stateDirectory = app.StateDirectoryPath;
        app.AfterStop.Add(async () =>
        {
            foreach (var (server, database) in createdDatabases)
            {
                try
                {
                    await server.DropDatabaseAsync(database, CancellationToken.None);
                }
                catch (Npgsql.NpgsqlException)
                {
                    // The shared server is going away with the test process anyway.
                }
            }

            TemporaryStateDirectories.Delete(stateDirectory);
        });
        app.StartTimeout = TestingOptions.StartTimeout;
        return app;
    }

    private static void ApplyTestDefaults(DistributedApplicationOptions options, Assembly modelAssembly)
    {
        options.StateDirectory = TemporaryStateDirectories.NewPath();
        options.ShowConsole = false;
        options.AllocateFixedPortsDynamically = true;
        // Projects run in the configuration the tests were built in (the test host itself is always Release).
        options.Configuration ??= BuildConfiguration.Of(modelAssembly);
        options.AppHostDirectory ??= DistributedApplicationBuilder.AppHostDirectoryOf(modelAssembly);
    }
}
