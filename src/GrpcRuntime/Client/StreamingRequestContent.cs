using System.Net;
using System.Net.Http.Headers;
using GrpcRuntime.Internal;

namespace GrpcRuntime.Client;

/// <summary>
/// A request body that stays open while the caller writes messages: the HTTP stack hands us the
/// request stream, and the body ends (END_STREAM, the half-close) only when the writer completes.
/// </summary>
internal sealed class StreamingRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> requestStream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StreamingRequestContent()
    {
        Headers.ContentType = new MediaTypeHeaderValue(GrpcProtocol.ContentType);
    }

    /// <summary>Completes when the HTTP stack starts sending the body.</summary>
    public Task<Stream> RequestStream => requestStream.Task;

    /// <summary>Ends the request body normally; a writer still waiting for the stream will not get it.</summary>
    public void Complete()
    {
        requestStream.TrySetCanceled();
        completion.TrySetResult();
    }

    /// <summary>Ends the request body abnormally, so the stack resets the stream if it is still open.</summary>
    public void Abort()
    {
        requestStream.TrySetCanceled();
        completion.TrySetCanceled();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        requestStream.TrySetResult(stream);
        await completion.Task;
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
