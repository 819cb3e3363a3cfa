using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using ServiceDefaults;
using TestSupport;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;

namespace RedemptionBench;

/// <summary>
/// The flow issue 14 prescribes with nothing else in it: a Redemption host whose Redeem locks the voucher in a Claim
/// host (gRPC, one conditional UPDATE), records the redemption (one INSERT) and consumes the voucher in the Claim host
/// (gRPC, one conditional UPDATE), both hosts on the service defaults every service runs (a token checked on every
/// call, the interceptors). No idempotency, no crash safety, no rules, no feed: what any implementation of the flow,
/// one redemption per call, cannot do without. Driven with the same requests as the real Redeem.
/// </summary>
internal sealed class SkeletonFlow : IAsyncDisposable
{
    private readonly WebApplication _claim;
    private readonly WebApplication _redemption;
    private readonly GrpcChannel _channel;

    private SkeletonFlow(WebApplication claim, WebApplication redemption, Uri redemptionAddress)
    {
        _claim = claim;
        _redemption = redemption;
        _channel = GrpcChannel.ForAddress(redemptionAddress);
        Redemptions = new RedemptionService.RedemptionServiceClient(_channel.WithActorTokens());
    }

    public RedemptionService.RedemptionServiceClient Redemptions { get; }

    public static async Task<SkeletonFlow> StartAsync(string connectionString, IEnumerable<string> voucherIds)
    {
        var dataSource = NpgsqlDataSource.Create(StatementPreparation.WithAutoPrepare(connectionString));
        await using (var setup = dataSource.CreateCommand(
            "DROP TABLE IF EXISTS skeleton_vouchers, skeleton_redemptions; " +
            "CREATE TABLE skeleton_vouchers (id text PRIMARY KEY, status text NOT NULL, lock_id text); " +
            "CREATE TABLE skeleton_redemptions (redemption_id text PRIMARY KEY, voucher_id text NOT NULL, idempotency_key text NOT NULL UNIQUE); " +
            "INSERT INTO skeleton_vouchers SELECT id, 'unused' FROM unnest(@ids) id"))
        {
            setup.Parameters.AddWithValue("ids", voucherIds.ToArray());
            await setup.ExecuteNonQueryAsync();
        }

        var claim = await StartHostAsync(dataSource, app => app.MapGrpcService<SkeletonClaim>(), out var claimAddress);
        var claimChannel = GrpcChannel.ForAddress(claimAddress);
        var redemption = await StartHostAsync(
            dataSource,
            app => app.MapGrpcService<SkeletonRedemption>(),
            out var redemptionAddress,
            services => services.AddSingleton(new VoucherUsageService.VoucherUsageServiceClient(claimChannel.WithActorTokens())));
        return new SkeletonFlow(claim, redemption, redemptionAddress);
    }

    private static Task<WebApplication> StartHostAsync(NpgsqlDataSource dataSource, Action<WebApplication> map, out Uri address, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(InProcessEndpoints.Settings(out address));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddServiceDefaults();
        builder.Services.AddSingleton(dataSource);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        map(app);
        return StartAsync(app);

        static async Task<WebApplication> StartAsync(WebApplication app)
        {
            await app.StartAsync();
            return app;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        foreach (var app in new[] { _redemption, _claim })
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

internal sealed class SkeletonClaim(NpgsqlDataSource dataSource) : VoucherUsageService.VoucherUsageServiceBase
{
    public override async Task<LockVoucherResponse> LockVoucher(LockVoucherRequest request, ServerCallContext context)
    {
        await using var command = dataSource.CreateCommand("UPDATE skeleton_vouchers SET status = 'locked', lock_id = $2 WHERE id = $1 AND status = 'unused'");
        command.Parameters.AddWithValue(request.VoucherId);
        command.Parameters.AddWithValue(request.LockId);
        return await command.ExecuteNonQueryAsync(context.CancellationToken) == 1
            ? new LockVoucherResponse { Lock = new VoucherLock { LockId = request.LockId, Voucher = new Voucher { VoucherId = request.VoucherId, Status = VoucherStatus.Locked } } }
            : new LockVoucherResponse { Unavailable = new VoucherUnavailable { Reason = VoucherUnavailableReason.Used } };
    }

    public override async Task<Voucher> ConsumeVoucher(ConsumeVoucherRequest request, ServerCallContext context)
    {
        await using var command = dataSource.CreateCommand("UPDATE skeleton_vouchers SET status = 'used' WHERE id = $1 AND lock_id = $2 AND status = 'locked'");
        command.Parameters.AddWithValue(request.VoucherId);
        command.Parameters.AddWithValue(request.LockId);
        var consumed = await command.ExecuteNonQueryAsync(context.CancellationToken) == 1;
        return new Voucher { VoucherId = request.VoucherId, Status = consumed ? VoucherStatus.Used : VoucherStatus.Locked };
    }
}

internal sealed class SkeletonRedemption(NpgsqlDataSource dataSource, VoucherUsageService.VoucherUsageServiceClient claim) : RedemptionService.RedemptionServiceBase
{
    public override async Task<RedeemOutcome> Redeem(RedeemRequest request, ServerCallContext context)
    {
        var locked = await claim.LockVoucherAsync(new LockVoucherRequest { VoucherId = request.VoucherId, LockId = request.IdempotencyKey }, cancellationToken: context.CancellationToken);
        if (locked.ResultCase != LockVoucherResponse.ResultOneofCase.Lock)
        {
            return new RedeemOutcome { Refusal = new RedemptionRefusal { Reason = RedemptionRefusalReason.VoucherUsed } };
        }

        var redemptionId = "rdm-" + Guid.NewGuid().ToString("N");
        await using (var command = dataSource.CreateCommand("INSERT INTO skeleton_redemptions (redemption_id, voucher_id, idempotency_key) VALUES ($1, $2, $3)"))
        {
            command.Parameters.AddWithValue(redemptionId);
            command.Parameters.AddWithValue(request.VoucherId);
            command.Parameters.AddWithValue(request.IdempotencyKey);
            await command.ExecuteNonQueryAsync(context.CancellationToken);
        }

        await claim.ConsumeVoucherAsync(new ConsumeVoucherRequest { VoucherId = request.VoucherId, LockId = request.IdempotencyKey, RedemptionId = redemptionId }, cancellationToken: context.CancellationToken);
        return new RedeemOutcome { Redemption = new RedemptionRecord { RedemptionId = redemptionId, VoucherId = request.VoucherId, IdempotencyKey = request.IdempotencyKey } };
    }
}
