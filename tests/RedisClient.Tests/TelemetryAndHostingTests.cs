using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace RedisClient.Tests;

[Collection("telemetry")]
public sealed class TelemetryAndHostingTests(RedisFixture fixture)
{
    [Fact]
    public async Task Each_command_emits_a_client_span_tagged_with_the_redis_system_and_operation()
    {
        await using var connection = await fixture.ConnectCleanAsync();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RedisClientTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        using var parent = new ActivitySource("test-parent").StartActivity("request");
        var db = connection.GetDatabase();
        await db.StringSetAsync("traced", "v");
        await Assert.ThrowsAsync<RedisServerException>(() => db.ExecuteAsync("INCR", "traced"));
        Assert.Same(parent, Activity.Current);

        var set = Assert.Single(spans, s => s.OperationName == "SET");
        Assert.Equal(ActivityKind.Client, set.Kind);
        Assert.Equal("redis", set.GetTagItem("db.system"));
        Assert.Equal("SET", set.GetTagItem("db.operation"));
        Assert.Equal(fixture.Server.Port, set.GetTagItem("server.port"));
        var failed = Assert.Single(spans, s => s.OperationName == "INCR");
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
    }

    [Fact]
    public async Task Metrics_count_commands_and_errors_and_report_pending_depth()
    {
        await using var connection = await fixture.ConnectCleanAsync();
        var measurements = new ConcurrentQueue<(string Instrument, long Value, string? Operation)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RedisClientTelemetry.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? operation = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "db.operation")
                {
                    operation = tag.Value as string;
                }
            }

            measurements.Enqueue((instrument.Name, value, operation));
        });
        listener.Start();

        var db = connection.GetDatabase();
        await Task.WhenAll(Enumerable.Range(0, 25).Select(i => db.ExecuteAsync("ECHO", i)));
        await db.StringSetAsync("metered", "x");
        await Assert.ThrowsAsync<RedisServerException>(() => db.ExecuteAsync("INCR", "metered"));
        listener.RecordObservableInstruments();

        Assert.Equal(25, measurements.Where(m => m.Instrument == "redis.client.commands" && m.Operation == "ECHO").Sum(m => m.Value));
        Assert.Equal(1, measurements.Count(m => m.Instrument == "redis.client.errors" && m.Operation == "INCR"));
        Assert.Contains(measurements, m => m.Instrument == "redis.client.pending");
    }

    [Fact]
    public async Task AddRedisClient_reads_the_aspire_connection_string_and_registers_the_connection_and_a_healthy_check()
    {
        await using (var cleaner = await fixture.ConnectCleanAsync())
        {
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = $"{fixture.Server.EndPoint},name=hosted,defaultDatabase=1",
        });
        builder.AddRedisClient("redis");
        using var host = builder.Build();

        var connection = host.Services.GetRequiredService<RedisConnection>();
        var db = host.Services.GetRequiredService<RedisDatabase>();
        Assert.Same(connection, db.Connection);
        Assert.Equal("hosted", (string?)await db.ExecuteAsync("CLIENT", "GETNAME"));

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        var entry = Assert.Single(report.Entries);
        Assert.Equal("redis-redis", entry.Key);
        Assert.Equal(HealthStatus.Healthy, entry.Value.Status);
        Assert.Contains("ready", entry.Value.Tags);
    }

    [Fact]
    public void AddRedisClient_without_a_connection_string_names_the_missing_setting()
    {
        var builder = Host.CreateApplicationBuilder();
        var error = Assert.Throws<InvalidOperationException>(() => builder.AddRedisClient("cache"));
        Assert.Contains("ConnectionStrings__cache", error.Message);
    }
}

/// <summary>
/// Activity and meter listeners are process-wide, so these tests run alone: commands issued by tests
/// running in parallel would otherwise show up in their counts.
/// </summary>
[CollectionDefinition("telemetry", DisableParallelization = true)]
public sealed class TelemetryCollection : ICollectionFixture<RedisFixture>;
