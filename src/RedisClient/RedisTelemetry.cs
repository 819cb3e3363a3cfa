using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RedisClient;

/// <summary>Names to register with OpenTelemetry (AddSource / AddMeter).</summary>
public static class RedisClientTelemetry
{
    public const string ActivitySourceName = "RedisClient";
    public const string MeterName = "RedisClient";
}

internal static class RedisTelemetry
{
    private static readonly string Version = typeof(RedisTelemetry).Assembly.GetName().Version?.ToString() ?? "1.0.0";
    private static readonly ConcurrentDictionary<RedisConnection, bool> LiveConnections = new();

    public static readonly ActivitySource Source = new(RedisClientTelemetry.ActivitySourceName, Version);

    public static readonly Meter Meter = new(RedisClientTelemetry.MeterName, Version);

    private static readonly Counter<long> Commands = Meter.CreateCounter<long>(
        "redis.client.commands", "{command}", "Commands issued.");

    private static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        "redis.client.errors", "{command}", "Commands that failed: server error reply, timeout or connection loss.");

    private static readonly Counter<long> Reconnects = Meter.CreateCounter<long>(
        "redis.client.reconnects", "{reconnect}", "Connections re-established after a loss.");

    private static readonly ObservableUpDownCounter<long> Pending = Meter.CreateObservableUpDownCounter(
        "redis.client.pending", ObservePending, "{command}", "Commands sent and waiting for their reply.");

    public static void Track(RedisConnection connection) => LiveConnections[connection] = true;

    public static void Untrack(RedisConnection connection) => LiveConnections.TryRemove(connection, out _);

    public static void CountCommand(string operation)
    {
        if (Commands.Enabled)
        {
            Commands.Add(1, new KeyValuePair<string, object?>("db.operation", operation));
        }
    }

    public static void CountError(string operation, string errorType)
    {
        if (Errors.Enabled)
        {
            Errors.Add(1, new KeyValuePair<string, object?>("db.operation", operation), new KeyValuePair<string, object?>("error.type", errorType));
        }
    }

    public static void CountReconnect(RedisEndPoint endPoint)
    {
        if (Reconnects.Enabled)
        {
            Reconnects.Add(1, new KeyValuePair<string, object?>("server.address", endPoint.Host), new KeyValuePair<string, object?>("server.port", endPoint.Port));
        }
    }

    /// <summary>Starts a client span without making it the caller's current activity.</summary>
    public static Activity? StartCommandActivity(string operation, RedisEndPoint? endPoint, int database)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var previous = Activity.Current;
        var activity = Source.StartActivity(operation, ActivityKind.Client);
        if (activity is null)
        {
            return null;
        }

        // The span ends when the reply arrives, after this call returns; leaving it current would
        // parent the caller's next, unrelated work to it.
        Activity.Current = previous;
        if (activity.IsAllDataRequested)
        {
            activity.SetTag("db.system", "redis");
            activity.SetTag("db.operation", operation);
            activity.SetTag("db.redis.database_index", database);
            if (endPoint is not null)
            {
                activity.SetTag("server.address", endPoint.Host);
                activity.SetTag("server.port", endPoint.Port);
            }
        }

        return activity;
    }

    private static IEnumerable<Measurement<long>> ObservePending()
    {
        foreach (var connection in LiveConnections.Keys)
        {
            yield return new Measurement<long>(connection.PendingCommands);
        }
    }
}
