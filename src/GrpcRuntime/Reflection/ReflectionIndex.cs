using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Reflection.V1;
using GrpcRuntime.Server.Internal;

namespace GrpcRuntime.Reflection;

/// <summary>
/// Answers reflection requests from the descriptors of the mapped services. Built on first use,
/// after every MapGrpcService call has registered its service.
/// </summary>
internal sealed class ReflectionIndex(GrpcServiceRegistry registry)
{
    private readonly Lazy<Snapshot> snapshot = new(() => Snapshot.Build(registry));

    public ServerReflectionResponse Handle(ServerReflectionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var index = snapshot.Value;
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                var list = new ListServiceResponse();
                foreach (var name in index.ServiceNames)
                {
                    list.Service.Add(new ServiceResponse { Name = name });
                }

                response.ListServicesResponse = list;
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFileOrError(response, index.FilesByName.GetValueOrDefault(request.FileByFilename), $"File '{request.FileByFilename}' not found.");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFileOrError(response, index.FilesBySymbol.GetValueOrDefault(request.FileContainingSymbol), $"Symbol '{request.FileContainingSymbol}' not found.");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                var extensionRequest = request.FileContainingExtension;
                FileDescriptor? extensionFile = null;
                if (index.ExtensionsByExtendee.TryGetValue(extensionRequest.ContainingType, out var candidates))
                {
                    extensionFile = candidates.Find(e => e.FieldNumber == extensionRequest.ExtensionNumber)?.File;
                }

                SetFileOrError(response, extensionFile, $"Extension {extensionRequest.ExtensionNumber} of '{extensionRequest.ContainingType}' not found.");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                var typeName = request.AllExtensionNumbersOfType;
                if (!index.MessageTypes.Contains(typeName))
                {
                    response.ErrorResponse = NotFound($"Type '{typeName}' not found.");
                    break;
                }

                var numbers = new ExtensionNumberResponse { BaseTypeName = typeName };
                if (index.ExtensionsByExtendee.TryGetValue(typeName, out var extensions))
                {
                    foreach (var extension in extensions)
                    {
                        numbers.ExtensionNumber.Add(extension.FieldNumber);
                    }
                }

                response.AllExtensionNumbersResponse = numbers;
                break;
            default:
                response.ErrorResponse = new ErrorResponse { ErrorCode = (int)StatusCode.InvalidArgument, ErrorMessage = "The request names no reflection query." };
                break;
        }

        return response;
    }

    private static void SetFileOrError(ServerReflectionResponse response, FileDescriptor? file, string notFoundMessage)
    {
        if (file is null)
        {
            response.ErrorResponse = NotFound(notFoundMessage);
            return;
        }

        // The file first, then everything it imports, each once: the client needs them all to build it.
        var files = new FileDescriptorResponse();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<FileDescriptor>();
        pending.Enqueue(file);
        while (pending.Count > 0)
        {
            var next = pending.Dequeue();
            if (!seen.Add(next.Name))
            {
                continue;
            }

            files.FileDescriptorProto.Add(next.SerializedData);
            foreach (var dependency in next.Dependencies)
            {
                pending.Enqueue(dependency);
            }
        }

        response.FileDescriptorResponse = files;
    }

    private static ErrorResponse NotFound(string message) => new() { ErrorCode = (int)StatusCode.NotFound, ErrorMessage = message };

    private sealed class Snapshot
    {
        public List<string> ServiceNames { get; } = [];

        public Dictionary<string, FileDescriptor> FilesByName { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, FileDescriptor> FilesBySymbol { get; } = new(StringComparer.Ordinal);

        public HashSet<string> MessageTypes { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, List<FieldDescriptor>> ExtensionsByExtendee { get; } = new(StringComparer.Ordinal);

        public static Snapshot Build(GrpcServiceRegistry registry)
        {
            var snapshot = new Snapshot();
            snapshot.ServiceNames.AddRange(registry.ServiceNames);
            snapshot.ServiceNames.Sort(StringComparer.Ordinal);
            foreach (var service in registry.Descriptors)
            {
                snapshot.AddFile(service.File);
            }

            return snapshot;
        }

        private void AddFile(FileDescriptor file)
        {
            if (!FilesByName.TryAdd(file.Name, file))
            {
                return;
            }

            foreach (var dependency in file.Dependencies)
            {
                AddFile(dependency);
            }

            foreach (var message in file.MessageTypes)
            {
                AddMessage(message, file);
            }

            foreach (var enumType in file.EnumTypes)
            {
                FilesBySymbol.TryAdd(enumType.FullName, file);
            }

            foreach (var service in file.Services)
            {
                FilesBySymbol.TryAdd(service.FullName, file);
                foreach (var method in service.Methods)
                {
                    FilesBySymbol.TryAdd(method.FullName, file);
                }
            }

            foreach (var extension in file.Extensions.UnorderedExtensions)
            {
                AddExtension(extension, file);
            }
        }

        private void AddMessage(MessageDescriptor message, FileDescriptor file)
        {
            FilesBySymbol.TryAdd(message.FullName, file);
            MessageTypes.Add(message.FullName);
            foreach (var field in message.Fields.InDeclarationOrder())
            {
                FilesBySymbol.TryAdd(field.FullName, file);
            }

            foreach (var nested in message.NestedTypes)
            {
                AddMessage(nested, file);
            }

            foreach (var enumType in message.EnumTypes)
            {
                FilesBySymbol.TryAdd(enumType.FullName, file);
            }

            foreach (var extension in message.Extensions.UnorderedExtensions)
            {
                AddExtension(extension, file);
            }
        }

        private void AddExtension(FieldDescriptor extension, FileDescriptor file)
        {
            FilesBySymbol.TryAdd(extension.FullName, file);
            var extendee = extension.ExtendeeType.FullName;
            if (!ExtensionsByExtendee.TryGetValue(extendee, out var list))
            {
                list = [];
                ExtensionsByExtendee.Add(extendee, list);
            }

            list.Add(extension);
        }
    }
}
