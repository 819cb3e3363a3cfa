using Google.Protobuf.Reflection;

namespace GrpcRuntime.CodeGen;

/// <summary>
/// Maps every message of the request (the files to generate and all their imports) from its proto
/// full name (<c>.pkg.Outer.Inner</c>) to the C# type protoc generated for it.
/// </summary>
internal sealed class ProtoTypeIndex
{
    private readonly Dictionary<string, string> csharpTypeByProtoName = new(StringComparer.Ordinal);

    public ProtoTypeIndex(IEnumerable<FileDescriptorProto> files)
    {
        foreach (var file in files)
        {
            var csharpNamespace = CSharpNames.FileNamespace(file);
            var protoPrefix = file.Package.Length == 0 ? "." : "." + file.Package + ".";
            foreach (var message in file.MessageType)
            {
                Add(message, protoPrefix, csharpNamespace, containingClassPath: string.Empty);
            }
        }
    }

    /// <summary>The fully qualified C# type (with <c>global::</c>) for a proto type reference.</summary>
    public string CSharpType(string protoFullName)
    {
        if (csharpTypeByProtoName.TryGetValue(protoFullName, out var csharpType))
        {
            return csharpType;
        }

        throw new InvalidOperationException($"Message type '{protoFullName}' is not defined in any file of the request.");
    }

    private void Add(DescriptorProto message, string protoPrefix, string csharpNamespace, string containingClassPath)
    {
        // Nested messages live in the containing message's nested "Types" class.
        var classPath = containingClassPath.Length == 0 ? message.Name : containingClassPath + ".Types." + message.Name;
        var protoName = protoPrefix + message.Name;
        csharpTypeByProtoName[protoName] = CSharpNames.GlobalQualified(csharpNamespace, classPath);
        foreach (var nested in message.NestedType)
        {
            // Map entries are generated as MapField, never as classes, and cannot be RPC types.
            if (nested.Options is { MapEntry: true })
            {
                continue;
            }

            Add(nested, protoName + ".", csharpNamespace, classPath);
        }
    }
}
