using DistributedApp.Processes;

namespace DistributedApp;

/// <summary>
/// A .NET project. It is built together with the other projects (one <c>dotnet build</c>), then started
/// from its output with <c>dotnet &lt;dll&gt;</c>. Kestrel gets two endpoints through configuration: <c>grpc</c>
/// (cleartext HTTP/2) and <c>http</c> (HTTP/1.1, where /health and /alive live).
/// </summary>
public sealed class ProjectResource : Resource
{
    public const string GrpcEndpointName = "grpc";
    public const string HttpEndpointName = "http";

    public ProjectResource(string name, string projectPath)
        : base(name)
    {
        ProjectPath = Path.GetFullPath(projectPath);
        AddEndpoint(new EndpointAnnotation(GrpcEndpointName, EndpointProtocol.Http2, port: null, environmentVariable: null));
        AddEndpoint(new EndpointAnnotation(HttpEndpointName, EndpointProtocol.Http1, port: null, environmentVariable: null));
        HttpHealthCheck = (HttpEndpointName, "/health");
    }

    public override string Kind => "project";

    public string ProjectPath { get; }

    public string ProjectDirectory => Path.GetDirectoryName(ProjectPath)!;

    public string ProjectName => Path.GetFileNameWithoutExtension(ProjectPath);

    /// <summary>The built assembly; known after the build.</summary>
    public string? AssemblyPath { get; internal set; }

    internal override Task PrepareAsync(RunContext context, CancellationToken cancellationToken)
    {
        AssemblyPath ??= ProjectBuild.FindBuiltAssembly(this, context.Configuration);
        if (AssemblyPath is null || !File.Exists(AssemblyPath))
        {
            throw new DistributedApplicationException(
                $"Project '{ProjectPath}' has no build output for configuration {context.Configuration}; build it first or let the app host build it.");
        }

        return Task.CompletedTask;
    }

    internal override ProcessSpec? CreateProcess(RunContext context)
    {
        var spec = new ProcessSpec
        {
            FileName = DotnetHost.Path,
            WorkingDirectory = ProjectDirectory,
            StopSignal = Signals.SigTerm,
        };
        spec.Arguments.Add(AssemblyPath!);

        var environmentName = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
            ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
            ?? "Development";
        spec.Environment["DOTNET_ENVIRONMENT"] = environmentName;
        spec.Environment["ASPNETCORE_ENVIRONMENT"] = environmentName;
        // Endpoints come from Kestrel configuration below; inherited URL settings would only add noise.
        spec.Environment["ASPNETCORE_URLS"] = null;
        spec.Environment["ASPNETCORE_HTTP_PORTS"] = null;
        spec.Environment["ASPNETCORE_HTTPS_PORTS"] = null;
        spec.Environment["OTEL_SERVICE_NAME"] = Name;
        // One line per log entry keeps the prefixed, interleaved console readable.
        spec.Environment["Logging__Console__FormatterName"] = "simple";
        spec.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";

        foreach (var endpoint in Endpoints)
        {
            spec.Environment[$"Kestrel__Endpoints__{endpoint.Name}__Url"] = endpoint.UrlString;
            spec.Environment[$"Kestrel__Endpoints__{endpoint.Name}__Protocols"] = endpoint.Protocol switch
            {
                EndpointProtocol.Http2 => "Http2",
                _ => "Http1",
            };
        }

        foreach (var (name, value) in BuildEnvironment())
        {
            spec.Environment[name] = value;
        }

        return spec;
    }
}

/// <summary>The dotnet host that runs built projects.</summary>
internal static class DotnetHost
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var current = Environment.ProcessPath;
        if (current is not null && System.IO.Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath)
            ? hostPath
            : ProcessLauncher.FindOnPath("dotnet") ?? "dotnet";
    }
}
