using Claim.Service.Admin;
using Claim.Service.Grpc;
using Claim.Service.Persistence;
using Claim.Service.Tests.Infrastructure;
using Claim.Service.Usage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace Claim.Service.Tests;

[Collection(ClaimCollection.Name)]
public sealed class ClaimAdminTests(ClaimFixture fixture)
{
    private static readonly Actor Operator = new() { ActorId = "op-1", Role = ActorRole.Operator, DisplayName = "李科长" };
    private static readonly Actor Auditor = new() { ActorId = "aud-1", Role = ActorRole.Auditor };
    private static readonly Actor Consumer = new() { ActorId = "c-1", Role = ActorRole.Consumer };

    private static ClaimAdminGrpcService Admin(Harness h) => h.AdminService();

    private static async Task<StatusCode> StatusOf(Func<Task> call) => (await Refusals.ThrowsAsync(call)).StatusCode;

    /// <summary>A two-category campaign as S2 allocates it (tier × category), one round closing a day after it opens.</summary>
    private static CampaignSnapshot ByCategory()
    {
        var campaign = Campaign(
            [Tier("t20", 2000, 6000), Tier("t50", 5000, 15000)],
            [Cell("t20", 5, "produce"), Cell("t50", 4, "produce"), Cell("t50", 3, "fuel")],
            [new Vouchers.Campaign.V1.ClaimLimit { LimitId = "cat", Scope = LimitScope.PerCategoryPerRound, MaxClaims = 1 }]);
        campaign.Campaign.Rounds[0].ClaimClosesAtUtc = Timestamp.FromDateTimeOffset(Opens.AddDays(1));
        campaign.Campaign.Settings.BudgetCents = (5 * 2000) + (7 * 5000);
        campaign.Campaign.Settings.ChannelAllocations.Add(new ChannelAllocation { Channel = new ChannelRef { ChannelId = "unionpay" }, AmountCents = 45000 });
        return campaign;
    }

    [Fact]
    public async Task Stock_status_shows_total_claimed_remaining_and_returned_per_cell_and_channel()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = ByCategory();
        await h.LoadAsync(campaign);
        var ids = new List<string>();
        for (var i = 1; i <= 3; i++)
        {
            ids.Add((await h.Engine.ClaimAsync(ClaimFor(campaign, Person(i), "t50", category: "produce"))).Voucher.VoucherId);
        }

        await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50", category: "fuel"));
        await h.PersistAllAsync();
        var admin = Admin(h);
        await admin.RevokeVoucher(new RevokeVoucherRequest { Actor = Operator, VoucherId = ids[0], Reason = "scalper" }, new TestCallContext());

        var status = await admin.GetStockStatus(new GetStockStatusRequest { Actor = Auditor, CampaignId = campaign.CampaignId }, new TestCallContext());

        var produce50 = status.Lines.Single(l => l.TierId == "t50" && l.CategoryId == "produce");
        Assert.Equal((4, 3, 1, 1), (produce50.Total, produce50.Claimed, produce50.Remaining, produce50.Returned));
        var fuel50 = status.Lines.Single(l => l.TierId == "t50" && l.CategoryId == "fuel");
        Assert.Equal((3, 1, 2, 0), (fuel50.Total, fuel50.Claimed, fuel50.Remaining, fuel50.Returned));
        var produce20 = status.Lines.Single(l => l.TierId == "t20");
        Assert.Equal((5, 0, 5, 0), (produce20.Total, produce20.Claimed, produce20.Remaining, produce20.Returned));
        Assert.Equal(20000, Assert.Single(status.Channels).IssuedCents);
        Assert.False(status.Claiming.CampaignPaused);

        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => admin.GetStockStatus(new GetStockStatusRequest { Actor = Auditor }, new TestCallContext())));
        Assert.Equal(StatusCode.NotFound, await StatusOf(() => admin.GetStockStatus(new GetStockStatusRequest { Actor = Auditor, CampaignId = "nope" }, new TestCallContext())));
        Assert.Equal(StatusCode.NotFound, await StatusOf(() => admin.GetStockStatus(new GetStockStatusRequest { Actor = Auditor, CampaignId = campaign.CampaignId, RoundId = "r9" }, new TestCallContext())));
        Assert.Equal(StatusCode.PermissionDenied, await StatusOf(() => admin.GetStockStatus(new GetStockStatusRequest { Actor = Consumer, CampaignId = campaign.CampaignId }, new TestCallContext())));
    }

    [Fact]
    public async Task Blocked_keys_stop_claims_by_anyone_sharing_them_until_the_entry_is_removed()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        await h.LoadAsync(campaign);
        var admin = Admin(h);
        var add = new AddToBlockListRequest
        {
            Actor = Operator,
            CampaignId = campaign.CampaignId,
            Reason = "many accounts on one phone",
            Keys = { new IdentityKeyValue { Kind = IdentityKeyKind.Phone, Value = "13900000007" } },
        };

        var added = Assert.Single((await admin.AddToBlockList(add, new TestCallContext())).Entries);
        var again = Assert.Single((await admin.AddToBlockList(add, new TestCallContext())).Entries);
        var refused = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(50, phone: "13900000007"), "t50"));
        var listed = await admin.ListBlockList(new ListBlockListRequest { Actor = Auditor, CampaignId = campaign.CampaignId }, new TestCallContext());
        await admin.RemoveFromBlockList(new RemoveFromBlockListRequest { Actor = Operator, EntryId = added.EntryId, Reason = "appeal upheld" }, new TestCallContext());
        var granted = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(51, phone: "13900000007"), "t50"));
        var active = await admin.ListBlockList(new ListBlockListRequest { Actor = Auditor, CampaignId = campaign.CampaignId }, new TestCallContext());
        var all = await admin.ListBlockList(new ListBlockListRequest { Actor = Auditor, CampaignId = campaign.CampaignId, IncludeInactive = true }, new TestCallContext());

        Assert.Equal(added.EntryId, again.EntryId);
        Assert.DoesNotContain("13900000007", added.Key.MaskedValue, StringComparison.Ordinal);
        Assert.Equal(ClaimRefusalReason.Blocked, refused.Refusal.Reason);
        Assert.Equal(added.EntryId, Assert.Single(listed.Entries).EntryId);
        Assert.NotNull(granted.Voucher);
        Assert.Empty(active.Entries);
        Assert.NotNull(Assert.Single(all.Entries).RemovedAt);
    }

    [Fact]
    public async Task Block_list_calls_refuse_bad_input()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        await h.LoadAsync(campaign);
        var admin = Admin(h);
        var ctx = new TestCallContext();
        var phone = new IdentityKeyValue { Kind = IdentityKeyKind.Phone, Value = "13900000007" };

        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => admin.AddToBlockList(new AddToBlockListRequest { Actor = Operator, Reason = "x" }, ctx)));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => admin.AddToBlockList(new AddToBlockListRequest { Actor = Operator, Keys = { phone } }, ctx)));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => admin.AddToBlockList(new AddToBlockListRequest { Actor = Operator, Reason = "x", Keys = { new IdentityKeyValue { Kind = IdentityKeyKind.ChannelAccount, Value = "a" } } }, ctx)));
        Assert.Equal(StatusCode.NotFound, await StatusOf(() => admin.AddToBlockList(new AddToBlockListRequest { Actor = Operator, Reason = "x", CampaignId = "nope", Keys = { phone } }, ctx)));
        Assert.Equal(StatusCode.PermissionDenied, await StatusOf(() => admin.AddToBlockList(new AddToBlockListRequest { Actor = Auditor, Reason = "x", Keys = { phone } }, ctx)));
        Assert.Equal(StatusCode.NotFound, await StatusOf(() => admin.RemoveFromBlockList(new RemoveFromBlockListRequest { Actor = Operator, EntryId = "blk_missing", Reason = "x" }, ctx)));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => admin.RemoveFromBlockList(new RemoveFromBlockListRequest { Actor = Operator, EntryId = "blk_missing" }, ctx)));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => admin.ListBlockList(new ListBlockListRequest { Actor = Auditor, Page = new PageRequest { PageToken = "garbage" } }, ctx)));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => admin.ListBlockList(new ListBlockListRequest { Actor = Auditor, Page = new PageRequest { PageSize = -1 } }, ctx)));
        Assert.Equal(StatusCode.PermissionDenied, await StatusOf(() => admin.ListBlockList(new ListBlockListRequest(), ctx)));
    }

    [Fact]
    public async Task Pausing_claims_refuses_them_per_campaign_or_round_until_resumed()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        await h.LoadAsync(campaign);
        var admin = Admin(h);

        var paused = await admin.PauseClaiming(new PauseClaimingRequest { Actor = Operator, CampaignId = campaign.CampaignId, Reason = "system check" }, new TestCallContext());
        var refused = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50"));
        await admin.ResumeClaiming(new ResumeClaimingRequest { Actor = Operator, CampaignId = campaign.CampaignId }, new TestCallContext());
        var roundPaused = await admin.PauseClaiming(new PauseClaimingRequest { Actor = Operator, CampaignId = campaign.CampaignId, RoundId = "r1", Reason = "round fix" }, new TestCallContext());
        var refusedRound = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(2), "t50"));
        var resumed = await admin.ResumeClaiming(new ResumeClaimingRequest { Actor = Operator, CampaignId = campaign.CampaignId, RoundId = "r1" }, new TestCallContext());
        var granted = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(3), "t50"));

        Assert.True(paused.CampaignPaused);
        Assert.Equal("system check", paused.Reason);
        Assert.Equal(ClaimRefusalReason.Paused, refused.Refusal.Reason);
        Assert.Equal("r1", Assert.Single(roundPaused.PausedRoundIds));
        Assert.False(roundPaused.CampaignPaused);
        Assert.Equal(ClaimRefusalReason.Paused, refusedRound.Refusal.Reason);
        Assert.Empty(resumed.PausedRoundIds);
        Assert.Equal(string.Empty, resumed.Reason);
        Assert.NotNull(granted.Voucher);

        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => admin.PauseClaiming(new PauseClaimingRequest { Actor = Operator, CampaignId = campaign.CampaignId }, new TestCallContext())));
        Assert.Equal(StatusCode.NotFound, await StatusOf(() => admin.PauseClaiming(new PauseClaimingRequest { Actor = Operator, CampaignId = campaign.CampaignId, RoundId = "r9", Reason = "x" }, new TestCallContext())));
        Assert.Equal(StatusCode.NotFound, await StatusOf(() => admin.ResumeClaiming(new ResumeClaimingRequest { Actor = Operator, CampaignId = "nope" }, new TestCallContext())));
        Assert.Equal(StatusCode.PermissionDenied, await StatusOf(() => admin.PauseClaiming(new PauseClaimingRequest { Actor = Consumer, CampaignId = campaign.CampaignId, Reason = "x" }, new TestCallContext())));
    }

    [Fact]
    public async Task Only_unused_vouchers_can_be_revoked()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        await h.LoadAsync(campaign);
        var first = (await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50"))).Voucher.VoucherId;
        var second = (await h.Engine.ClaimAsync(ClaimFor(campaign, Person(2), "t50"))).Voucher.VoucherId;
        await h.PersistAllAsync();
        var usage = new VoucherUsageGrpcService(new global::Claim.Service.Usage.VoucherUsageService(new VoucherUsageStore(h.Fixture.DataSource), h.Identities, h.Clock));
        await usage.LockVoucher(new LockVoucherRequest { VoucherId = second, LockId = "l", MerchantId = "m", Ttl = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)) }, new TestCallContext());
        await usage.ConsumeVoucher(new ConsumeVoucherRequest { VoucherId = second, LockId = "l", RedemptionId = "r", MerchantId = "m" }, new TestCallContext());
        var admin = Admin(h);
        var ctx = new TestCallContext();

        var revoked = await admin.RevokeVoucher(new RevokeVoucherRequest { Actor = Operator, VoucherId = first, Reason = "scalper" }, ctx);

        Assert.Equal(VoucherStatus.Revoked, revoked.Status);
        Assert.Equal("scalper", revoked.RevokeReason);
        Assert.Equal(StatusCode.FailedPrecondition, await StatusOf(() => admin.RevokeVoucher(new RevokeVoucherRequest { Actor = Operator, VoucherId = first, Reason = "again" }, ctx)));
        Assert.Equal(StatusCode.FailedPrecondition, await StatusOf(() => admin.RevokeVoucher(new RevokeVoucherRequest { Actor = Operator, VoucherId = second, Reason = "used" }, ctx)));
        Assert.Equal(StatusCode.NotFound, await StatusOf(() => admin.RevokeVoucher(new RevokeVoucherRequest { Actor = Operator, VoucherId = "missing", Reason = "x" }, ctx)));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => admin.RevokeVoucher(new RevokeVoucherRequest { Actor = Operator, VoucherId = first }, ctx)));
        Assert.Equal(StatusCode.PermissionDenied, await StatusOf(() => admin.RevokeVoucher(new RevokeVoucherRequest { VoucherId = first, Reason = "x" }, ctx)));
        Assert.Equal(1, await h.ScalarAsync("SELECT count(*) FROM issuance_events WHERE payload IS NOT NULL AND sequence = 4"));
    }

    [Fact]
    public async Task The_pool_report_returns_expired_revoked_and_unclaimed_value_by_category_for_the_next_round()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = ByCategory();
        await h.LoadAsync(campaign);
        var produce = (await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50", category: "produce"))).Voucher.VoucherId;
        await h.Engine.ClaimAsync(ClaimFor(campaign, Person(2), "t50", category: "produce"));
        var fuel = (await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50", category: "fuel"))).Voucher.VoucherId;
        await h.Engine.ClaimAsync(ClaimFor(campaign, Person(3), "t20", category: "produce"));
        await h.PersistAllAsync();
        var usage = new VoucherUsageGrpcService(new global::Claim.Service.Usage.VoucherUsageService(new VoucherUsageStore(h.Fixture.DataSource), h.Identities, h.Clock));
        await usage.LockVoucher(new LockVoucherRequest { VoucherId = produce, LockId = "l", MerchantId = "m", Ttl = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)) }, new TestCallContext());
        await usage.ConsumeVoucher(new ConsumeVoucherRequest { VoucherId = produce, LockId = "l", RedemptionId = "r", MerchantId = "m" }, new TestCallContext());
        var admin = Admin(h);
        await admin.RevokeVoucher(new RevokeVoucherRequest { Actor = Operator, VoucherId = fuel, Reason = "scalper" }, new TestCallContext());

        // Vouchers claimed 04-22 are valid 7 calendar days; by 05-01 the round has closed and the unused ones expired.
        h.Clock.Set(new DateTimeOffset(2023, 5, 1, 0, 0, 0, TimeSpan.FromHours(8)));
        var expired = await admin.ExpireVouchers(new ExpireVouchersRequest { Actor = Operator, CampaignId = campaign.CampaignId }, new TestCallContext());
        var report = await admin.GetPoolReport(new GetPoolReportRequest { Actor = Auditor, CampaignId = campaign.CampaignId }, new TestCallContext());

        Assert.Equal((2, 7000), (expired.Expired.Count, expired.Expired.FaceValueCents));
        var produce50 = report.Lines.Single(l => l.TierId == "t50" && l.CategoryId == "produce");
        Assert.Equal((2, 1, 1, 0, 2), (produce50.Issued.Count, produce50.Used.Count, produce50.Expired.Count, produce50.Outstanding.Count, produce50.Unclaimed.Count));
        var fuel50 = report.Lines.Single(l => l.TierId == "t50" && l.CategoryId == "fuel");
        Assert.Equal((1, 1, 2), (fuel50.Issued.Count, fuel50.Revoked.Count, fuel50.Unclaimed.Count));

        // produce: t50 expired 5000 + unclaimed 2×5000, t20 expired 2000 + unclaimed 4×2000; fuel: revoked 5000 + unclaimed 2×5000.
        Assert.Equal(25000, report.ReturnedValueByCategory.Single(c => c.CategoryId == "produce").AmountCents);
        Assert.Equal(15000, report.ReturnedValueByCategory.Single(c => c.CategoryId == "fuel").AmountCents);
        Assert.Equal(40000, report.ReturnedValueCents);
        Assert.Equal(45000 - 5000, report.RemainderCents);
        Assert.Equal(0, (await admin.ExpireVouchers(new ExpireVouchersRequest { Actor = Operator }, new TestCallContext())).Expired.Count);

        Assert.Equal(StatusCode.NotFound, await StatusOf(() => admin.GetPoolReport(new GetPoolReportRequest { Actor = Auditor, CampaignId = "nope" }, new TestCallContext())));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => admin.GetPoolReport(new GetPoolReportRequest { Actor = Auditor }, new TestCallContext())));
        Assert.Equal(StatusCode.PermissionDenied, await StatusOf(() => admin.GetPoolReport(new GetPoolReportRequest { Actor = Consumer, CampaignId = campaign.CampaignId }, new TestCallContext())));
        Assert.Equal(StatusCode.NotFound, await StatusOf(() => admin.ExpireVouchers(new ExpireVouchersRequest { Actor = Operator, CampaignId = "nope" }, new TestCallContext())));
        Assert.Equal(StatusCode.PermissionDenied, await StatusOf(() => admin.ExpireVouchers(new ExpireVouchersRequest { Actor = Auditor }, new TestCallContext())));
    }
}
