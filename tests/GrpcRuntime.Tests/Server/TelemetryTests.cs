using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GrpcRuntime.Tests.Server;

[CollectionDefinition(nameof(TelemetryCollection), DisableParallelization = true)]
public sealed class TelemetryCollection;

/// <summary>Listens to the process-wide source and meter, so it runs alone.</summary>
[Collection(nameof(TelemetryCollection))]
public class TelemetryTests
{
    [Fact]
    public async Task Each_call_gets_a_server_activity_continuing_the_callers_trace()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GrpcDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (activities)
                {
                    activities.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var server = await GrpcTestServer.StartAsync();
        var traceId = ActivityTraceId.CreateRandom();
        var parentSpanId = ActivitySpanId.CreateRandom();

        await RawGrpc.UnaryAsync(server, "status:5:gone", ("traceparent", $"00-{traceId}-{parentSpanId}-01"));

        Activity activity;
        lock (activities)
        {
            activity = Assert.Single(activities, a => a.TraceId == traceId);
        }

        Assert.Equal(ActivityKind.Server, activity.Kind);
        Assert.Equal(parentSpanId, activity.ParentSpanId);
        Assert.Equal("test.v1.Echo/Unary", activity.DisplayName);
        Assert.Equal("grpc", activity.GetTagItem("rpc.system"));
        Assert.Equal("test.v1.Echo", activity.GetTagItem("rpc.service"));
        Assert.Equal("Unary", activity.GetTagItem("rpc.method"));
        Assert.Equal(5, activity.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal("127.0.0.1", activity.GetTagItem("server.address"));
        Assert.Equal(server.Http2Port, activity.GetTagItem("server.port"));
        Assert.Equal(ActivityStatusCode.Error, activity.Status);
    }

    [Fact]
    public async Task Meter_counts_started_and_completed_calls_by_status_and_records_durations()
    {
        var started = 0L;
        var completedByStatus = new Dictionary<int, long>();
        var durations = new List<double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == GrpcDiagnostics.MeterName && instrument.Name.StartsWith("rpc.server.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "rpc.server.calls_started")
            {
                Interlocked.Add(ref started, value);
            }
            else if (instrument.Name == "rpc.server.calls_completed")
            {
                var code = -1;
                foreach (var tag in tags)
                {
                    if (tag.Key == "rpc.grpc.status_code")
                    {
                        code = (int)tag.Value!;
                    }
                }

                lock (completedByStatus)
                {
                    completedByStatus[code] = completedByStatus.GetValueOrDefault(code) + value;
                }
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            lock (durations)
            {
                durations.Add(value);
            }
        });
        listener.Start();
        await using var server = await GrpcTestServer.StartAsync();

        await RawGrpc.UnaryAsync(server, "ok");
        await RawGrpc.UnaryAsync(server, "ok");
        await RawGrpc.UnaryAsync(server, "status:5:missing");

        Assert.Equal(3, Interlocked.Read(ref started));
        lock (completedByStatus)
        {
            Assert.Equal(2, completedByStatus[0]);
            Assert.Equal(1, completedByStatus[5]);
        }

        lock (durations)
        {
            Assert.Equal(3, durations.Count);
            Assert.All(durations, d => Assert.True(d >= 0));
        }
    }
}
