using System.Reflection;
using System.Text.Json;

namespace AppHost.Tests;

/// <summary>Where things are in the checkout these tests were built from.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string AppHostDirectory => Path.Combine(Root, "src", "AppHost");

    /// <summary>The app host as <c>dotnet build</c> left it, in the configuration these tests were built in.</summary>
    public static string AppHostAssembly
    {
        get
        {
            var configuration = typeof(Repository).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            var path = Path.Combine(AppHostDirectory, "bin", configuration, "net10.0", "AppHost.dll");
            Assert.True(File.Exists(path), $"The app host is not built at {path}; build tests/AppHost.Tests first.");
            return path;
        }
    }

    /// <summary>eng/test.sh keeps this folder (screenshots, logs) next to the test results.</summary>
    public static string TestResults
    {
        get
        {
            var path = Path.Combine(Root, "artifacts", "test-results");
            Directory.CreateDirectory(path);
            return path;
        }
    }

    /// <summary>The ports of the Kestrel endpoints in src/*/appsettings.json, which Aspire turns into fixed proxy ports.</summary>
    public static IReadOnlySet<int> FixedServicePorts()
    {
        var ports = new HashSet<int>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "src"), "appsettings.json", SearchOption.AllDirectories))
        {
            using var settings = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
            if (settings.RootElement.TryGetProperty("Kestrel", out var kestrel) && kestrel.TryGetProperty("Endpoints", out var endpoints))
            {
                foreach (var endpoint in endpoints.EnumerateObject())
                {
                    if (endpoint.Value.TryGetProperty("Url", out var url) && Uri.TryCreate(url.GetString(), UriKind.Absolute, out var uri))
                    {
                        ports.Add(uri.Port);
                    }
                }
            }
        }

        Assert.NotEmpty(ports);
        return ports;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Microservices.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("No Microservices.sln above " + AppContext.BaseDirectory);
    }
}
