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
        // The HTTP/2 stack may hold the request HEADERS frame back until the body writes something;
        // a call whose first message comes later (or never) must still reach the server now.
        await stream.FlushAsync(cancellationToken);
        requestStream.TrySetResult(stream);

        // The HTTP stack cancels the body when the stream ends early (the server answered without
        // reading everything, or reset the stream); it may wait for this method before completing
        // the request, so the body must end then rather than wait for the writer.
        using var registration = cancellationToken.Register(static state => ((StreamingRequestContent)state!).Abort(), this);
        await completion.Task;
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
