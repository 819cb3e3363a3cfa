using Aspire.Hosting.ApplicationModel;

namespace LocalServers;

/// <summary>A redis-server process; its connection string is <c>host:port</c>, as Aspire's Redis resource gives it.</summary>
public sealed class RedisServerResource(string name, string command, string dataDirectory)
    : ExecutableResource(name, command, dataDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public string DataDirectory { get; } = dataDirectory;

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}
