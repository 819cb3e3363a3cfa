using Claim.Service.HotPath;
using Microsoft.Extensions.Options;
using Claim.Service.Data;
using Npgsql;
using ServiceDefaults;

namespace Claim.Service.Persistence;

/// <summary>
/// Expires unused vouchers past their validity on a schedule driven by the injected clock. The first pass of a process
/// reads every validity end up to now; each later one only those after the previous pass began less the longest lock
/// a voucher can carry: a voucher locked when its validity ended cannot be locked again, so its lock lapses within
/// that span and a later pass still reads it. Used vouchers stay in the expiry index (a consume changes no indexed
/// column, so it is a HOT update) and are read by one or two passes only, not by every pass for ever.
/// </summary>
public sealed partial class ExpiryScheduler(WalletStore wallet, TimeProvider time, IOptions<ClaimOptions> options, ILogger<ExpiryScheduler> logger, ClaimMetrics? metrics = null, MigrationState<ClaimDbContext>? schema = null) : BackgroundService
{
    private static readonly TimeSpan Overhang = Usage.VoucherUsageService.MaximumLockTtl + TimeSpan.FromMinutes(1);
    private DateTimeOffset? _lastPassStartedAt;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (schema is not null)
        {
            await schema.WhenAppliedAsync(stoppingToken);
        }

        await PeriodicWork.RunAsync(
            options.Value.ExpiryInterval,
            time,
            ExpireDueAsync,
            ex => ex is NpgsqlException or TimeoutException,
            ex => LogFailed(logger, ex),
            stoppingToken);
    }

    internal async Task ExpireDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // A clock set back (tests do) reads everything again rather than trust a window from the future.
        DateTimeOffset? validAfter = _lastPassStartedAt is { } last && last <= now ? last - Overhang : null;
        var expired = await wallet.ExpireAsync(now, string.Empty, cancellationToken, validAfter);
        _lastPassStartedAt = now;
        if (expired.Count > 0)
        {
            LogExpired(logger, expired.Count, expired.FaceValueCents);
            metrics?.Expired(expired.Count, expired.FaceValueCents);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Expired {Count} vouchers worth {FaceValueCents} cents; their value is back in the pool")]
    private static partial void LogExpired(ILogger logger, long count, long faceValueCents);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expiring vouchers failed; next attempt on the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
