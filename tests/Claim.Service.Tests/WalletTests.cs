using Claim.Service.Grpc;
using Claim.Service.Persistence;
using Claim.Service.Tests.Infrastructure;
using Grpc.Core;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace Claim.Service.Tests;

[Collection(ClaimCollection.Name)]
public sealed class WalletTests(ClaimFixture fixture)
{
    private static ClaimGrpcService Service(Harness h) => new(h.Engine, new global::Claim.Service.Wallet.WalletService(new WalletStore(h.Fixture.DataSource), h.Identities, h.Clock, h.Options));

    [Fact]
    public async Task Unused_vouchers_expire_when_their_validity_ends_and_their_value_is_counted_once()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000), Tier("t100", 10000, 30000)], [Cell("t50", 10), Cell("t100", 10)],
            [new Vouchers.Campaign.V1.ClaimLimit { LimitId = "tier", Scope = Vouchers.Campaign.V1.LimitScope.PerTierPerCampaign, MaxClaims = 1 }]);
        await h.LoadAsync(campaign);
        var service = Service(h);
        await service.ClaimVoucher(ClaimFor(campaign, Person(1), "t50"), new TestCallContext());
        await service.ClaimVoucher(ClaimFor(campaign, Person(1), "t100"), new TestCallContext());
        await service.ClaimVoucher(ClaimFor(campaign, Person(2), "t100"), new TestCallContext());
        await h.PersistAllAsync();
        var wallet = new WalletStore(h.Fixture.DataSource);

        // Claimed 04-22 10:01 local, valid 7 calendar days: the last valid instant is just before 04-29 00:00 local.
        var lastMoment = new DateTimeOffset(2023, 4, 28, 16, 0, 0, TimeSpan.Zero).AddTicks(-1);
        Assert.Equal(0, (await wallet.ExpireAsync(lastMoment, string.Empty, CancellationToken.None)).Count);
        h.Clock.Set(lastMoment.AddTicks(1));
        var expired = await wallet.ExpireAsync(h.Clock.Now, string.Empty, CancellationToken.None);
        var again = await wallet.ExpireAsync(h.Clock.Now.AddDays(1), string.Empty, CancellationToken.None);

        Assert.Equal(3, expired.Count);
        Assert.Equal(25000, expired.FaceValueCents);
        Assert.Equal(0, again.Count);
        var list = await service.ListVouchers(new ListVouchersRequest { Person = Person(1) }, new TestCallContext());
        Assert.All(list.Vouchers, v => Assert.Equal(VoucherStatus.Expired, v.Status));
        Assert.Equal(3, await h.ScalarAsync("SELECT count(*) FROM issuance_events WHERE payload IS NOT NULL AND sequence > 3"));
    }

    [Fact]
    public async Task The_wallet_lists_a_holders_vouchers_newest_first_in_pages_and_hides_other_peoples()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)],
            [new Vouchers.Campaign.V1.ClaimLimit { LimitId = "five", Scope = Vouchers.Campaign.V1.LimitScope.PerRound, MaxClaims = 5 }]);
        await h.LoadAsync(campaign);
        var service = Service(h);
        var mine = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(1));
            mine.Add((await service.ClaimVoucher(ClaimFor(campaign, Person(1), "t50"), new TestCallContext())).Voucher.VoucherId);
        }

        var theirs = (await service.ClaimVoucher(ClaimFor(campaign, Person(2), "t50"), new TestCallContext())).Voucher.VoucherId;
        await h.PersistAllAsync();

        var first = await service.ListVouchers(new ListVouchersRequest { Person = Person(1), Page = new PageRequest { PageSize = 3 } }, new TestCallContext());
        var second = await service.ListVouchers(new ListVouchersRequest { Person = Person(1), Page = new PageRequest { PageSize = 3, PageToken = first.Page.NextPageToken } }, new TestCallContext());

        Assert.Equal(Enumerable.Reverse(mine).ToList(), first.Vouchers.Concat(second.Vouchers).Select(v => v.VoucherId).ToList());
        Assert.Equal(string.Empty, second.Page.NextPageToken);
        Assert.Equal(VoucherStatus.Unused, (await service.GetVoucher(new GetVoucherRequest { Person = Person(1), VoucherId = mine[0] }, new TestCallContext())).Status);

        var notMine = await Refusals.ThrowsAsync(() => service.GetVoucher(new GetVoucherRequest { Person = Person(1), VoucherId = theirs }, new TestCallContext()));
        Assert.Equal(StatusCode.NotFound, notMine.StatusCode);
        var noPerson = await Refusals.ThrowsAsync(() => service.ListVouchers(new ListVouchersRequest(), new TestCallContext()));
        Assert.Equal(StatusCode.InvalidArgument, noPerson.StatusCode);
        var foreignToken = await Refusals.ThrowsAsync(() => service.ListVouchers(
            new ListVouchersRequest { Person = Person(2), Page = new PageRequest { PageToken = first.Page.NextPageToken } }, new TestCallContext()));
        Assert.Equal(StatusCode.InvalidArgument, foreignToken.StatusCode);
        var negativeSize = await Refusals.ThrowsAsync(() => service.ListVouchers(
            new ListVouchersRequest { Person = Person(1), Page = new PageRequest { PageSize = -1 } }, new TestCallContext()));
        Assert.Equal(StatusCode.InvalidArgument, negativeSize.StatusCode);
        var shared = await service.ListVouchers(new ListVouchersRequest { Person = Person(1) }, new TestCallContext());
        Assert.Equal(mine.Count, shared.Vouchers.Count);
        Assert.Equal(string.Empty, shared.Page.NextPageToken);
        var noId = await Refusals.ThrowsAsync(() => service.GetVoucher(new GetVoucherRequest { Person = Person(1) }, new TestCallContext()));
        Assert.Equal(StatusCode.InvalidArgument, noId.StatusCode);
    }

    [Fact]
    public async Task A_presentation_code_is_only_made_for_an_unused_voucher_inside_its_validity()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        await h.LoadAsync(campaign);
        var service = Service(h);
        var voucher = (await service.ClaimVoucher(ClaimFor(campaign, Person(1), "t50"), new TestCallContext())).Voucher;
        await h.PersistAllAsync();

        var code = await service.CreatePresentationCode(new CreatePresentationCodeRequest { Person = Person(1), VoucherId = voucher.VoucherId }, new TestCallContext());
        Assert.False(string.IsNullOrEmpty(code.Token));
        Assert.Equal(h.Clock.Now.AddSeconds(60), code.ExpiresAt.ToDateTimeOffset());

        h.Clock.Advance(TimeSpan.FromDays(8));
        var late = await Refusals.ThrowsAsync(() => service.CreatePresentationCode(
            new CreatePresentationCodeRequest { Person = Person(1), VoucherId = voucher.VoucherId }, new TestCallContext()));
        Assert.Equal(StatusCode.FailedPrecondition, late.StatusCode);
    }
}
