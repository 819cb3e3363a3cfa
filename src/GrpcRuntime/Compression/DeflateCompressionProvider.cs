using System.IO.Compression;

namespace GrpcRuntime.Compression;

/// <summary>
/// The <c>deflate</c> message encoding. gRPC's "deflate" is the zlib format (RFC 1950), not raw
/// deflate, which is why this wraps <see cref="ZLibStream"/>.
/// </summary>
public sealed class DeflateCompressionProvider : ICompressionProvider
{
    private readonly CompressionLevel defaultCompressionLevel;

    public DeflateCompressionProvider()
        : this(CompressionLevel.Fastest)
    {
    }

    public DeflateCompressionProvider(CompressionLevel defaultCompressionLevel)
    {
        this.defaultCompressionLevel = defaultCompressionLevel;
    }

    public string EncodingName => "deflate";

    public Stream CreateCompressionStream(Stream output, CompressionLevel? compressionLevel) =>
        new ZLibStream(output, compressionLevel ?? defaultCompressionLevel, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream input) =>
        new ZLibStream(input, CompressionMode.Decompress, leaveOpen: true);
}
