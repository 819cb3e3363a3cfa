namespace DistributedApp;

/// <summary>Which HTTP versions a project's Kestrel endpoint speaks.</summary>
public enum EndpointProtocol
{
    /// <summary>Plain TCP (PostgreSQL, Redis).</summary>
    Tcp,

    /// <summary>HTTP/1.1: health, metrics, JSON APIs.</summary>
    Http1,

    /// <summary>Cleartext HTTP/2 (h2c): gRPC.</summary>
    Http2,
}

/// <summary>
/// A named port a resource listens on. A fixed port stays as declared (the gateway's 8080); otherwise a
/// free loopback port is chosen when the application is built, and stays the same across restarts.
/// </summary>
public sealed class EndpointAnnotation
{
    internal EndpointAnnotation(string name, EndpointProtocol protocol, int? port, string? environmentVariable)
    {
        ResourceNaming.Validate(name);
        Name = name;
        Protocol = protocol;
        Port = port;
        EnvironmentVariable = environmentVariable;
    }

    public string Name { get; }

    public EndpointProtocol Protocol { get; }

    /// <summary>The declared port, or null for "any free port".</summary>
    public int? Port { get; internal set; }

    /// <summary>When set, the process receives the allocated port in this environment variable.</summary>
    public string? EnvironmentVariable { get; internal set; }

    public string Host { get; } = "127.0.0.1";

    /// <summary>The port in use; set when the application is built.</summary>
    public int AllocatedPort { get; internal set; }

    public bool IsAllocated => AllocatedPort != 0;

    public string Scheme => Protocol == EndpointProtocol.Tcp ? "tcp" : "http";

    public Uri Url
    {
        get
        {
            if (!IsAllocated)
            {
                throw new InvalidOperationException($"Endpoint '{Name}' has no port yet; build the application first.");
            }

            return new Uri($"{Scheme}://{Host}:{AllocatedPort}");
        }
    }

    /// <summary>The URL without a trailing slash, as Aspire writes it into services__name__endpoint__0.</summary>
    public string UrlString => Url.GetLeftPart(UriPartial.Authority);
}
