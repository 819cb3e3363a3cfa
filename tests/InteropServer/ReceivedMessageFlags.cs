using Microsoft.AspNetCore.Http;

namespace Interop;

/// <summary>
/// The compressed flag of every request message of one call, in arrival order, read off the HTTP
/// request body by <see cref="ReceivedMessageFlagsMiddleware"/> before the gRPC runtime parses it.
/// </summary>
internal sealed class ReceivedMessageFlags
{
    private readonly List<bool> flags = [];
    private readonly object gate = new();

    /// <summary>Whether the request message at this position (0-based) arrived compressed.</summary>
    public bool WasCompressed(int messageIndex)
    {
        lock (gate)
        {
            if (messageIndex >= flags.Count)
            {
                throw new InvalidOperationException($"Request message {messageIndex} was delivered before its frame was seen.");
            }

            return flags[messageIndex];
        }
    }

    public void Add(bool compressed)
    {
        lock (gate)
        {
            flags.Add(compressed);
        }
    }

    public static ReceivedMessageFlags Of(HttpContext httpContext) =>
        httpContext.Features.Get<ReceivedMessageFlags>() ?? throw new InvalidOperationException("ReceivedMessageFlagsMiddleware is not in the pipeline.");
}

/// <summary>Wraps every request body so that <see cref="ReceivedMessageFlags"/> sees each message prefix.</summary>
internal sealed class ReceivedMessageFlagsMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext httpContext)
    {
        var flags = new ReceivedMessageFlags();
        httpContext.Features.Set(flags);
        httpContext.Request.Body = new MessageFlagObservingStream(httpContext.Request.Body, flags.Add);
        return next(httpContext);
    }
}
