using Google.Protobuf.Reflection;

namespace GrpcRuntime.CodeGen;

/// <summary>The four call shapes; names match <c>GrpcRuntime.MethodType</c> members.</summary>
internal enum MethodKind
{
    Unary,
    ClientStreaming,
    ServerStreaming,
    DuplexStreaming,
}

/// <summary>One RPC with its C# names resolved.</summary>
internal sealed record MethodModel(
    string ProtoName,
    string CSharpName,
    MethodKind Kind,
    string RequestProtoName,
    string RequestType,
    string ResponseProtoName,
    string ResponseType,
    bool Deprecated,
    IReadOnlyList<string> Comments);

/// <summary>One service with everything the emitter needs, resolved against the whole request.</summary>
internal sealed class ServiceModel
{
    public ServiceModel(FileDescriptorProto file, int index, string csharpNamespace, ProtoTypeIndex types, ProtoComments comments)
    {
        var service = file.Service[index];
        Index = index;
        ClassName = service.Name;
        FullName = file.Package.Length == 0 ? service.Name : file.Package + "." + service.Name;
        ReflectionClass = CSharpNames.GlobalQualified(csharpNamespace, CSharpNames.ReflectionClassName(file));
        Comments = comments.ForService(index);

        var methods = new List<MethodModel>(service.Method.Count);
        var messageTypes = new List<(string ProtoName, string CSharpType)>();
        var seenMessages = new HashSet<string>(StringComparer.Ordinal);
        for (var methodIndex = 0; methodIndex < service.Method.Count; methodIndex++)
        {
            var method = service.Method[methodIndex];
            var kind = (method.ClientStreaming, method.ServerStreaming) switch
            {
                (false, false) => MethodKind.Unary,
                (true, false) => MethodKind.ClientStreaming,
                (false, true) => MethodKind.ServerStreaming,
                (true, true) => MethodKind.DuplexStreaming,
            };
            var requestType = types.CSharpType(method.InputType);
            var responseType = types.CSharpType(method.OutputType);
            foreach (var (protoName, csharpType) in new[] { (method.InputType, requestType), (method.OutputType, responseType) })
            {
                if (seenMessages.Add(protoName))
                {
                    messageTypes.Add((protoName, csharpType));
                }
            }

            methods.Add(new MethodModel(
                method.Name,
                CSharpNames.MethodName(method),
                kind,
                method.InputType,
                requestType,
                method.OutputType,
                responseType,
                method.Options is { Deprecated: true },
                comments.ForMethod(index, methodIndex)));
        }

        Methods = methods;
        MessageTypes = messageTypes;
    }

    public int Index { get; }

    public string ClassName { get; }

    /// <summary>The service name on the wire: <c>package.Service</c>.</summary>
    public string FullName { get; }

    public string ReflectionClass { get; }

    public IReadOnlyList<string> Comments { get; }

    public IReadOnlyList<MethodModel> Methods { get; }

    /// <summary>Distinct request and response types, in first-use order.</summary>
    public IReadOnlyList<(string ProtoName, string CSharpType)> MessageTypes { get; }
}
