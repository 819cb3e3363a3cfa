using System.Diagnostics;
using System.Reflection;

namespace GrpcRuntime.CodeGen.Tests;

/// <summary>Runs the build's protoc on .proto sources written to a fresh temporary directory.</summary>
internal sealed class ProtocRun : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("codegen-tests-").FullName;

    public ProtocRun(IReadOnlyDictionary<string, string> protoFiles)
    {
        foreach (var (relativePath, content) in protoFiles)
        {
            var path = Path.Combine(ProtoDirectory, relativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
        }
    }

    public string ProtoDirectory => Path.Combine(root, "protos");

    public static string Tool(string name) =>
        typeof(ProtocRun).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == name).Value
        ?? throw new InvalidOperationException($"Assembly metadata {name} is missing.");

    /// <summary>Runs protoc with a plugin and returns its exit code, stderr and the files it wrote (name → content).</summary>
    public ProtocResult Run(string pluginPath, IEnumerable<string> protoFiles, string? pluginOptions = null, bool withCSharpMessages = false)
    {
        var outputName = "out-" + Guid.NewGuid().ToString("N");
        var pluginOut = Path.Combine(root, outputName, "plugin");
        var csharpOut = Path.Combine(root, outputName, "csharp");
        Directory.CreateDirectory(pluginOut);
        Directory.CreateDirectory(csharpOut);

        var start = new ProcessStartInfo(Tool("Protoc"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.ArgumentList.Add("--proto_path=" + ProtoDirectory);
        start.ArgumentList.Add("--proto_path=" + Tool("ProtobufStandardImports"));
        start.ArgumentList.Add("--plugin=protoc-gen-under-test=" + pluginPath);
        start.ArgumentList.Add("--under-test_out=" + pluginOut);
        if (pluginOptions is not null)
        {
            start.ArgumentList.Add("--under-test_opt=" + pluginOptions);
        }

        if (withCSharpMessages)
        {
            start.ArgumentList.Add("--csharp_out=" + csharpOut);
        }

        foreach (var file in protoFiles)
        {
            start.ArgumentList.Add(file);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            throw new TimeoutException("protoc did not finish within two minutes.");
        }

        return new ProtocResult(process.ExitCode, stderr.Result + stdout.Result, ReadTree(pluginOut), ReadTree(csharpOut));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static Dictionary<string, string> ReadTree(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .ToDictionary(path => Path.GetRelativePath(directory, path).Replace('\\', '/'), File.ReadAllText);
}

internal sealed record ProtocResult(int ExitCode, string Diagnostics, Dictionary<string, string> PluginFiles, Dictionary<string, string> CSharpFiles);
