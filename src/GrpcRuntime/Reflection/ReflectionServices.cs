using Google.Protobuf;

namespace GrpcRuntime.Reflection;

/// <summary>grpc.reflection.v1.ServerReflection.</summary>
internal sealed class ReflectionServiceImpl(ReflectionIndex index) : Grpc.Reflection.V1.ServerReflection.ServerReflectionBase
{
    public override async Task ServerReflectionInfo(
        IAsyncStreamReader<Grpc.Reflection.V1.ServerReflectionRequest> requestStream,
        IServerStreamWriter<Grpc.Reflection.V1.ServerReflectionResponse> responseStream,
        ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            await responseStream.WriteAsync(index.Handle(requestStream.Current));
        }
    }
}

/// <summary>
/// grpc.reflection.v1alpha.ServerReflection. Its messages are wire-identical to v1's, so each
/// request is re-read as v1, answered by the same index, and the answer re-read as v1alpha.
/// </summary>
internal sealed class V1AlphaReflectionServiceImpl(ReflectionIndex index) : Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionBase
{
    public override async Task ServerReflectionInfo(
        IAsyncStreamReader<Grpc.Reflection.V1Alpha.ServerReflectionRequest> requestStream,
        IServerStreamWriter<Grpc.Reflection.V1Alpha.ServerReflectionResponse> responseStream,
        ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var request = Grpc.Reflection.V1.ServerReflectionRequest.Parser.ParseFrom(requestStream.Current.ToByteString());
            var response = index.Handle(request);
            await responseStream.WriteAsync(Grpc.Reflection.V1Alpha.ServerReflectionResponse.Parser.ParseFrom(response.ToByteString()));
        }
    }
}
