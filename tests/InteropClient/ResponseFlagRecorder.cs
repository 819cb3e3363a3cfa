namespace Interop;

/// <summary>
/// An HTTP handler that records, for each call, whether every response message arrived with the
/// compressed flag set; the server compression cases assert on it.
/// </summary>
internal sealed class ResponseFlagRecorder(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly object gate = new();
    private List<bool> lastCall = [];

    /// <summary>Compressed flags of the response messages of the call started last, in order.</summary>
    public IReadOnlyList<bool> LastCallFlags
    {
        get
        {
            lock (gate)
            {
                return [.. lastCall];
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var flags = new List<bool>();
        lock (gate)
        {
            lastCall = flags;
        }

        var response = await base.SendAsync(request, cancellationToken);
        var original = response.Content;
        var body = await original.ReadAsStreamAsync(cancellationToken);
        var observed = new StreamContent(new MessageFlagObservingStream(body, compressed =>
        {
            lock (gate)
            {
                flags.Add(compressed);
            }
        }));
        foreach (var header in original.Headers)
        {
            observed.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        response.Content = observed;
        return response;
    }
}
