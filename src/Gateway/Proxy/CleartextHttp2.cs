using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Gateway.Proxy;

/// <summary>
/// One cleartext port for gRPC (HTTP/2 with prior knowledge, as channels' gRPC clients speak it) and HTTP/1.1 (the
/// token endpoint, the sign-in page, JSON APIs). Kestrel picks HTTP/1.1 on every cleartext connection of an
/// Http1AndHttp2 endpoint because there is no ALPN to ask; this connection middleware looks at the first bytes
/// instead: a connection that opens with the HTTP/2 client preface (RFC 9113 §3.4) is handed to Kestrel as if ALPN
/// had chosen "h2". The request scheme stays the client's <c>:scheme</c> (AllowAlternateSchemes), so nothing
/// believes the connection is encrypted. With a certificate configured the endpoint uses real TLS and ALPN instead.
/// </summary>
public static class CleartextHttp2
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    public static ListenOptions UseHttp2PriorKnowledgeDetection(this ListenOptions listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        listen.Use(next => async connection =>
        {
            if (await StartsWithPrefaceAsync(connection.Transport.Input, connection.ConnectionClosed).ConfigureAwait(false))
            {
                connection.Features.Set<ITlsApplicationProtocolFeature>(new PriorKnowledge());
                connection.Features.Set<ITlsConnectionFeature>(new PriorKnowledge());
            }

            await next(connection).ConfigureAwait(false);
        });
        return listen;
    }

    private static async Task<bool> StartsWithPrefaceAsync(System.IO.Pipelines.PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            var length = (int)Math.Min(buffer.Length, Preface.Length);
            var matches = PrefixMatches(buffer.Slice(0, length));
            var decided = !matches || length == Preface.Length || read.IsCompleted || read.IsCanceled;
            // Nothing is consumed: Kestrel reads the same bytes again.
            input.AdvanceTo(buffer.Start, decided ? buffer.Start : buffer.End);
            if (decided)
            {
                return matches && length == Preface.Length;
            }
        }
    }

    private static bool PrefixMatches(ReadOnlySequence<byte> start)
    {
        Span<byte> bytes = stackalloc byte[(int)start.Length];
        start.CopyTo(bytes);
        return bytes.SequenceEqual(Preface.AsSpan(0, bytes.Length));
    }

    /// <summary>What Kestrel asks to choose HTTP/2: an application protocol of "h2" and a connection it may run it on.</summary>
    private sealed class PriorKnowledge : ITlsApplicationProtocolFeature, ITlsConnectionFeature
    {
        public ReadOnlyMemory<byte> ApplicationProtocol => "h2"u8.ToArray();

        public X509Certificate2? ClientCertificate { get; set; }

        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult<X509Certificate2?>(null);
    }
}
