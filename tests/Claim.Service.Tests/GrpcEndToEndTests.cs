using Claim.Service.HotPath;
using Claim.Service.Tests.Infrastructure;
using TestSupport;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace Claim.Service.Tests;

/// <summary>The service as Program.cs builds it, on Kestrel h2c on a free port, called through Grpc.Net.Client.</summary>
[Collection(ClaimCollection.Name)]
public sealed class GrpcEndToEndTests(ClaimFixture fixture)
{
    private static async Task<(WebApplication App, GrpcChannel Channel)> StartAsync(ClaimFixture fixture, TestClock clock)
    {
        var (app, address) = await InProcessClaimService.StartAsync(fixture, clock, "e2e-identity-secret-0123456789");
        return (app, GrpcChannel.ForAddress(address));
    }

    [Fact]
    public async Task A_claim_over_grpc_reaches_the_wallet_and_can_be_locked_and_consumed_over_grpc()
    {
        await fixture.ResetAsync(Opens.AddMinutes(1));
        var clock = new TestClock(Opens.AddMinutes(1));
        var (app, channel) = await StartAsync(fixture, clock);
        try
        {
            var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 5)]);
            app.Services.GetRequiredService<CampaignCatalog>().Apply(campaign);
            var claims = new ClaimService.ClaimServiceClient(channel.WithActorTokens());
            var usage = new VoucherUsageService.VoucherUsageServiceClient(channel.WithActorTokens());
            var admin = new ClaimAdminService.ClaimAdminServiceClient(channel.WithActorTokens());
            var deadline = DateTime.UtcNow.AddSeconds(30);

            var outcome = await claims.ClaimVoucherAsync(ClaimFor(campaign, Person(1), "t50"), deadline: deadline);
            var bad = await Assert.ThrowsAsync<RpcException>(() => claims.ClaimVoucherAsync(new ClaimVoucherRequest { CampaignId = campaign.CampaignId }, deadline: deadline).ResponseAsync);
            var denied = await Assert.ThrowsAsync<RpcException>(() => admin.GetStockStatusAsync(new GetStockStatusRequest { CampaignId = campaign.CampaignId, Actor = new Actor { ActorId = "c-1", Role = ActorRole.Consumer } }, deadline: deadline).ResponseAsync);

            // The background persister moves the voucher into claimdb; the wallet reads it from there.
            ListVouchersResponse wallet;
            do
            {
                await Task.Delay(50);
                wallet = await claims.ListVouchersAsync(new ListVouchersRequest { Person = Person(1) }, deadline: deadline);
            }
            while (wallet.Vouchers.Count == 0 && DateTime.UtcNow < deadline);

            var locked = await usage.LockVoucherAsync(
                new LockVoucherRequest { VoucherId = outcome.Voucher.VoucherId, LockId = "l1", MerchantId = "m1", Person = Person(1), Ttl = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)) },
                deadline: deadline);
            var used = await usage.ConsumeVoucherAsync(
                new ConsumeVoucherRequest { VoucherId = outcome.Voucher.VoucherId, LockId = "l1", RedemptionId = "red-1", MerchantId = "m1" },
                deadline: deadline);

            Assert.Equal(5000, outcome.Voucher.FaceValueCents);
            Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
            Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
            Assert.Equal(outcome.Voucher.VoucherId, Assert.Single(wallet.Vouchers).VoucherId);
            Assert.Equal(LockVoucherResponse.ResultOneofCase.Lock, locked.ResultCase);
            Assert.Equal(VoucherStatus.Used, used.Status);
        }
        finally
        {
            channel.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Over_grpc_an_early_claim_or_draw_in_a_published_campaign_is_a_not_started_refusal_and_the_wrong_mode_is_failed_precondition()
    {
        await fixture.ResetAsync(Opens.AddHours(-2));
        var clock = new TestClock(Opens.AddHours(-2));
        var (app, channel) = await StartAsync(fixture, clock);
        try
        {
            var firstCome = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 5)]);
            firstCome.Campaign.State = CampaignState.Published;
            var draws = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 5, "fuel")]);
            draws.Campaign.State = CampaignState.Published;
            draws.Campaign.ClaimRules.Mode = ClaimMode.LuckyDraw;
            var catalog = app.Services.GetRequiredService<CampaignCatalog>();
            catalog.Apply(firstCome);
            catalog.Apply(draws);
            var claims = new ClaimService.ClaimServiceClient(channel.WithActorTokens());
            var deadline = DateTime.UtcNow.AddSeconds(30);
            DrawVoucherRequest Draw(CampaignSnapshot campaign, int person) =>
                new() { RequestId = Guid.NewGuid().ToString(), CampaignId = campaign.CampaignId, CategoryId = "fuel", Person = Person(person) };

            var claim = await claims.ClaimVoucherAsync(ClaimFor(firstCome, Person(1), "t50"), deadline: deadline);
            var draw = await claims.DrawVoucherAsync(Draw(draws, 2), deadline: deadline);
            var drawOnFirstCome = await Assert.ThrowsAsync<RpcException>(() => claims.DrawVoucherAsync(Draw(firstCome, 3), deadline: deadline).ResponseAsync);
            var claimOnDraws = await Assert.ThrowsAsync<RpcException>(
                () => claims.ClaimVoucherAsync(ClaimFor(draws, Person(4), "t50", category: "fuel"), deadline: deadline).ResponseAsync);

            foreach (var early in new[] { claim, draw })
            {
                Assert.Null(early.Voucher);
                Assert.Equal(ClaimRefusalReason.NotStarted, early.Refusal.Reason);
                Assert.Equal(Timestamp.FromDateTimeOffset(Opens), early.Refusal.OpensAt);
                Assert.Equal("r1", early.Refusal.RoundId);
            }

            Assert.Equal(StatusCode.FailedPrecondition, drawOnFirstCome.StatusCode);
            Assert.Equal(StatusCode.FailedPrecondition, claimOnDraws.StatusCode);
        }
        finally
        {
            channel.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Over_grpc_the_batch_usage_calls_answer_the_platform_and_refuse_a_merchant_token_even_for_its_own_merchant()
    {
        await fixture.ResetAsync(Opens.AddMinutes(1));
        var (app, channel) = await StartAsync(fixture, new TestClock(Opens.AddMinutes(1)));
        try
        {
            var asPlatform = new VoucherUsageService.VoucherUsageServiceClient(channel.WithActorTokens());
            var asMerchant = new VoucherUsageService.VoucherUsageServiceClient(channel);
            var merchantToken = TestTokens.Bearer(TestTokens.For(new Actor { ActorId = "cashier-1", Role = ActorRole.Merchant, MerchantId = "m1" }));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            var lockItem = new LockVoucherRequest { VoucherId = "missing", LockId = "l1", MerchantId = "m1", Ttl = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)) };
            var consumeItem = new ConsumeVoucherRequest { VoucherId = "missing", LockId = "l1", RedemptionId = "red-1", MerchantId = "m1" };

            var locks = await asPlatform.LockVouchersAsync(new LockVouchersRequest { Items = { lockItem } }, deadline: deadline);
            var consumes = await asPlatform.ConsumeVouchersAsync(new ConsumeVouchersRequest { Items = { consumeItem } }, deadline: deadline);
            var empty = await Assert.ThrowsAsync<RpcException>(() => asPlatform.LockVouchersAsync(new LockVouchersRequest(), deadline: deadline).ResponseAsync);
            var merchantLocks = await Assert.ThrowsAsync<RpcException>(
                () => asMerchant.LockVouchersAsync(new LockVouchersRequest { Items = { lockItem } }, merchantToken, deadline).ResponseAsync);
            var merchantConsumes = await Assert.ThrowsAsync<RpcException>(
                () => asMerchant.ConsumeVouchersAsync(new ConsumeVouchersRequest { Items = { consumeItem } }, merchantToken, deadline).ResponseAsync);
            var merchantSingle = await Assert.ThrowsAsync<RpcException>(() => asMerchant.LockVoucherAsync(lockItem, merchantToken, deadline).ResponseAsync);

            Assert.Equal(new ItemError { Code = (int)StatusCode.NotFound, Message = "voucher 'missing' not found" }, Assert.Single(locks.Results).Error);
            Assert.Equal(StatusCode.NotFound, (StatusCode)Assert.Single(consumes.Results).Error.Code);
            Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
            Assert.Equal(StatusCode.PermissionDenied, merchantLocks.StatusCode);
            Assert.Equal(StatusCode.PermissionDenied, merchantConsumes.StatusCode);
            Assert.Equal(StatusCode.NotFound, merchantSingle.StatusCode);
        }
        finally
        {
            channel.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
