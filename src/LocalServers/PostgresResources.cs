using Aspire.Hosting.ApplicationModel;

namespace LocalServers;

/// <summary>
/// A PostgreSQL server process over a data directory initialised once. Its connection string names
/// no database; each <see cref="PostgresDatabaseResource"/> child adds its own.
/// </summary>
public sealed class PostgresServerResource(string name, string command, string stateDirectory, string binDirectory, ParameterResource password)
    : ExecutableResource(name, command, stateDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";
    public const string UserName = "postgres";

    /// <summary>The operating-system account the server runs as when the app host is root (PostgreSQL refuses root).</summary>
    public const string ServiceAccount = "postgres";

    private readonly Dictionary<string, string> databases = new(StringComparer.Ordinal);
    private readonly List<PostgresDatabaseResource> databaseResources = [];

    public string StateDirectory { get; } = stateDirectory;

    public string DataDirectory => Path.Combine(StateDirectory, "data");

    public string BinDirectory { get; } = binDirectory;

    public ParameterResource Password { get; } = password;

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    /// <summary>Resource name → database name of the databases declared on this server.</summary>
    public IReadOnlyDictionary<string, string> Databases => databases;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create(
            $"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={UserName};Password={Password}");

    /// <summary>The database resources declared on this server; their state follows the server's.</summary>
    public IReadOnlyList<PostgresDatabaseResource> DatabaseResources => databaseResources;

    internal void AddDatabase(PostgresDatabaseResource database)
    {
        databases.Add(database.Name, database.DatabaseName);
        databaseResources.Add(database);
    }
}

/// <summary>A database on a <see cref="PostgresServerResource"/>, created when the server is first ready.</summary>
public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource parent)
    : Resource(name), IResourceWithParent<PostgresServerResource>, IResourceWithConnectionString
{
    public string DatabaseName { get; } = databaseName;

    public PostgresServerResource Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}
