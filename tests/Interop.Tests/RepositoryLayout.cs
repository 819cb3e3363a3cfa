using System.Reflection;

namespace Interop.Tests;

/// <summary>Where the interop programs live, relative to this test assembly's checkout and build.</summary>
internal static class RepositoryLayout
{
    public static readonly string Root = FindRoot();

    /// <summary>Debug or Release: the interop programs are taken from the same build as the tests.</summary>
    public static readonly string Configuration =
        typeof(RepositoryLayout).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string PythonInteropDirectory => Path.Combine(Root, "tests", "interop");

    public static string BuiltProgram(string projectName)
    {
        var path = Path.Combine(Root, "tests", projectName, "bin", Configuration, "net10.0", projectName + ".dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{projectName} is not built for {Configuration}; build it (it is a project reference of Interop.Tests).", path);
        }

        return path;
    }

    /// <summary>The dotnet host running this test, so the programs run on the same runtime.</summary>
    public static string DotnetHost
    {
        get
        {
            var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
            {
                return fromSdk;
            }

            var current = Environment.ProcessPath;
            return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
        }
    }

    /// <summary>Debian's interpreter, which is the one that has python3-grpcio; overridable for other layouts.</summary>
    public static string Python
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("INTEROP_PYTHON");
            if (!string.IsNullOrEmpty(configured))
            {
                return configured;
            }

            return File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        }
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Microservices.sln")) && Directory.Exists(Path.Combine(directory.FullName, "protos")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root (Microservices.sln + protos/) above {AppContext.BaseDirectory}.");
    }
}
