using System.Reflection;
using Google.Protobuf.Reflection;

namespace GrpcRuntime.CodeGen.Tests;

/// <summary>Every service in src/Contracts, checked against its own descriptor.</summary>
public sealed class ContractsGeneratedTests
{
    private static readonly Assembly ContractsAssembly = typeof(Grpc.Testing.TestService).Assembly;

    public static TheoryData<string> ContractServices()
    {
        var data = new TheoryData<string>();
        foreach (var type in ServiceClasses())
        {
            data.Add(type.FullName!);
        }

        return data;
    }

    [Fact]
    public void Contracts_generates_a_service_class_for_every_service_in_its_protos()
    {
        var declared = ContractsAssembly.GetTypes()
            .Where(t => t.IsClass && t.IsAbstract && t.IsSealed && t.Name.EndsWith("Reflection", StringComparison.Ordinal))
            .Select(t => t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null))
            .OfType<FileDescriptor>()
            .SelectMany(file => file.Services)
            .Select(service => service.FullName)
            .Order();
        var generated = ServiceClasses().Select(t => Descriptor(t).FullName).Order().ToList();

        Assert.Contains("grpc.testing.TestService", generated);
        Assert.Contains("claim.v1.ClaimService", generated);
        Assert.Equal(declared, generated);
    }

    [Theory]
    [MemberData(nameof(ContractServices))]
    public void BindService_binds_every_descriptor_method_with_its_path_kind_and_message_types(string serviceClassName)
    {
        var serviceClass = ContractsAssembly.GetType(serviceClassName, throwOnError: true)!;
        var descriptor = Descriptor(serviceClass);
        var binder = new RecordingBinder();

        BindWithActivator(serviceClass, binder);

        Assert.Equal(descriptor.Methods.Select(m => "/" + descriptor.FullName + "/" + m.Name), binder.Bound.Select(b => b.Method.FullName));
        foreach (var (method, (bound, _)) in descriptor.Methods.Zip(binder.Bound))
        {
            var expectedKind = (method.IsClientStreaming, method.IsServerStreaming) switch
            {
                (false, false) => MethodType.Unary,
                (true, false) => MethodType.ClientStreaming,
                (false, true) => MethodType.ServerStreaming,
                _ => MethodType.DuplexStreaming,
            };
            Assert.Equal(expectedKind, bound.Type);
            Assert.Equal(typeof(Method<,>).MakeGenericType(method.InputType.ClrType, method.OutputType.ClrType), bound.GetType());
        }
    }

    [Theory]
    [MemberData(nameof(ContractServices))]
    public void Client_has_a_call_method_for_every_rpc(string serviceClassName)
    {
        var serviceClass = ContractsAssembly.GetType(serviceClassName, throwOnError: true)!;
        var descriptor = Descriptor(serviceClass);
        var client = serviceClass.GetNestedType(serviceClass.Name + "Client")!;
        var clientMethods = client.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(m => m.Name).ToHashSet();

        foreach (var method in descriptor.Methods)
        {
            var pascal = string.Concat(method.Name.Split('_').Select(part => part.Length == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..]));
            var expected = method.IsClientStreaming || method.IsServerStreaming ? pascal : pascal + "Async";
            Assert.Contains(expected, clientMethods);
        }
    }

    private static IEnumerable<System.Type> ServiceClasses() =>
        ContractsAssembly.GetTypes()
            .Where(t => t.IsClass && t.IsAbstract && t.IsSealed && t.GetNestedTypes().Any(n => n.GetCustomAttribute<BindServiceMethodAttribute>() is not null));

    private static ServiceDescriptor Descriptor(System.Type serviceClass) =>
        (ServiceDescriptor)serviceClass.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private static void BindWithActivator(System.Type serviceClass, ServiceBinderBase binder)
    {
        var baseType = serviceClass.GetNestedTypes().Single(n => n.GetCustomAttribute<BindServiceMethodAttribute>() is not null);
        var bind = serviceClass.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Single(m => m.Name == "BindService" && m.IsGenericMethodDefinition)
            .MakeGenericMethod(baseType);
        var activatorType = typeof(Func<,>).MakeGenericType(typeof(ServerCallContext), baseType);
        var activator = System.Linq.Expressions.Expression.Lambda(
            activatorType,
            System.Linq.Expressions.Expression.Constant(null, baseType),
            System.Linq.Expressions.Expression.Parameter(typeof(ServerCallContext))).Compile();
        bind.Invoke(null, [binder, activator]);
    }
}
