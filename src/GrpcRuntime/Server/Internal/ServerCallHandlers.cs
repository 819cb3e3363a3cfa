using GrpcRuntime.Interceptors;
using GrpcRuntime.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace GrpcRuntime.Server.Internal;

/// <summary>
/// Runs one method's calls. The synchronous fast path matters: a unary call whose request already
/// arrived and whose handler completes synchronously finishes without any extra task.
/// </summary>
internal abstract class ServerCallHandler<TRequest, TResponse>
    where TRequest : class
    where TResponse : class
{
    protected ServerCallHandler(Method<TRequest, TResponse> method, ServiceMethodOptions options, ServerRuntime runtime)
    {
        Method = method;
        Options = options;
        Runtime = runtime;
        MethodContext = new ServerMethodContext(method, options, runtime);
    }

    protected Method<TRequest, TResponse> Method { get; }

    protected ServiceMethodOptions Options { get; }

    protected ServerRuntime Runtime { get; }

    private ServerMethodContext MethodContext { get; }

    protected bool HasInterceptors => Options.Interceptors.Length > 0;

    public Task HandleCallAsync(HttpContext httpContext)
    {
        if (!GrpcRequestValidation.IsValidGrpcRequest(httpContext, Runtime))
        {
            return Task.CompletedTask;
        }

        var context = new HttpContextServerCallContext(httpContext, MethodContext);
        if (!context.TryStart())
        {
            return AsTask(context.EndCallAsync());
        }

        Task handlerTask;
        try
        {
            handlerTask = HandleCallCoreAsync(httpContext, context);
        }
        catch (Exception ex)
        {
            context.SetError(ex);
            return AsTask(context.EndCallAsync());
        }

        if (handlerTask.IsCompletedSuccessfully)
        {
            return AsTask(context.EndCallAsync());
        }

        return AwaitHandlerAsync(context, handlerTask);
    }

    protected abstract Task HandleCallCoreAsync(HttpContext httpContext, HttpContextServerCallContext context);

    /// <summary>Reads the single request message of a unary or server-streaming call.</summary>
    protected async Task<TRequest> ReadSingleRequestAsync(HttpContext httpContext, HttpContextServerCallContext context)
    {
        var reader = httpContext.Request.BodyReader;
        var token = context.RuntimeToken;
        var (hasMessage, request) = await MessageFraming.ReadMessageAsync(reader, Method.RequestMarshaller, Options.MaxReceiveMessageSize, context.RequestDecompressor, token);
        if (!hasMessage)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Request did not include a message."));
        }

        var (hasAnother, _) = await MessageFraming.ReadMessageAsync(reader, Method.RequestMarshaller, Options.MaxReceiveMessageSize, context.RequestDecompressor, token);
        if (hasAnother)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Additional message received after the single request message."));
        }

        return request;
    }

    protected static void DisableMinRequestBodyDataRate(HttpContext httpContext)
    {
        // A stream may legitimately stay idle between messages; Kestrel would otherwise drop it.
        var minRate = httpContext.Features.Get<IHttpMinRequestBodyDataRateFeature>();
        if (minRate is not null)
        {
            minRate.MinDataRate = null;
        }
    }

    protected Interceptor ResolveInterceptor(int index, HttpContextServerCallContext context)
    {
        var interceptor = Options.Interceptors[index].Resolve(context.GetHttpContext().RequestServices, out var created);
        if (created)
        {
            context.AddOwnedObject(interceptor);
        }

        return interceptor;
    }

    private static Task AsTask(ValueTask valueTask) => valueTask.IsCompletedSuccessfully ? Task.CompletedTask : valueTask.AsTask();

    private static async Task AwaitHandlerAsync(HttpContextServerCallContext context, Task handlerTask)
    {
        try
        {
            await handlerTask;
        }
        catch (Exception ex)
        {
            context.SetError(ex);
        }

        await context.EndCallAsync();
    }
}

internal sealed class UnaryServerCallHandler<TRequest, TResponse>(
    Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> invoker, ServiceMethodOptions options, ServerRuntime runtime)
    : ServerCallHandler<TRequest, TResponse>(method, options, runtime)
    where TRequest : class
    where TResponse : class
{
    protected override Task HandleCallCoreAsync(HttpContext httpContext, HttpContextServerCallContext context)
    {
        // The request usually arrived with its END_STREAM before the handler runs: read it without
        // allocating a state machine, and fall back to the async path otherwise.
        var reader = httpContext.Request.BodyReader;
        var first = MessageFraming.ReadMessageAsync(reader, Method.RequestMarshaller, Options.MaxReceiveMessageSize, context.RequestDecompressor, context.RuntimeToken);
        if (!first.IsCompletedSuccessfully)
        {
            return ContinueAfterReadAsync(first, reader, context);
        }

        var (hasMessage, request) = first.Result;
        if (!hasMessage)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Request did not include a message."));
        }

        var end = MessageFraming.ReadMessageAsync(reader, Method.RequestMarshaller, Options.MaxReceiveMessageSize, context.RequestDecompressor, context.RuntimeToken);
        if (!end.IsCompletedSuccessfully)
        {
            return ContinueAfterEndOfStreamAsync(end, request, context);
        }

        if (end.Result.HasMessage)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Additional message received after the single request message."));
        }

        var responseTask = Invoke(request, context);
        if (!responseTask.IsCompletedSuccessfully)
        {
            return ContinueAfterHandlerAsync(responseTask, context);
        }

        WriteResponse(responseTask.Result, context);
        return Task.CompletedTask;
    }

    private async Task ContinueAfterReadAsync(ValueTask<(bool HasMessage, TRequest Message)> first, System.IO.Pipelines.PipeReader reader, HttpContextServerCallContext context)
    {
        var (hasMessage, request) = await first;
        if (!hasMessage)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Request did not include a message."));
        }

        var end = MessageFraming.ReadMessageAsync(reader, Method.RequestMarshaller, Options.MaxReceiveMessageSize, context.RequestDecompressor, context.RuntimeToken);
        await ContinueAfterEndOfStreamAsync(end, request, context);
    }

    private async Task ContinueAfterEndOfStreamAsync(ValueTask<(bool HasMessage, TRequest Message)> end, TRequest request, HttpContextServerCallContext context)
    {
        if ((await end).HasMessage)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Additional message received after the single request message."));
        }

        var response = await Invoke(request, context);
        WriteResponse(response, context);
    }

    private async Task ContinueAfterHandlerAsync(Task<TResponse> responseTask, HttpContextServerCallContext context)
    {
        var response = await responseTask;
        WriteResponse(response, context);
    }

    private Task<TResponse> Invoke(TRequest request, HttpContextServerCallContext context)
    {
        if (!HasInterceptors)
        {
            return invoker(request, context);
        }

        var pipeline = invoker;
        for (var i = Options.Interceptors.Length - 1; i >= 0; i--)
        {
            var interceptor = ResolveInterceptor(i, context);
            var next = pipeline;
            pipeline = (r, c) => interceptor.UnaryServerHandler(r, c, next);
        }

        return pipeline(request, context);
    }

    private void WriteResponse(TResponse? response, HttpContextServerCallContext context)
    {
        if (context.StatusCode != StatusCode.OK || context.DeadlineExceeded)
        {
            return;
        }

        if (response is null)
        {
            throw new InvalidOperationException("The handler returned no response message.");
        }

        context.WriteSingleResponse(response, Method.ResponseMarshaller);
    }
}

internal sealed class ServerStreamingServerCallHandler<TRequest, TResponse>(
    Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> invoker, ServiceMethodOptions options, ServerRuntime runtime)
    : ServerCallHandler<TRequest, TResponse>(method, options, runtime)
    where TRequest : class
    where TResponse : class
{
    protected override async Task HandleCallCoreAsync(HttpContext httpContext, HttpContextServerCallContext context)
    {
        var request = await ReadSingleRequestAsync(httpContext, context);
        var writer = new HttpContextStreamWriter<TResponse>(context, Method.ResponseMarshaller);
        try
        {
            if (!HasInterceptors)
            {
                await invoker(request, writer, context);
                return;
            }

            var pipeline = invoker;
            for (var i = Options.Interceptors.Length - 1; i >= 0; i--)
            {
                var interceptor = ResolveInterceptor(i, context);
                var next = pipeline;
                pipeline = (r, w, c) => interceptor.ServerStreamingServerHandler(r, w, c, next);
            }

            await pipeline(request, writer, context);
        }
        finally
        {
            writer.Complete();
        }
    }
}

internal sealed class ClientStreamingServerCallHandler<TRequest, TResponse>(
    Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> invoker, ServiceMethodOptions options, ServerRuntime runtime)
    : ServerCallHandler<TRequest, TResponse>(method, options, runtime)
    where TRequest : class
    where TResponse : class
{
    protected override async Task HandleCallCoreAsync(HttpContext httpContext, HttpContextServerCallContext context)
    {
        DisableMinRequestBodyDataRate(httpContext);
        var reader = new HttpContextStreamReader<TRequest>(context, Method.RequestMarshaller);
        TResponse response;
        try
        {
            if (!HasInterceptors)
            {
                response = await invoker(reader, context);
            }
            else
            {
                var pipeline = invoker;
                for (var i = Options.Interceptors.Length - 1; i >= 0; i--)
                {
                    var interceptor = ResolveInterceptor(i, context);
                    var next = pipeline;
                    pipeline = (r, c) => interceptor.ClientStreamingServerHandler(r, c, next);
                }

                response = await pipeline(reader, context);
            }
        }
        finally
        {
            reader.Complete();
        }

        if (context.StatusCode != StatusCode.OK || context.DeadlineExceeded)
        {
            return;
        }

        if (response is null)
        {
            throw new InvalidOperationException("The handler returned no response message.");
        }

        context.WriteSingleResponse(response, Method.ResponseMarshaller);
    }
}

internal sealed class DuplexStreamingServerCallHandler<TRequest, TResponse>(
    Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> invoker, ServiceMethodOptions options, ServerRuntime runtime)
    : ServerCallHandler<TRequest, TResponse>(method, options, runtime)
    where TRequest : class
    where TResponse : class
{
    protected override async Task HandleCallCoreAsync(HttpContext httpContext, HttpContextServerCallContext context)
    {
        DisableMinRequestBodyDataRate(httpContext);
        var reader = new HttpContextStreamReader<TRequest>(context, Method.RequestMarshaller);
        var writer = new HttpContextStreamWriter<TResponse>(context, Method.ResponseMarshaller);
        try
        {
            if (!HasInterceptors)
            {
                await invoker(reader, writer, context);
                return;
            }

            var pipeline = invoker;
            for (var i = Options.Interceptors.Length - 1; i >= 0; i--)
            {
                var interceptor = ResolveInterceptor(i, context);
                var next = pipeline;
                pipeline = (r, w, c) => interceptor.DuplexStreamingServerHandler(r, w, c, next);
            }

            await pipeline(reader, writer, context);
        }
        finally
        {
            reader.Complete();
            writer.Complete();
        }
    }
}
