using System.Diagnostics;
using System.Diagnostics.Metrics;
using GrpcRuntime.Client;

namespace GrpcRuntime.Tests.Client;

public class DiagnosticsTests
{
    private static readonly ActivitySource TestSource = new("GrpcRuntime.Tests.Client");

    [Fact]
    public async Task Call_creates_a_client_span_with_rpc_attributes_and_propagates_it_in_traceparent()
    {
        var method = new Method<string, string>(MethodType.Unary, "test.v1.Traced", "Trace", TestMethods.StringMarshaller, TestMethods.StringMarshaller);
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is GrpcDiagnostics.ActivitySourceName or "GrpcRuntime.Tests.Client",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == "test.v1.Traced/Trace")
                {
                    lock (stopped)
                    {
                        stopped.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        string? traceparent = null;
        await using var server = await RawGrpcServer.StartAsync(context =>
        {
            traceparent = context.Request.Headers["traceparent"];
            RawGrpc.TrailersOnly(context, (int)StatusCode.NotFound);
            return Task.CompletedTask;
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        using var parent = TestSource.StartActivity("parent")!;
        await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(method, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Same(parent, Activity.Current);
        var span = Assert.Single(stopped);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal(parent.TraceId, span.TraceId);
        Assert.Equal(parent.SpanId, span.ParentSpanId);
        Assert.Equal("grpc", span.GetTagItem("rpc.system"));
        Assert.Equal("test.v1.Traced", span.GetTagItem("rpc.service"));
        Assert.Equal("Trace", span.GetTagItem("rpc.method"));
        Assert.Equal((int)StatusCode.NotFound, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal("127.0.0.1", span.GetTagItem("server.address"));
        Assert.Equal(server.Address.Port, span.GetTagItem("server.port"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal($"00-{span.TraceId}-{span.SpanId}-01", traceparent);
    }

    [Fact]
    public async Task Meter_counts_started_and_completed_calls_by_status_and_records_duration()
    {
        var method = new Method<string, string>(MethodType.Unary, "test.v1.Metered", "Count", TestMethods.StringMarshaller, TestMethods.StringMarshaller);
        var measurements = new List<(string Instrument, double Value, int? Status)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == GrpcDiagnostics.MeterName && instrument.Name.StartsWith("rpc.client.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? rpcMethod = null;
            int? status = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "rpc.method")
                {
                    rpcMethod = tag.Value as string;
                }
                else if (tag.Key == "rpc.grpc.status_code")
                {
                    status = (int)tag.Value!;
                }
            }

            if (rpcMethod == "Count")
            {
                lock (measurements)
                {
                    measurements.Add((instrument.Name, value, status));
                }
            }
        }

        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            RawGrpc.StartResponse(context);
            await RawGrpc.WriteMessageAsync(context, "ok");
            RawGrpc.SetStatus(context, 0);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        await channel.CreateCallInvoker().AsyncUnaryCall(method, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience);

        lock (measurements)
        {
            Assert.Contains(("rpc.client.calls_started", 1.0, (int?)null), measurements);
            Assert.Contains(("rpc.client.calls_completed", 1.0, (int?)0), measurements);
            Assert.Contains(measurements, m => m.Instrument == "rpc.client.call.duration" && m.Status == 0 && m.Value > 0);
        }
    }
}
