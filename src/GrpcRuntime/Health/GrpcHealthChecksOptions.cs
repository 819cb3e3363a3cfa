namespace GrpcRuntime.Health;

/// <summary>How ASP.NET Core health-check results become gRPC health statuses.</summary>
public sealed class GrpcHealthChecksOptions
{
    /// <summary>Service names and the health checks each depends on. Without a mapping for "", "" covers every check.</summary>
    public IList<HealthServiceMapping> Services { get; } = [];

    /// <summary>How often the health checks run. The first run happens at start-up.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Report every service NOT_SERVING once the host starts stopping, so balancers drain it.</summary>
    public bool NotServingWhenStopping { get; set; } = true;

    public GrpcHealthChecksOptions Map(string serviceName, Func<HealthCheckMapContext, bool> predicate)
    {
        Services.Add(new HealthServiceMapping(serviceName, predicate));
        return this;
    }
}

/// <summary>One gRPC service name and which health checks decide its status.</summary>
public sealed class HealthServiceMapping(string serviceName, Func<HealthCheckMapContext, bool> predicate)
{
    public string ServiceName { get; } = serviceName ?? throw new ArgumentNullException(nameof(serviceName));

    public Func<HealthCheckMapContext, bool> Predicate { get; } = predicate ?? throw new ArgumentNullException(nameof(predicate));
}

/// <summary>A health check as a mapping predicate sees it.</summary>
public sealed class HealthCheckMapContext(string name, IEnumerable<string> tags)
{
    public string Name { get; } = name;

    public IEnumerable<string> Tags { get; } = tags;
}
