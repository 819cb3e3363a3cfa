using Google.Protobuf.Reflection;

namespace GrpcRuntime.Server.Internal;

/// <summary>The services mapped in this application: for UNIMPLEMENTED messages and for server reflection.</summary>
internal sealed class GrpcServiceRegistry
{
    private readonly Lock sync = new();
    private readonly Dictionary<string, HashSet<string>> methodsByService = new(StringComparer.Ordinal);
    private readonly List<ServiceDescriptor> descriptors = [];

    public bool UnimplementedEndpointsMapped { get; set; }

    public void AddService(string serviceName, IEnumerable<string> methodNames, ServiceDescriptor? descriptor)
    {
        lock (sync)
        {
            if (!methodsByService.TryGetValue(serviceName, out var methods))
            {
                methods = new HashSet<string>(StringComparer.Ordinal);
                methodsByService.Add(serviceName, methods);
            }

            methods.UnionWith(methodNames);
            if (descriptor is not null && !descriptors.Exists(d => d.FullName == descriptor.FullName))
            {
                descriptors.Add(descriptor);
            }
        }
    }

    public bool IsServiceKnown(string serviceName)
    {
        lock (sync)
        {
            return methodsByService.ContainsKey(serviceName);
        }
    }

    public IReadOnlyList<string> ServiceNames
    {
        get
        {
            lock (sync)
            {
                return [.. methodsByService.Keys];
            }
        }
    }

    /// <summary>Descriptors of mapped services whose generated code exposes one.</summary>
    public IReadOnlyList<ServiceDescriptor> Descriptors
    {
        get
        {
            lock (sync)
            {
                return [.. descriptors];
            }
        }
    }
}
