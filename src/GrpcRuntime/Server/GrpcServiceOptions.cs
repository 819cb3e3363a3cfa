using System.IO.Compression;
using GrpcRuntime.Compression;

namespace GrpcRuntime.Server;

/// <summary>
/// Server options. Configured globally with <c>AddGrpc(o => ...)</c>; a service can override any
/// value it sets through <c>AddServiceOptions&lt;TService&gt;(o => ...)</c>.
/// </summary>
public class GrpcServiceOptions
{
    /// <summary>The default receive limit, as in every gRPC implementation.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    private int? maxReceiveMessageSize = DefaultMaxReceiveMessageSize;
    private int? maxSendMessageSize;
    private bool enableDetailedErrors;
    private string? responseCompressionAlgorithm;
    private CompressionLevel? responseCompressionLevel;

    /// <summary>Largest message accepted, in bytes; null means unlimited. Default 4 MiB.</summary>
    public int? MaxReceiveMessageSize
    {
        get => maxReceiveMessageSize;
        set
        {
            maxReceiveMessageSize = value;
            MaxReceiveMessageSizeSpecified = true;
        }
    }

    /// <summary>Largest message sent, in bytes; null (the default) means unlimited.</summary>
    public int? MaxSendMessageSize
    {
        get => maxSendMessageSize;
        set
        {
            maxSendMessageSize = value;
            MaxSendMessageSizeSpecified = true;
        }
    }

    /// <summary>Send the exception's type and message with UNKNOWN. Leaks internals: development only.</summary>
    public bool EnableDetailedErrors
    {
        get => enableDetailedErrors;
        set
        {
            enableDetailedErrors = value;
            EnableDetailedErrorsSpecified = true;
        }
    }

    /// <summary>Encoding for responses (e.g. <c>gzip</c>) when the client accepts it; null sends identity.</summary>
    public string? ResponseCompressionAlgorithm
    {
        get => responseCompressionAlgorithm;
        set
        {
            responseCompressionAlgorithm = value;
            ResponseCompressionAlgorithmSpecified = true;
        }
    }

    public CompressionLevel? ResponseCompressionLevel
    {
        get => responseCompressionLevel;
        set
        {
            responseCompressionLevel = value;
            ResponseCompressionLevelSpecified = true;
        }
    }

    /// <summary>Encodings the server understands. Defaults to gzip and deflate.</summary>
    public IList<ICompressionProvider> CompressionProviders { get; } = [new GzipCompressionProvider(), new DeflateCompressionProvider()];

    /// <summary>Interceptors run around every call, outermost first; global ones run before per-service ones.</summary>
    public InterceptorCollection Interceptors { get; } = [];

    internal bool MaxReceiveMessageSizeSpecified { get; private set; }

    internal bool MaxSendMessageSizeSpecified { get; private set; }

    internal bool EnableDetailedErrorsSpecified { get; private set; }

    internal bool ResponseCompressionAlgorithmSpecified { get; private set; }

    internal bool ResponseCompressionLevelSpecified { get; private set; }
}

/// <summary>Options for one service; values set here override the global ones.</summary>
public sealed class GrpcServiceOptions<TService> : GrpcServiceOptions
    where TService : class
{
}
