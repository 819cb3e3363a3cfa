using System.Collections.Concurrent;
using System.Diagnostics;
using Vouchers.Campaign.V1;

namespace Gateway.Tests;

/// <summary>
/// One trace from a caller through the gateway into a service and down to PostgreSQL, seen by an in-process
/// ActivityListener: the spans the gateway, Campaign and Npgsql start, and how they hang together.
/// </summary>
public sealed class GatewayTraceTests(GatewayWorld world) : IClassFixture<GatewayWorld>
{
    private static readonly ActivitySource TestSource = new("Gateway.Tests.Trace");

    [Fact]
    public async Task A_call_through_the_gateway_is_one_trace_from_the_gateway_through_the_service_to_postgresql()
    {
        var stopped = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var campaigns = new CampaignService.CampaignServiceClient(world.Gateway.Channel);
        var bearer = await world.BearerAsync("operator-cli");

        ActivityTraceId traceId;
        using (var root = TestSource.StartActivity("caller"))
        {
            Assert.NotNull(root);
            traceId = root.TraceId;
            await campaigns.ListCampaignsAsync(new ListCampaignsRequest(), bearer, DateTime.UtcNow.AddSeconds(30));
        }

        // Servers stop their spans after the response has left: wait until every span's parent has stopped too (a
        // complete tree), with both server spans and the database's in it.
        var trace = await SpansOfAsync(stopped, traceId, spans =>
            spans.Any(s => s.Source.Name == "Npgsql") && spans.Count(IsServerRequest) >= 2
            && spans.All(s => s.ParentSpanId == default || spans.Any(p => p.SpanId == s.ParentSpanId)));
        var byId = trace.ToDictionary(s => s.SpanId);
        Activity? ParentOf(Activity span) => byId.GetValueOrDefault(span.ParentSpanId);

        // The gateway's server span is the first server below the caller. (Campaign's own requests while it serves the
        // call, such as fetching the token server's keys from the gateway, are further server spans below Campaign's.)
        var servers = trace.Where(IsServerRequest).ToList();
        var gatewayServer = Assert.Single(servers, s => !Ancestors(s, ParentOf).Any(IsServerRequest));
        Assert.Contains(Ancestors(gatewayServer, ParentOf), a => a.Source == TestSource);
        var serviceServer = Assert.Single(servers, s => s.DisplayName.EndsWith("/campaign.v1.CampaignService/ListCampaigns", StringComparison.Ordinal));
        var forwarded = ParentOf(serviceServer);
        Assert.NotNull(forwarded);
        Assert.Equal((ActivityKind.Client, "System.Net.Http"), (forwarded.Kind, forwarded.Source.Name));
        Assert.Contains(world.Campaign.Address.Replace("http://", string.Empty, StringComparison.Ordinal), (string?)forwarded.GetTagItem("url.full"), StringComparison.Ordinal);
        var proxying = ParentOf(forwarded);
        Assert.NotNull(proxying);
        Assert.Equal("Yarp.ReverseProxy", proxying.Source.Name);
        Assert.Same(gatewayServer, ParentOf(proxying));

        var database = trace.Where(s => s.Source.Name == "Npgsql").ToList();
        Assert.NotEmpty(database);
        Assert.All(database, span =>
        {
            Assert.Equal(traceId, span.TraceId);
            Assert.Contains(serviceServer, Ancestors(span, ParentOf));
        });
    }

    private static bool IsServerRequest(Activity span) => span is { Kind: ActivityKind.Server, Source.Name: "Microsoft.AspNetCore" };

    private static IEnumerable<Activity> Ancestors(Activity span, Func<Activity, Activity?> parentOf)
    {
        for (var current = parentOf(span); current is not null; current = parentOf(current))
        {
            yield return current;
        }
    }

    private static async Task<List<Activity>> SpansOfAsync(ConcurrentBag<Activity> stopped, ActivityTraceId traceId, Func<List<Activity>, bool> complete)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var spans = stopped.Where(s => s.TraceId == traceId).ToList();
            if (complete(spans) || DateTime.UtcNow > deadline)
            {
                return spans;
            }

            await Task.Delay(50);
        }
    }
}
