using System.Linq.Expressions;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrpcRuntime.Server.Internal;

/// <summary>Builds the per-service pieces MapGrpcService needs from the application's services.</summary>
internal sealed class ServerCallHandlerFactory(IServiceProvider services, IOptions<GrpcServiceOptions> globalOptions, TimeProvider timeProvider, ILoggerFactory loggerFactory)
{
    private ServerRuntime? runtime;

    public ServerRuntime Runtime => runtime ??= new ServerRuntime(timeProvider, loggerFactory, services.GetService<IHostApplicationLifetime>());

    public ServiceMethodOptions CreateOptions<TService>()
        where TService : class
    {
        var serviceOptions = services.GetService<IOptions<GrpcServiceOptions<TService>>>()?.Value;
        return new ServiceMethodOptions(globalOptions.Value, serviceOptions);
    }

    /// <summary>
    /// Creates the service per call: from DI when registered (DI owns its lifetime), otherwise
    /// constructed (with DI-injected arguments when its constructor has any) and disposed when the call ends.
    /// </summary>
    public static Func<ServerCallContext, TService> CreateActivator<TService>(IServiceProvider applicationServices)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(applicationServices);
        var registeredInDi = applicationServices.GetService<IServiceProviderIsService>()?.IsService(typeof(TService)) ?? true;
        if (!registeredInDi && FindOnlyParameterlessConstructor(typeof(TService)) is { } constructor)
        {
            // Nothing to inject: HttpContext.RequestServices is not touched, because its first use
            // builds the request's DI scope, which costs a plain echo call a third of its allocations.
            var construct = Expression.Lambda<Func<TService>>(Expression.New(constructor)).Compile();
            return context =>
            {
                var created = construct();
                if (context is HttpContextServerCallContext callContext)
                {
                    callContext.AddOwnedObject(created);
                }

                return created;
            };
        }

        var factory = ActivatorUtilities.CreateFactory(typeof(TService), Type.EmptyTypes);
        return context =>
        {
            var requestServices = context.GetHttpContext().RequestServices;
            if (requestServices.GetService(typeof(TService)) is TService registered)
            {
                return registered;
            }

            var created = (TService)factory(requestServices, null);
            if (context is HttpContextServerCallContext callContext)
            {
                callContext.AddOwnedObject(created);
            }

            return created;
        };
    }

    private static ConstructorInfo? FindOnlyParameterlessConstructor(Type type)
    {
        var constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance);
        return type.IsAbstract || constructors.Length != 1 || constructors[0].GetParameters().Length != 0 ? null : constructors[0];
    }
}
