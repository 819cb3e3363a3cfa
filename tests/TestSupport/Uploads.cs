using Grpc.Core;

namespace TestSupport;

/// <summary>Client-streaming uploads whose answer is read from the call, however early the server gave it.</summary>
public static class Uploads
{
    /// <summary>
    /// Writes the messages and completes the request stream, stopping early when the call has already ended. A server
    /// may answer before it has read the upload (a call without a token is refused at once, a bad header ends the
    /// import); a write on the stream it closed then fails with a status of the client's own making (seen here as
    /// CANCELLED without a message, 3 times in 400 calls), while the server's answer is in the call's response, where
    /// the caller reads it.
    /// </summary>
    public static async Task WriteAllAsync<T>(IClientStreamWriter<T> stream, IEnumerable<T> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(messages);
        try
        {
            foreach (var message in messages)
            {
                await stream.WriteAsync(message, cancellationToken);
            }

            await stream.CompleteAsync();
        }
        catch (Exception e) when ((e is RpcException or InvalidOperationException) && !cancellationToken.IsCancellationRequested)
        {
            // The call ended first; its response holds the server's status.
        }
    }
}
