using System.IO.Compression;

namespace GrpcRuntime.Compression;

/// <summary>The <c>gzip</c> message encoding.</summary>
public sealed class GzipCompressionProvider : ICompressionProvider
{
    private readonly CompressionLevel defaultCompressionLevel;

    public GzipCompressionProvider()
        : this(CompressionLevel.Fastest)
    {
    }

    public GzipCompressionProvider(CompressionLevel defaultCompressionLevel)
    {
        this.defaultCompressionLevel = defaultCompressionLevel;
    }

    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream output, CompressionLevel? compressionLevel) =>
        new GZipStream(output, compressionLevel ?? defaultCompressionLevel, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream input) =>
        new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);
}
