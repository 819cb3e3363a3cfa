using System.Text;
using Google.Protobuf.Reflection;

namespace GrpcRuntime.CodeGen;

/// <summary>
/// The names protoc's C# generator gives to namespaces, messages and reflection classes, and the
/// file names grpc_csharp_plugin chooses. Generated services must agree with both exactly,
/// otherwise they would refer to types that do not exist or fall outside Grpc.Tools' expected outputs.
/// </summary>
internal static class CSharpNames
{
    /// <summary>protoc's UnderscoresToCamelCase: drops separators, capitalizes after them and after digits.</summary>
    public static string UnderscoresToCamelCase(string input, bool capitalizeNextLetter, bool preservePeriod)
    {
        var result = new StringBuilder(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            var c = input[i];
            if (c is >= 'a' and <= 'z')
            {
                result.Append(capitalizeNextLetter ? char.ToUpperInvariant(c) : c);
                capitalizeNextLetter = false;
            }
            else if (c is >= 'A' and <= 'Z')
            {
                result.Append(i == 0 && !capitalizeNextLetter ? char.ToLowerInvariant(c) : c);
                capitalizeNextLetter = false;
            }
            else if (c is >= '0' and <= '9')
            {
                result.Append(c);
                capitalizeNextLetter = true;
            }
            else
            {
                capitalizeNextLetter = true;
                if (c == '.' && preservePeriod)
                {
                    result.Append('.');
                }
            }
        }

        return result.ToString();
    }

    public static string UnderscoresToPascalCase(string input) => UnderscoresToCamelCase(input, capitalizeNextLetter: true, preservePeriod: false);

    /// <summary>The C# namespace protoc puts a file's types in; empty means the global namespace.</summary>
    public static string FileNamespace(FileDescriptorProto file)
    {
        if (file.Options is { HasCsharpNamespace: true })
        {
            return file.Options.CsharpNamespace;
        }

        return UnderscoresToCamelCase(file.Package, capitalizeNextLetter: true, preservePeriod: true);
    }

    /// <summary>The proto file name without directories and extension, as protoc's C# generator PascalCases it.</summary>
    public static string FileNameBase(string protoFileName) => UnderscoresToPascalCase(StripProtoExtension(LastSegment(protoFileName)));

    /// <summary><c>FooBarReflection</c> for <c>foo_bar.proto</c>: the class holding the file's descriptor.</summary>
    public static string ReflectionClassName(FileDescriptorProto file) => FileNameBase(file.Name) + "Reflection";

    /// <summary>
    /// grpc_csharp_plugin's output name (and the one Grpc.Tools predicts): only underscores are
    /// separators here, unlike protoc's own naming.
    /// </summary>
    public static string ServicesFileName(string protoFileName)
    {
        var baseName = StripProtoExtension(LastSegment(protoFileName));
        var result = new StringBuilder(baseName.Length + 7);
        var capitalize = true;
        foreach (var c in baseName)
        {
            if (c == '_')
            {
                capitalize = true;
            }
            else if (capitalize)
            {
                result.Append(char.ToUpperInvariant(c));
                capitalize = false;
            }
            else
            {
                result.Append(c);
            }
        }

        return result.Append("Grpc.cs").ToString();
    }

    /// <summary>C# method name for an RPC; the wire name keeps the proto spelling.</summary>
    public static string MethodName(MethodDescriptorProto method) => UnderscoresToPascalCase(method.Name);

    /// <summary>Prefixes <c>global::</c> and joins a namespace and a (possibly dotted) type name.</summary>
    public static string GlobalQualified(string csharpNamespace, string typeName) =>
        csharpNamespace.Length == 0 ? "global::" + typeName : "global::" + csharpNamespace + "." + typeName;

    private static string LastSegment(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? path : path[(slash + 1)..];
    }

    private static string StripProtoExtension(string fileName)
    {
        if (fileName.EndsWith(".protodevel", StringComparison.Ordinal))
        {
            return fileName[..^".protodevel".Length];
        }

        return fileName.EndsWith(".proto", StringComparison.Ordinal) ? fileName[..^".proto".Length] : fileName;
    }
}
