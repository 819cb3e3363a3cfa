using Grpc.Core;

namespace ServiceDefaults;

/// <summary>
/// A client stream whose every message goes through <paramref name="inspect"/> as it arrives, so server interceptors
/// check streamed messages the way they check a unary request; an exception from it ends the call.
/// </summary>
internal sealed class InspectedStreamReader<T>(IAsyncStreamReader<T> inner, Action<T> inspect) : IAsyncStreamReader<T>
{
    public T Current => inner.Current;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (!await inner.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        inspect(inner.Current);
        return true;
    }
}
