using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ServiceDefaults;

/// <summary>
/// Whether a service that decides from Campaign's snapshots (Claim, Redemption) holds all of them yet. A copy that has
/// just started knows no campaign until the initial part of its snapshot stream has arrived; answering NOT_FOUND for a
/// campaign or a merchant meanwhile would tell a till or a channel that something real does not exist. Until then such
/// a miss is UNAVAILABLE (retry), and the copy's health is Degraded, so the app host and a load balancer wait for it.
/// A copy that follows no Campaign service (a test feeding snapshots itself) counts as caught up.
/// </summary>
public sealed class CampaignSnapshotFollowing
{
    /// <summary>
    /// Response header of WatchCampaignSnapshots: how many snapshots the initial part of the stream holds (the current
    /// snapshot of every watched campaign the caller does not have yet). A client is caught up once it has read that many.
    /// </summary>
    public const string InitialSnapshotsHeader = "initial-snapshots";

    private volatile int _state = NotFollowing;
    private const int NotFollowing = 0;
    private const int Following = 1;
    private const int CaughtUpState = 2;

    public bool CaughtUp => _state != Following;

    /// <summary>The stream is being followed and its initial part has not all arrived yet.</summary>
    public void Started()
    {
        if (_state == NotFollowing)
        {
            _state = Following;
        }
    }

    /// <summary>The initial part arrived; from here on a miss is a real miss, even while the stream reconnects.</summary>
    public void Caught() => _state = CaughtUpState;

    /// <summary>
    /// The snapshots of one WatchCampaignSnapshots call, marking this copy caught up once the initial part the server
    /// announced has been read (at once when it announces none, or nothing, as a server that predates the header).
    /// </summary>
    public async IAsyncEnumerable<TSnapshot> ReadAsync<TSnapshot>(
        AsyncServerStreamingCall<TSnapshot> call, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var headers = await call.ResponseHeadersAsync.ConfigureAwait(false);
        var initial = headers.GetValue(InitialSnapshotsHeader) is { } value
            && int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) ? count : 0;
        if (initial == 0)
        {
            Caught();
        }

        var received = 0;
        await foreach (var snapshot in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return snapshot;
            if (++received == initial)
            {
                Caught();
            }
        }
    }

    /// <summary>What a lookup that found nothing answers: NOT_FOUND once caught up, UNAVAILABLE before.</summary>
    public Exception Missing(string notFound) =>
        CaughtUp
            ? new VoucherRules.NotFoundException(notFound)
            : new VoucherRules.UnavailableException("活动信息正在加载，请稍后重试 (this copy is still loading the campaigns' rules; retry shortly)");
}

public static class CampaignSnapshotFollowingExtensions
{
    /// <summary>Registers the following state and its health check (Degraded until the initial snapshots are in).</summary>
    public static IServiceCollection AddCampaignSnapshotFollowing(this IServiceCollection services)
    {
        services.AddSingleton<CampaignSnapshotFollowing>();
        services.AddHealthChecks().AddCheck<FollowingHealthCheck>("campaign-snapshots", tags: [HealthTags.Ready]);
        return services;
    }

    private sealed class FollowingHealthCheck(CampaignSnapshotFollowing following) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(following.CaughtUp
                ? HealthCheckResult.Healthy("Campaign snapshots loaded.")
                : HealthCheckResult.Degraded("Loading the campaigns' snapshots."));
    }
}
