namespace DistributedApp.Testing;

/// <summary>How a test runs an application model.</summary>
public sealed class DistributedApplicationTestingOptions
{
    /// <summary>
    /// Point every PostgreSQL resource at the one server this test process shares, with fresh databases
    /// for each application (dropped when it is disposed). Off: each application starts its own server.
    /// </summary>
    public bool UseSharedPostgres { get; set; } = true;

    /// <summary>Receives every resource's log lines (an xunit ITestOutputHelper, say).</summary>
    public Action<LogLine>? LogSink { get; set; }

    /// <summary>How long StartAsync waits for every resource to become healthy.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromMinutes(3);
}
