using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TestSupport;
using Vouchers.Claim.V1;
using Vouchers.Redemption.V1;

namespace Settlement.Service.Tests.Infrastructure;

/// <summary>
/// The Redemption and Claim feeds as their contracts define them (sequence + 1 per event, resume after a cursor,
/// end of stream when caught up), served on Kestrel h2c from events the test appends. Stands in for the Redemption
/// service, whose own feed is not on this branch yet; <see cref="BreakAfter"/> cuts a stream mid-way as a crashing
/// peer or network would.
/// </summary>
public sealed class FeedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<RedemptionEvent> _redemptions = [];
    private readonly List<IssuanceEvent> _issuances = [];
    private readonly Lock _gate = new();

    private FeedServer(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    /// <summary>When set, each stream fails with UNAVAILABLE after sending this many events.</summary>
    public int? BreakAfter { get; set; }

    /// <summary>Pause before each event sent (to catch a reader mid-stream).</summary>
    public TimeSpan PerEventDelay { get; set; }

    public int StreamsOpened;

    public static async Task<FeedServer> StartAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(InProcessEndpoints.Settings(out var address));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<Holder>();
        var app = builder.Build();
        app.MapGrpcService<RedemptionFeed>();
        app.MapGrpcService<IssuanceFeed>();
        var server = new FeedServer(app, address.ToString().TrimEnd('/'));
        app.Services.GetRequiredService<Holder>().Server = server;
        await app.StartAsync();
        return server;
    }

    public RedemptionEvent Redemption(RedemptionRecord record, RedemptionEventKind kind = RedemptionEventKind.Redeemed)
    {
        lock (_gate)
        {
            var sequence = _redemptions.Count + 1L;
            var change = new RedemptionEvent
            {
                Sequence = sequence,
                Cursor = "r" + sequence.ToString(CultureInfo.InvariantCulture),
                Kind = kind,
                OccurredAt = record.RedeemedAt ?? Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                Redemption = record.Clone(),
            };
            _redemptions.Add(change);
            return change;
        }
    }

    public IssuanceEvent Issuance(IssuanceEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            var sequence = _issuances.Count + 1L;
            var stored = change.Clone();
            stored.Sequence = sequence;
            stored.Cursor = "i" + sequence.ToString(CultureInfo.InvariantCulture);
            _issuances.Add(stored);
            return stored;
        }
    }

    public long RedemptionCount
    {
        get
        {
            lock (_gate)
            {
                return _redemptions.Count;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task StreamAsync<T>(List<T> events, string afterCursor, Func<T, long> sequenceOf, IServerStreamWriter<T> writer, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref StreamsOpened);
        var after = string.IsNullOrEmpty(afterCursor) ? 0 : long.Parse(afterCursor[1..], CultureInfo.InvariantCulture);
        List<T> pending;
        lock (_gate)
        {
            if (after > events.Count)
            {
                throw new RpcException(new Status(StatusCode.OutOfRange, "cursor ahead of the feed"));
            }

            pending = events.Skip((int)after).ToList();
        }

        var sent = 0;
        foreach (var change in pending)
        {
            if (BreakAfter is { } limit && sent >= limit)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "feed stream broken by the test"));
            }

            if (PerEventDelay > TimeSpan.Zero)
            {
                await Task.Delay(PerEventDelay, cancellationToken);
            }

            await writer.WriteAsync(change, cancellationToken);
            sent++;
        }
    }

    private sealed class Holder
    {
        public FeedServer Server { get; set; } = null!;
    }

    private sealed class RedemptionFeed(Holder holder) : RedemptionFeedService.RedemptionFeedServiceBase
    {
        public override Task StreamRedemptionEvents(StreamRedemptionEventsRequest request, IServerStreamWriter<RedemptionEvent> responseStream, ServerCallContext context) =>
            holder.Server.StreamAsync(holder.Server._redemptions, request.AfterCursor, e => e.Sequence, responseStream, context.CancellationToken);
    }

    private sealed class IssuanceFeed(Holder holder) : IssuanceFeedService.IssuanceFeedServiceBase
    {
        public override Task StreamIssuanceEvents(StreamIssuanceEventsRequest request, IServerStreamWriter<IssuanceEvent> responseStream, ServerCallContext context) =>
            holder.Server.StreamAsync(holder.Server._issuances, request.AfterCursor, e => e.Sequence, responseStream, context.CancellationToken);
    }
}
