using System.IO.Compression;

namespace GrpcRuntime.Compression;

/// <summary>
/// One message encoding (the value of <c>grpc-encoding</c>). Identity has no provider: a call
/// without one sends and accepts uncompressed messages only.
/// </summary>
public interface ICompressionProvider
{
    /// <summary>The name used in <c>grpc-encoding</c> and <c>grpc-accept-encoding</c>, e.g. <c>gzip</c>.</summary>
    string EncodingName { get; }

    /// <summary>A stream that compresses what is written to it into <paramref name="output"/>, leaving it open.</summary>
    Stream CreateCompressionStream(Stream output, CompressionLevel? compressionLevel);

    /// <summary>A stream that reads the decompressed form of <paramref name="input"/>, leaving it open.</summary>
    Stream CreateDecompressionStream(Stream input);
}
