using System.Reflection;
using GrpcRuntime;
using GrpcRuntime.Server;
using GrpcRuntime.Server.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using ProtoServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps gRPC services onto endpoint routing.</summary>
public static class GrpcEndpointRouteBuilderExtensions
{
    private static readonly string[] PostOnly = ["POST"];

    /// <summary>
    /// Maps every method of a generated service base's implementation. The service is created per
    /// call (from DI if registered there).
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcService<TService>(this IEndpointRouteBuilder builder)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        var bindAttribute = typeof(TService).GetCustomAttribute<BindServiceMethodAttribute>(inherit: true)
            ?? throw new InvalidOperationException($"{typeof(TService)} does not derive from a generated service base ([BindServiceMethod] not found).");
        var bindMethod = FindGenericBindMethod(bindAttribute)
            ?? throw new InvalidOperationException($"{bindAttribute.BindType}.{bindAttribute.BindMethodName}<TService>(ServiceBinderBase, Func<ServerCallContext, TService>) not found.");
        var descriptor = bindAttribute.BindType.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as ProtoServiceDescriptor;

        var binder = CreateBinder<TService>(builder, out var registry, out var runtime);
        try
        {
            bindMethod.MakeGenericMethod(typeof(TService)).Invoke(null, [binder, ServerCallHandlerFactory.CreateActivator<TService>(builder.ServiceProvider)]);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }

        return MapMethods(builder, binder, registry, runtime, descriptor);
    }

    /// <summary>Maps methods bound by hand (used by the runtime's own services and by tests).</summary>
    internal static IEndpointConventionBuilder MapGrpcMethods<TService>(this IEndpointRouteBuilder builder, Action<ServiceBinderBase> bind, ProtoServiceDescriptor? descriptor)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(bind);
        var binder = CreateBinder<TService>(builder, out var registry, out var runtime);
        bind(binder);
        return MapMethods(builder, binder, registry, runtime, descriptor);
    }

    private static ServerServiceBinder CreateBinder<TService>(IEndpointRouteBuilder builder, out GrpcServiceRegistry registry, out ServerRuntime runtime)
        where TService : class
    {
        var services = builder.ServiceProvider;
        registry = services.GetService<GrpcServiceRegistry>()
            ?? throw new InvalidOperationException("gRPC services are not registered: call services.AddGrpc() first.");
        var factory = services.GetRequiredService<ServerCallHandlerFactory>();
        runtime = factory.Runtime;
        return new ServerServiceBinder(factory.CreateOptions<TService>(), runtime);
    }

    private static CompositeEndpointConventionBuilder MapMethods(IEndpointRouteBuilder builder, ServerServiceBinder binder, GrpcServiceRegistry registry, ServerRuntime runtime, ProtoServiceDescriptor? descriptor)
    {
        var conventionBuilders = new List<IEndpointConventionBuilder>(binder.Methods.Count);
        var methodNamesByService = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (method, handler) in binder.Methods)
        {
            var endpoint = builder.Map(RoutePatternFactory.Parse(method.FullName), handler);
            endpoint.WithMetadata(new HttpMethodMetadata(PostOnly), new GrpcMethodMetadata(method));
            endpoint.WithDisplayName("gRPC - " + method.FullName);
            conventionBuilders.Add(endpoint);
            if (!methodNamesByService.TryGetValue(method.ServiceName, out var names))
            {
                names = [];
                methodNamesByService.Add(method.ServiceName, names);
            }

            names.Add(method.Name);
        }

        foreach (var (serviceName, names) in methodNamesByService)
        {
            registry.AddService(serviceName, names, descriptor?.FullName == serviceName ? descriptor : null);
        }

        if (descriptor is not null && !methodNamesByService.ContainsKey(descriptor.FullName))
        {
            registry.AddService(descriptor.FullName, [], descriptor);
        }

        MapUnimplementedEndpoints(builder, registry, runtime);
        return new CompositeEndpointConventionBuilder(conventionBuilders);
    }

    private static void MapUnimplementedEndpoints(IEndpointRouteBuilder builder, GrpcServiceRegistry registry, ServerRuntime runtime)
    {
        if (registry.UnimplementedEndpointsMapped)
        {
            return;
        }

        registry.UnimplementedEndpointsMapped = true;
        var handler = new UnimplementedCallHandler(registry, runtime);
        var pattern = RoutePatternFactory.Parse(
            "{" + UnimplementedCallHandler.ServiceParameter + "}/{" + UnimplementedCallHandler.MethodParameter + "}",
            defaults: null,
            parameterPolicies: new RouteValueDictionary { [UnimplementedCallHandler.MethodParameter] = new GrpcUnimplementedConstraint() });
        var endpoint = builder.Map(pattern, handler.HandleCallAsync);
        endpoint.WithMetadata(new HttpMethodMetadata(PostOnly));
        endpoint.WithDisplayName("gRPC - Unimplemented");

        // Real endpoints must always win over the catch-all.
        endpoint.Add(b => ((RouteEndpointBuilder)b).Order = int.MaxValue);
    }

    private static MethodInfo? FindGenericBindMethod(BindServiceMethodAttribute attribute)
    {
        foreach (var candidate in attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
        {
            if (candidate.Name != attribute.BindMethodName || !candidate.IsGenericMethodDefinition || candidate.GetGenericArguments().Length != 1)
            {
                continue;
            }

            var parameters = candidate.GetParameters();
            if (parameters.Length == 2 && parameters[0].ParameterType == typeof(ServiceBinderBase))
            {
                return candidate;
            }
        }

        return null;
    }

    private sealed class CompositeEndpointConventionBuilder(List<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
