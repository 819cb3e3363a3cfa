using Grpc.Core;
using Microsoft.IdentityModel.Tokens;
using TestSupport;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;

namespace Campaign.Service.Tests;

/// <summary>The caller is whoever the validated token names (ServiceDefaults' authentication and CallerActorInterceptor), seen through Campaign.</summary>
public class CallerTokenTests(CampaignServiceFixture fixture) : IClassFixture<CampaignServiceFixture>
{
    private static readonly Actor MerchantOwner = new() { ActorId = "owner-1", Role = ActorRole.Merchant, MerchantId = "mch-a" };

    private CampaignServiceHost Host => fixture.Host;

    // Clients without the test interceptor: each call carries exactly the token the test gives it.
    private CategoryService.CategoryServiceClient RawCategories => new(Host.Channel);

    private AuditService.AuditServiceClient RawAudit => new(Host.Channel);

    private MerchantService.MerchantServiceClient RawMerchants => new(Host.Channel);

    private static async Task<StatusCode> StatusOfAsync<T>(Func<AsyncUnaryCall<T>> call)
    {
        try
        {
            await call().ResponseAsync;
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    [Fact]
    public async Task A_call_without_a_token_is_unauthenticated()
    {
        Assert.Equal(StatusCode.Unauthenticated, await StatusOfAsync(() => RawCategories.ListCategoriesAsync(new ListCategoriesRequest())));
    }

    [Fact]
    public async Task An_expired_token_is_unauthenticated()
    {
        var expired = TestTokens.For(Seeds.Operator, issuedAt: DateTimeOffset.UtcNow.AddHours(-2));

        Assert.Equal(StatusCode.Unauthenticated, await StatusOfAsync(() => RawCategories.ListCategoriesAsync(new ListCategoriesRequest(), TestTokens.Bearer(expired))));
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_unauthenticated()
    {
        var foreign = TestTokens.For(Seeds.Operator, key: new SymmetricSecurityKey(new byte[32]));

        Assert.Equal(StatusCode.Unauthenticated, await StatusOfAsync(() => RawCategories.ListCategoriesAsync(new ListCategoriesRequest(), TestTokens.Bearer(foreign))));
    }

    [Fact]
    public async Task A_valid_token_reaches_the_service()
    {
        Assert.Equal(StatusCode.OK, await StatusOfAsync(() => RawCategories.ListCategoriesAsync(new ListCategoriesRequest(), TestTokens.Bearer(TestTokens.For(Seeds.Operator)))));
    }

    [Fact]
    public async Task A_body_actor_other_than_the_token_is_permission_denied_with_both_named()
    {
        var forged = await Assert.ThrowsAsync<RpcException>(() => RawAudit.ListAuditEntriesAsync(
            new ListAuditEntriesRequest { Actor = Seeds.Operator },
            TestTokens.Bearer(TestTokens.For(new Actor { ActorId = "m-1", Role = ActorRole.Merchant, MerchantId = "mch-a" }))).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, forged.StatusCode);
        Assert.Contains("'op-zhang'", forged.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("'m-1'", forged.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unset_actor_is_the_tokens_and_its_role_decides()
    {
        var asAuditor = await StatusOfAsync(() => RawAudit.ListAuditEntriesAsync(new ListAuditEntriesRequest(), TestTokens.Bearer(TestTokens.For(Seeds.Auditor))));
        var asMerchant = await StatusOfAsync(() => RawAudit.ListAuditEntriesAsync(new ListAuditEntriesRequest(), TestTokens.Bearer(TestTokens.For(MerchantOwner))));

        Assert.Equal(StatusCode.OK, asAuditor);
        Assert.Equal(StatusCode.PermissionDenied, asMerchant);
    }

    [Fact]
    public async Task A_merchant_token_reading_another_merchant_is_permission_denied()
    {
        var denied = await Assert.ThrowsAsync<RpcException>(() => RawMerchants.GetMerchantAsync(
            new GetMerchantRequest { MerchantId = "mch-b" }, TestTokens.Bearer(TestTokens.For(MerchantOwner))).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("'mch-a' may only act on its own data", denied.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshots_are_for_the_platforms_services_only()
    {
        var snapshots = new CampaignSnapshotService.CampaignSnapshotServiceClient(Host.Channel);

        var asOperator = await StatusOfAsync(() => snapshots.GetCampaignSnapshotAsync(new GetCampaignSnapshotRequest { CampaignId = "cmp-none" }, TestTokens.Bearer(TestTokens.For(Seeds.Operator))));
        var asSystem = await StatusOfAsync(() => snapshots.GetCampaignSnapshotAsync(new GetCampaignSnapshotRequest { CampaignId = "cmp-none" }, TestTokens.Bearer(TestTokens.For(TestTokens.System))));

        Assert.Equal(StatusCode.PermissionDenied, asOperator);
        Assert.Equal(StatusCode.NotFound, asSystem);
    }
}
