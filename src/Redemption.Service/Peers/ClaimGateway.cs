using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using UnavailableException = VoucherRules.UnavailableException;

namespace Redemption.Service.Peers;

/// <summary>What a voucher lookup found: the vouchers, or why there is none.</summary>
public sealed record VoucherLookup(IReadOnlyList<Voucher> Vouchers, Domain.RefusalReason Missing);

/// <summary>
/// The Claim service as Redemption uses it (claim.v1 VoucherUsageService and the wallet's GetVoucher). A Claim that
/// cannot be reached (UNAVAILABLE, deadline exceeded) becomes the domain's UNAVAILABLE, which the till may retry with
/// the same key; Claim's own refusals are turned into redemption refusals here.
/// </summary>
public sealed class ClaimGateway
{
    private const string Unreachable = "券服务暂时无法连接，请稍后用同一请求号重试 (the Claim service cannot be reached; retry with the same idempotency key)";

    private readonly IServiceProvider services;
    private readonly Batching.Coalescer<LockVoucherRequest, LockVoucherResponse> _locks;
    private readonly Batching.Coalescer<ConsumeVoucherRequest, Voucher> _consumes;

    /// <summary>The locks and consumes of redemptions in flight together travel to Claim as one call (LockVouchers, ConsumeVouchers).</summary>
    public ClaimGateway(IServiceProvider services, Microsoft.Extensions.Options.IOptions<RedemptionOptions> options, RedemptionMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        this.services = services;
        var settings = options.Value;
        _locks = new(LockAllAsync, r => r.VoucherId, settings.BatchSize, settings.BatchesInFlight, settings.BatchTimeout, metrics.BatchSizes("claim_lock"));
        _consumes = new(ConsumeAllAsync, r => r.VoucherId, settings.BatchSize, settings.BatchesInFlight, settings.BatchTimeout, metrics.BatchSizes("claim_consume"));
    }

    private VoucherUsageService.VoucherUsageServiceClient Usage =>
        services.GetService<VoucherUsageService.VoucherUsageServiceClient>() ?? throw new UnavailableException(Unreachable);

    private ClaimAdminService.ClaimAdminServiceClient Admin =>
        services.GetService<ClaimAdminService.ClaimAdminServiceClient>() ?? throw new UnavailableException(Unreachable);

    private ClaimService.ClaimServiceClient Wallet =>
        services.GetService<ClaimService.ClaimServiceClient>() ?? throw new UnavailableException(Unreachable);

    public async Task<VoucherLookup> ResolveCodeAsync(string token, CancellationToken cancellationToken)
    {
        try
        {
            return new([await Usage.ResolvePresentationCodeAsync(new ResolvePresentationCodeRequest { Token = token }, cancellationToken: cancellationToken)], Domain.RefusalReason.None);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return new([], Domain.RefusalReason.VoucherNotFound);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition)
        {
            return new([], Domain.RefusalReason.CodeExpired);
        }
        catch (RpcException ex) when (IsUnreachable(ex))
        {
            throw new UnavailableException(Unreachable, ex);
        }
    }

    public async Task<VoucherLookup> GetHeldAsync(PersonIdentity person, string voucherId, CancellationToken cancellationToken)
    {
        try
        {
            return new([await Wallet.GetVoucherAsync(new GetVoucherRequest { Person = person, VoucherId = voucherId }, cancellationToken: cancellationToken)], Domain.RefusalReason.None);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.PermissionDenied)
        {
            return new([], Domain.RefusalReason.VoucherNotFound);
        }
        catch (RpcException ex) when (IsUnreachable(ex))
        {
            throw new UnavailableException(Unreachable, ex);
        }
    }

    public async Task<VoucherLookup> ListUsableAsync(PersonIdentity person, string campaignId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Usage.ListUsableVouchersAsync(
                new ListUsableVouchersRequest { Person = person, CampaignId = campaignId, At = Timestamp.FromDateTimeOffset(at) }, cancellationToken: cancellationToken);
            return new(response.Vouchers, response.Vouchers.Count == 0 ? Domain.RefusalReason.NoQualifyingVoucher : Domain.RefusalReason.None);
        }
        catch (RpcException ex) when (IsUnreachable(ex))
        {
            throw new UnavailableException(Unreachable, ex);
        }
    }

    public async Task<LockVoucherResponse> LockAsync(string voucherId, string lockId, string merchantId, PersonIdentity? person, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var request = new LockVoucherRequest { VoucherId = voucherId, LockId = lockId, MerchantId = merchantId, Ttl = Duration.FromTimeSpan(ttl) };
        if (person is not null)
        {
            request.Person = person;
        }

        return await Call(() => _locks.RunAsync(request, cancellationToken));
    }

    /// <summary>Consumes the locked voucher; completes once the consumption stands (Claim answers briefly, see ConsumeAllAsync).</summary>
    public Task ConsumeAsync(ConsumeVoucherRequest request, CancellationToken cancellationToken) =>
        Call(() => _consumes.RunAsync(request, cancellationToken));

    private async Task<IReadOnlyList<Batching.ItemResult<LockVoucherResponse>>> LockAllAsync(IReadOnlyList<LockVoucherRequest> items, CancellationToken cancellationToken)
    {
        var request = new LockVouchersRequest();
        request.Items.Add(items);
        var response = await Usage.LockVouchersAsync(request, cancellationToken: cancellationToken);
        return [.. response.Results.Select(r => ItemAnswer(r.Answer, r.Error))];
    }

    private async Task<IReadOnlyList<Batching.ItemResult<Voucher>>> ConsumeAllAsync(IReadOnlyList<ConsumeVoucherRequest> items, CancellationToken cancellationToken)
    {
        // Redemption has the voucher from its lock and only needs to know each consumption stands: brief answers.
        var request = new ConsumeVouchersRequest { Brief = true };
        request.Items.Add(items);
        var response = await Usage.ConsumeVouchersAsync(request, cancellationToken: cancellationToken);
        return [.. response.Results.Select(r => ItemAnswer(r.Voucher, r.Error))];
    }

    /// <summary>
    /// One item of a batch: its answer, or its error as the single call would have failed with it (callers tell refusals
    /// by status code).
    /// </summary>
    private static Batching.ItemResult<T> ItemAnswer<T>(T? answer, ItemError? error)
        where T : class =>
        answer is not null
            ? Batching.ItemResult.Of(answer)
            : Batching.ItemResult.Failed<T>(new RpcException(new Status(
                (StatusCode)(error?.Code ?? (int)StatusCode.Unknown), error?.Message ?? "the batch answered no error for a failed item")));

    public Task<Voucher> ReleaseAsync(string voucherId, string lockId, CancellationToken cancellationToken) =>
        Call(() => Usage.ReleaseVoucherAsync(new ReleaseVoucherRequest { VoucherId = voucherId, LockId = lockId }, cancellationToken: cancellationToken).ResponseAsync);

    public Task<Voucher> ReinstateAsync(ReinstateVoucherRequest request, CancellationToken cancellationToken) =>
        Call(() => Usage.ReinstateVoucherAsync(request, cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>
    /// The key hashes on Claim's scalper list in force now for a campaign (its own entries and the global ones), every
    /// page. The request names no actor: Claim binds this service's own system account to it.
    /// </summary>
    public async Task<IReadOnlySet<string>> BlockedKeyHashesAsync(string campaignId, CancellationToken cancellationToken)
    {
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        var token = string.Empty;
        do
        {
            var page = await Call(() => Admin.ListBlockListAsync(
                new ListBlockListRequest { CampaignId = campaignId, Page = new PageRequest { PageSize = 500, PageToken = token } }, cancellationToken: cancellationToken).ResponseAsync);
            hashes.UnionWith(page.Entries.Select(e => e.Key.KeyHash).Where(h => h.Length > 0));
            token = page.Page?.NextPageToken ?? string.Empty;
        }
        while (token.Length > 0);
        return hashes;
    }

    public static bool IsUnreachable(RpcException exception) =>
        exception?.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled;

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException ex) when (IsUnreachable(ex))
        {
            throw new UnavailableException(Unreachable, ex);
        }
    }
}
