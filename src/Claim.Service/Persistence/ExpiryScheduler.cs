using Claim.Service.HotPath;
using Microsoft.Extensions.Options;
using Claim.Service.Data;
using Npgsql;
using ServiceDefaults;

namespace Claim.Service.Persistence;

/// <summary>Expires unused vouchers past their validity on a schedule driven by the injected clock.</summary>
public sealed partial class ExpiryScheduler(WalletStore wallet, TimeProvider time, IOptions<ClaimOptions> options, ILogger<ExpiryScheduler> logger, ClaimMetrics? metrics = null, MigrationState<ClaimDbContext>? schema = null) : BackgroundService
{
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

    private async Task ExpireDueAsync(CancellationToken cancellationToken)
    {
        var expired = await wallet.ExpireAsync(time.GetUtcNow(), string.Empty, cancellationToken);
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
