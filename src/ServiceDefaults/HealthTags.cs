namespace ServiceDefaults;

/// <summary>Tags that sort health checks: /alive runs only "live" ones, /health runs all.</summary>
public static class HealthTags
{
    /// <summary>The process responds; failing means restart it.</summary>
    public const string Live = "live";

    /// <summary>A dependency the service needs to do its work (database, Redis, migrations).</summary>
    public const string Ready = "ready";
}
