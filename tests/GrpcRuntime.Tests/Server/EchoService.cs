using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;

namespace GrpcRuntime.Tests.Server;

/// <summary>
/// A service written in the exact shape the code generator emits, so the tests exercise
/// MapGrpcService through [BindServiceMethod] and the generic BindService.
/// </summary>
public static class EchoService
{
    public const string ServiceName = "test.v1.Echo";

    public static readonly Marshaller<StringValue> Marshaller = Marshallers.ForMessage(StringValue.Parser);

    public static readonly Method<StringValue, StringValue> UnaryMethod = new(MethodType.Unary, ServiceName, "Unary", Marshaller, Marshaller);
    public static readonly Method<StringValue, StringValue> ServerStreamMethod = new(MethodType.ServerStreaming, ServiceName, "ServerStream", Marshaller, Marshaller);
    public static readonly Method<StringValue, StringValue> ClientStreamMethod = new(MethodType.ClientStreaming, ServiceName, "ClientStream", Marshaller, Marshaller);
    public static readonly Method<StringValue, StringValue> DuplexMethod = new(MethodType.DuplexStreaming, ServiceName, "Duplex", Marshaller, Marshaller);

    [BindServiceMethod(typeof(EchoService), "BindService")]
    public abstract class EchoServiceBase
    {
        public virtual Task<StringValue> Unary(StringValue request, ServerCallContext context) => throw new RpcException(new Status(StatusCode.Unimplemented, ""));

        public virtual Task ServerStream(StringValue request, IServerStreamWriter<StringValue> responseStream, ServerCallContext context) => throw new RpcException(new Status(StatusCode.Unimplemented, ""));

        public virtual Task<StringValue> ClientStream(IAsyncStreamReader<StringValue> requestStream, ServerCallContext context) => throw new RpcException(new Status(StatusCode.Unimplemented, ""));

        public virtual Task Duplex(IAsyncStreamReader<StringValue> requestStream, IServerStreamWriter<StringValue> responseStream, ServerCallContext context) => throw new RpcException(new Status(StatusCode.Unimplemented, ""));
    }

    public static void BindService<TService>(ServiceBinderBase serviceBinder, Func<ServerCallContext, TService> serviceActivator)
        where TService : EchoServiceBase
    {
        serviceBinder.AddMethod(UnaryMethod, (UnaryServerMethod<StringValue, StringValue>)((request, context) => serviceActivator(context).Unary(request, context)));
        serviceBinder.AddMethod(ServerStreamMethod, (ServerStreamingServerMethod<StringValue, StringValue>)((request, stream, context) => serviceActivator(context).ServerStream(request, stream, context)));
        serviceBinder.AddMethod(ClientStreamMethod, (ClientStreamingServerMethod<StringValue, StringValue>)((stream, context) => serviceActivator(context).ClientStream(stream, context)));
        serviceBinder.AddMethod(DuplexMethod, (DuplexStreamingServerMethod<StringValue, StringValue>)((requests, responses, context) => serviceActivator(context).Duplex(requests, responses, context)));
    }
}

/// <summary>What the tests observe from inside the server.</summary>
public sealed class CallProbe
{
    public TaskCompletionSource HandlerStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<bool> HandlerObservedCancellation { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ServerCallContext? LastContext { get; set; }

    public int InstancesCreated;

    public int InstancesDisposed;

    public List<string> Events { get; } = [];
}

/// <summary>Behaviour chosen by the request text, so each test states its case in the request.</summary>
public sealed class EchoServiceImpl(CallProbe probe) : EchoService.EchoServiceBase, IDisposable
{
    private readonly CallProbe probe = Created(probe);

    private static CallProbe Created(CallProbe probe)
    {
        Interlocked.Increment(ref probe.InstancesCreated);
        return probe;
    }

    public void Dispose() => Interlocked.Increment(ref probe.InstancesDisposed);

    public override async Task<StringValue> Unary(StringValue request, ServerCallContext context)
    {
        probe.LastContext = context;
        var text = request.Value;
        switch (text)
        {
            case "throw":
                throw new InvalidOperationException("secret connection string leaked");
            case "wait":
                probe.HandlerStarted.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, context.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    probe.HandlerObservedCancellation.TrySetResult(true);
                    throw;
                }

                return request;
            case "peer":
                return new StringValue { Value = context.Peer };
            case "deadline":
                return new StringValue { Value = context.Deadline == DateTime.MaxValue ? "none" : (context.Deadline - DateTime.UtcNow).TotalSeconds.ToString("F0", CultureInfo.InvariantCulture) };
            case "metadata":
                {
                    var builder = new StringBuilder();
                    foreach (var entry in context.RequestHeaders)
                    {
                        builder.Append(entry.Key).Append('=').Append(entry.IsBinary ? Convert.ToHexString(entry.ValueBytes) : entry.Value).Append(';');
                    }

                    var echoed = context.RequestHeaders.Get("x-echo-initial");
                    if (echoed is not null)
                    {
                        await context.WriteResponseHeadersAsync(new Metadata { { "x-echo-initial", echoed.Value } });
                    }

                    var trailing = context.RequestHeaders.Get("x-echo-trailing-bin");
                    if (trailing is not null)
                    {
                        context.ResponseTrailers.Add("x-echo-trailing-bin", trailing.ValueBytes);
                    }

                    return new StringValue { Value = builder.ToString() };
                }

            case "feature":
                {
                    var feature = context.GetHttpContext().Features.Get<IServerCallContextFeature>();
                    return new StringValue { Value = ReferenceEquals(feature?.ServerCallContext, context) ? "same" : "different" };
                }

            case "user-state":
                return new StringValue { Value = context.UserState.TryGetValue("interceptor", out var value) ? (string)value : "missing" };
        }

        if (text.StartsWith("status:", StringComparison.Ordinal))
        {
            var parts = text.Split(':', 3);
            throw new RpcException(
                new Status((StatusCode)int.Parse(parts[1], CultureInfo.InvariantCulture), parts[2]),
                new Metadata { { "x-error-detail", "extra" }, { "x-error-bin", new byte[] { 1, 2, 3 } } });
        }

        if (text.StartsWith("set-status:", StringComparison.Ordinal))
        {
            context.Status = new Status(StatusCode.NotFound, text["set-status:".Length..]);
            return new StringValue();
        }

        if (text.StartsWith("big:", StringComparison.Ordinal))
        {
            return new StringValue { Value = new string('b', int.Parse(text["big:".Length..], CultureInfo.InvariantCulture)) };
        }

        return request;
    }

    public override async Task ServerStream(StringValue request, IServerStreamWriter<StringValue> responseStream, ServerCallContext context)
    {
        var parts = request.Value.Split(':');
        var count = int.Parse(parts[0], CultureInfo.InvariantCulture);
        for (var i = 0; i < count; i++)
        {
            await responseStream.WriteAsync(new StringValue { Value = "item" + i.ToString(CultureInfo.InvariantCulture) });
        }

        if (parts.Length > 1 && parts[1] == "fail")
        {
            throw new RpcException(new Status(StatusCode.Aborted, "failed after messages"));
        }

        if (parts.Length > 1 && parts[1] == "wait")
        {
            probe.HandlerStarted.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                probe.HandlerObservedCancellation.TrySetResult(true);
                throw;
            }
        }
    }

    public override async Task<StringValue> ClientStream(IAsyncStreamReader<StringValue> requestStream, ServerCallContext context)
    {
        var values = new List<string>();
        await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
        {
            values.Add(message.Value);
        }

        return new StringValue { Value = string.Join(",", values) };
    }

    public override async Task Duplex(IAsyncStreamReader<StringValue> requestStream, IServerStreamWriter<StringValue> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            await responseStream.WriteAsync(new StringValue { Value = "echo:" + requestStream.Current.Value });
        }
    }
}
