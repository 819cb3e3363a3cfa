using Campaign.Service.Domain;
using Grpc.Core;
using TestSupport;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;

namespace Campaign.Service.Tests;

public class MerchantTests(CampaignServiceFixture fixture) : IClassFixture<CampaignServiceFixture>
{
    private CampaignServiceHost Host => fixture.Host;

    public static string CreditCode(int seed)
    {
        var body = "91620823" + seed.ToString("D9");
        return body + UnifiedCreditCode.CheckCharacter(body);
    }

    private static MerchantProfile Profile(int seed, params string[] categories)
    {
        var profile = new MerchantProfile
        {
            LegalName = $"华亭市第{seed}超市有限公司",
            UnifiedCreditCode = CreditCode(seed),
            Address = "华亭市东华街1号",
            ContactName = "王经理",
            ContactPhone = "13812345678",
            PayoutAccount = new PayoutAccount { AccountName = "华亭超市", BankName = "农业银行", AccountNumber = "6222000011112222" },
        };
        profile.CategoryIds.AddRange(categories);
        profile.Terminals.Add(new AcquiringTerminal { ChannelId = "unionpay", ChannelMerchantNumber = "898620800001" });
        return profile;
    }

    private async Task<MerchantDetails> ApprovedMerchantAsync(int seed, params string[] categories)
    {
        var registered = await Host.Merchants.RegisterMerchantAsync(new RegisterMerchantRequest { RequestId = $"reg-{seed}", Actor = Seeds.Operator, RegistrationChannel = RegistrationChannel.OnSite, Profile = Profile(seed, categories) });
        var pledge = await EnsurePledgeAsync();
        var signed = await Host.Merchants.SignIntegrityPledgeAsync(new SignIntegrityPledgeRequest { Actor = Seeds.Operator, MerchantId = registered.MerchantId, ExpectedVersion = registered.Version, PledgeVersion = pledge.Version, SignatoryName = "王经理" });
        return await Host.Merchants.ApproveMerchantAsync(new ReviewMerchantRequest { Actor = Seeds.Operator, MerchantId = signed.MerchantId, ExpectedVersion = signed.Version });
    }

    private async Task<IntegrityPledge> EnsurePledgeAsync()
    {
        try
        {
            return await Host.Merchants.GetIntegrityPledgeAsync(new GetIntegrityPledgeRequest());
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return await Host.Merchants.PublishIntegrityPledgeAsync(new PublishIntegrityPledgeRequest
            {
                Actor = Seeds.Operator,
                Pledge = new IntegrityPledge { Version = "2023-01", Title = "诚信经营承诺书", Text = "不虚假交易，不抬高价格，开具发票。" },
            });
        }
    }

    [Fact]
    public async Task Registration_is_idempotent_masks_the_payout_account_and_refuses_a_second_merchant_with_the_same_credit_code()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        var registered = await Host.Merchants.RegisterMerchantAsync(new RegisterMerchantRequest { RequestId = "reg-1", Actor = Seeds.Operator, RegistrationChannel = RegistrationChannel.OnSite, Profile = Profile(1, "supermarket", "catering") });
        Assert.Equal(MerchantStatus.PendingPledge, registered.Status);
        Assert.Equal("6222********2222", registered.Profile.PayoutAccount.AccountNumber);
        var replay = await Host.Merchants.RegisterMerchantAsync(new RegisterMerchantRequest { RequestId = "reg-1", Actor = Seeds.Operator, RegistrationChannel = RegistrationChannel.OnSite, Profile = Profile(1, "supermarket", "catering") });
        Assert.Equal(registered.MerchantId, replay.MerchantId);
        var duplicate = await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.RegisterMerchantAsync(new RegisterMerchantRequest { RequestId = "reg-1b", Actor = Seeds.Operator, RegistrationChannel = RegistrationChannel.OnSite, Profile = Profile(1, "supermarket") }).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, duplicate.StatusCode);
        Assert.Contains(registered.MerchantId, duplicate.Status.Detail);
    }

    [Fact]
    public async Task A_merchant_is_approved_only_after_signing_the_pledge_at_its_expected_version()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        var registered = await Host.Merchants.RegisterMerchantAsync(new RegisterMerchantRequest { RequestId = "reg-11", Actor = Seeds.Operator, RegistrationChannel = RegistrationChannel.OnSite, Profile = Profile(11, "supermarket") });
        var early = await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.ApproveMerchantAsync(new ReviewMerchantRequest { Actor = Seeds.Operator, MerchantId = registered.MerchantId, ExpectedVersion = registered.Version }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, early.StatusCode);
        Assert.Contains("PENDING_PLEDGE", early.Status.Detail);

        var pledge = await EnsurePledgeAsync();
        var stale = await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.SignIntegrityPledgeAsync(new SignIntegrityPledgeRequest { Actor = Seeds.Operator, MerchantId = registered.MerchantId, ExpectedVersion = registered.Version + 1, PledgeVersion = pledge.Version, SignatoryName = "王经理" }).ResponseAsync);
        Assert.Equal(StatusCode.Aborted, stale.StatusCode);
        var signed = await Host.Merchants.SignIntegrityPledgeAsync(new SignIntegrityPledgeRequest { Actor = Seeds.Operator, MerchantId = registered.MerchantId, ExpectedVersion = registered.Version, PledgeVersion = pledge.Version, SignatoryName = "王经理", EvidenceReference = "scan-001" });
        Assert.Equal(MerchantStatus.PendingReview, signed.Status);
        Assert.Equal(pledge.Version, signed.Pledge.PledgeVersion);
        Assert.Equal(Host.Clock.Now, signed.Pledge.SignedAt.ToDateTimeOffset());
        var approved = await Host.Merchants.ApproveMerchantAsync(new ReviewMerchantRequest { Actor = Seeds.Operator, MerchantId = signed.MerchantId, ExpectedVersion = signed.Version });
        Assert.Equal(MerchantStatus.Approved, approved.Status);
    }

    [Fact]
    public async Task A_staff_binding_code_binds_one_account_once_and_expires()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        var approved = await ApprovedMerchantAsync(12, "supermarket");
        var codes = await Host.Merchants.IssueStaffBindingCodesAsync(new IssueStaffBindingCodesRequest { Actor = Seeds.Operator, MerchantId = approved.MerchantId, Count = 2, ValidFor = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(1)) });
        Assert.Equal(2, codes.Codes.Count);
        Assert.NotEqual(codes.Codes[0].Code, codes.Codes[1].Code);
        var staff = await Host.Merchants.BindStaffAsync(new BindStaffRequest { RequestId = "bind-12-1", BindingCode = codes.Codes[0].Code, AccountId = "cashier-12-01", Name = "李收银", Phone = "13900001111" });
        Assert.Equal("139****1111", staff.Phone);
        var retried = await Host.Merchants.BindStaffAsync(new BindStaffRequest { RequestId = "bind-12-1", BindingCode = codes.Codes[0].Code, AccountId = "cashier-12-01", Name = "李收银", Phone = "13900001111" });
        Assert.Equal(staff.StaffId, retried.StaffId);
        var spent = await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.BindStaffAsync(new BindStaffRequest { RequestId = "bind-12-2", BindingCode = codes.Codes[0].Code, AccountId = "cashier-12-02", Name = "赵" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, spent.StatusCode);
        var taken = await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.BindStaffAsync(new BindStaffRequest { RequestId = "bind-12-3", BindingCode = codes.Codes[1].Code, AccountId = "cashier-12-01", Name = "李" }).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, taken.StatusCode);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.BindStaffAsync(new BindStaffRequest { RequestId = "bind-12-4", BindingCode = "NOTACODE0000", AccountId = "cashier-12-09", Name = "某" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Host.Clock.Now = Host.Clock.Now.AddDays(2);
        var expired = await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.BindStaffAsync(new BindStaffRequest { RequestId = "bind-12-5", BindingCode = codes.Codes[1].Code, AccountId = "cashier-12-05", Name = "钱" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, expired.StatusCode);
        Assert.Contains("expired", expired.Status.Detail);
    }

    [Fact]
    public async Task A_merchant_account_cannot_bind_staff_with_another_merchants_code_and_the_code_stays_usable()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        var a = await ApprovedMerchantAsync(31, "supermarket");
        var b = await ApprovedMerchantAsync(32, "supermarket");
        var codeOfB = (await Host.Merchants.IssueStaffBindingCodesAsync(new IssueStaffBindingCodesRequest { Actor = Seeds.Operator, MerchantId = b.MerchantId, Count = 1, ValidFor = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(1)) })).Codes[0].Code;
        var ownerOf = (string merchantId) => TestTokens.Bearer(TestTokens.For(new Actor { ActorId = "owner-" + merchantId, Role = ActorRole.Merchant, MerchantId = merchantId }));

        var refused = await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.BindStaffAsync(new BindStaffRequest { RequestId = "bind-31-b", BindingCode = codeOfB, AccountId = "cashier-31-01", Name = "冒" }, ownerOf(a.MerchantId)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("another merchant", refused.Status.Detail);

        var bound = await Host.Merchants.BindStaffAsync(new BindStaffRequest { RequestId = "bind-32-b", BindingCode = codeOfB, AccountId = "cashier-32-01", Name = "周" }, ownerOf(b.MerchantId));
        Assert.Equal(b.MerchantId, bound.MerchantId);
    }

    [Fact]
    public async Task An_enrolled_merchant_reaches_the_snapshot_and_a_suspension_takes_it_off_the_published_list_until_reinstated()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        var s1 = await Seeds.ConfigureS1Async(Host.Campaigns, "huating-merchants");
        await s1.PublishAsync();
        var approved = await ApprovedMerchantAsync(13, "supermarket", "catering");
        var wrongCategory = await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.EnrollMerchantAsync(new EnrollMerchantRequest { Actor = Seeds.Operator, CampaignId = s1.Id, MerchantId = approved.MerchantId, CategoryIds = { "fuel" } }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, wrongCategory.StatusCode);
        var enrolment = await Host.Merchants.EnrollMerchantAsync(new EnrollMerchantRequest { Actor = Seeds.Operator, CampaignId = s1.Id, MerchantId = approved.MerchantId, CategoryIds = { "supermarket" } });
        Assert.True(enrolment.Enrolled);
        var codes = await Host.Merchants.IssueStaffBindingCodesAsync(new IssueStaffBindingCodesRequest { Actor = Seeds.Operator, MerchantId = approved.MerchantId, Count = 1, ValidFor = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(1)) });
        var staff = await Host.Merchants.BindStaffAsync(new BindStaffRequest { RequestId = "bind-13-1", BindingCode = codes.Codes[0].Code, AccountId = "cashier-13-01", Name = "李收银" });

        var snapshot = await Host.Snapshots.GetCampaignSnapshotAsync(new GetCampaignSnapshotRequest { CampaignId = s1.Id });
        var listed = Assert.Single(snapshot.Merchants);
        Assert.Equal(MerchantStatus.Approved, listed.Status);
        Assert.Equal([staff.StaffId], listed.ActiveStaffIds);
        Assert.Equal(["supermarket"], listed.CategoryIds);
        Assert.Equal("898620800001", listed.Terminals[0].ChannelMerchantNumber);

        var current = await Host.Merchants.GetMerchantAsync(new GetMerchantRequest { Actor = Seeds.Operator, MerchantId = approved.MerchantId });
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.SuspendMerchantAsync(new ReviewMerchantRequest { Actor = Seeds.Operator, MerchantId = current.MerchantId, ExpectedVersion = current.Version }).ResponseAsync)).StatusCode);
        var suspended = await Host.Merchants.SuspendMerchantAsync(new ReviewMerchantRequest { Actor = Seeds.Operator, MerchantId = current.MerchantId, ExpectedVersion = current.Version, Reason = "虚假交易" });
        Assert.Equal("虚假交易", suspended.StatusReason);
        var after = await Host.Snapshots.GetCampaignSnapshotAsync(new GetCampaignSnapshotRequest { CampaignId = s1.Id });
        Assert.True(after.SnapshotVersion > snapshot.SnapshotVersion);
        Assert.Equal(MerchantStatus.Suspended, after.Merchants.Single().Status);
        var published = await Host.Merchants.ListCampaignMerchantsAsync(new ListCampaignMerchantsRequest { CampaignId = s1.Id });
        Assert.Empty(published.Merchants);
        var backOffice = await Host.Merchants.ListCampaignMerchantsAsync(new ListCampaignMerchantsRequest { CampaignId = s1.Id, IncludeInactive = true });
        Assert.Equal(MerchantStatus.Suspended, backOffice.Merchants.Single().MerchantStatus);

        var reinstated = await Host.Merchants.ReinstateMerchantAsync(new ReviewMerchantRequest { Actor = Seeds.Operator, MerchantId = suspended.MerchantId, ExpectedVersion = suspended.Version, Reason = "核查无误" });
        Assert.Equal(MerchantStatus.Approved, reinstated.Status);
        Assert.Equal(MerchantStatus.Approved, (await Host.Snapshots.GetCampaignSnapshotAsync(new GetCampaignSnapshotRequest { CampaignId = s1.Id })).Merchants.Single().Status);
    }

    [Fact]
    public async Task Unbinding_staff_and_withdrawing_from_a_campaign_reach_the_lists_and_the_snapshot()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        var s1 = await Seeds.ConfigureS1Async(Host.Campaigns, "huating-withdrawal");
        await s1.PublishAsync();
        var approved = await ApprovedMerchantAsync(14, "supermarket");
        await Host.Merchants.EnrollMerchantAsync(new EnrollMerchantRequest { Actor = Seeds.Operator, CampaignId = s1.Id, MerchantId = approved.MerchantId, CategoryIds = { "supermarket" } });
        var codes = await Host.Merchants.IssueStaffBindingCodesAsync(new IssueStaffBindingCodesRequest { Actor = Seeds.Operator, MerchantId = approved.MerchantId, Count = 1, ValidFor = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(1)) });
        var staff = await Host.Merchants.BindStaffAsync(new BindStaffRequest { RequestId = "bind-14-1", BindingCode = codes.Codes[0].Code, AccountId = "cashier-14-01", Name = "李收银" });

        var unbound = await Host.Merchants.UnbindStaffAsync(new UnbindStaffRequest { Actor = Seeds.Operator, MerchantId = approved.MerchantId, StaffId = staff.StaffId, Reason = "离职" });
        Assert.False(unbound.Active);
        Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.UnbindStaffAsync(new UnbindStaffRequest { Actor = Seeds.Operator, MerchantId = approved.MerchantId, StaffId = staff.StaffId }).ResponseAsync)).StatusCode);
        var allStaff = await Host.Merchants.ListStaffAsync(new ListStaffRequest { Actor = Seeds.Operator, MerchantId = approved.MerchantId, IncludeInactive = true });
        Assert.Single(allStaff.Staff);
        Assert.Empty((await Host.Merchants.ListStaffAsync(new ListStaffRequest { Actor = Seeds.Operator, MerchantId = approved.MerchantId })).Staff);
        Assert.Empty((await Host.Snapshots.GetCampaignSnapshotAsync(new GetCampaignSnapshotRequest { CampaignId = s1.Id })).Merchants.Single().ActiveStaffIds);

        var withdrawn = await Host.Merchants.WithdrawMerchantAsync(new WithdrawMerchantRequest { Actor = Seeds.Operator, CampaignId = s1.Id, MerchantId = approved.MerchantId, Reason = "退出活动" });
        Assert.False(withdrawn.Enrolled);
        Assert.Empty((await Host.Snapshots.GetCampaignSnapshotAsync(new GetCampaignSnapshotRequest { CampaignId = s1.Id })).Merchants);
    }

    [Fact]
    public async Task The_auditor_reads_every_merchant_change_with_before_and_after_and_no_raw_phone_and_a_merchant_may_not()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        var approved = await ApprovedMerchantAsync(15, "supermarket");
        var suspended = await Host.Merchants.SuspendMerchantAsync(new ReviewMerchantRequest { Actor = Seeds.Operator, MerchantId = approved.MerchantId, ExpectedVersion = approved.Version, Reason = "虚假交易" });
        await Host.Merchants.ReinstateMerchantAsync(new ReviewMerchantRequest { Actor = Seeds.Operator, MerchantId = suspended.MerchantId, ExpectedVersion = suspended.Version, Reason = "核查无误" });

        var audit = await Host.Audit.ListAuditEntriesAsync(new ListAuditEntriesRequest { Actor = Seeds.Auditor, MerchantId = approved.MerchantId, Subjects = { AuditSubject.Merchant } });
        Assert.Equal(["RegisterMerchant", "SignIntegrityPledge", "ApproveMerchant", "SuspendMerchant", "ReinstateMerchant"], audit.Entries.Select(e => e.Action));
        var suspension = audit.Entries.Single(e => e.Action == "SuspendMerchant");
        Assert.Equal("虚假交易", suspension.Reason);
        Assert.Contains("MERCHANT_STATUS_APPROVED", suspension.BeforeJson);
        Assert.Contains("MERCHANT_STATUS_SUSPENDED", suspension.AfterJson);
        Assert.DoesNotContain("13812345678", string.Concat(audit.Entries.Select(e => e.AfterJson)));
        var denied = await Assert.ThrowsAsync<RpcException>(() => Host.Audit.ListAuditEntriesAsync(new ListAuditEntriesRequest { Actor = new Actor { ActorId = "m", Role = ActorRole.Merchant } }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task Merchant_calls_refuse_bad_input_with_the_field_named()
    {
        var noCategory = await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.RegisterMerchantAsync(new RegisterMerchantRequest { RequestId = "bad-1", Actor = Seeds.Operator, RegistrationChannel = RegistrationChannel.OnSite, Profile = new MerchantProfile { UnifiedCreditCode = "91620823000000000X" } }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noCategory.StatusCode);
        Assert.Contains("profile.legal_name: required", noCategory.Status.Detail);
        Assert.Contains("profile.unified_credit_code", noCategory.Status.Detail);
        Assert.Contains("profile.category_ids: at least one category is required", noCategory.Status.Detail);

        var consumer = new Actor { ActorId = "c", Role = ActorRole.Consumer };
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.ListMerchantsAsync(new ListMerchantsRequest { Actor = consumer }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.GetMerchantAsync(new GetMerchantRequest { Actor = Seeds.Operator, MerchantId = "mch-none" }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.ListMerchantsAsync(new ListMerchantsRequest { Actor = Seeds.Operator, Page = new PageRequest { PageToken = "garbage" } }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.PublishIntegrityPledgeAsync(new PublishIntegrityPledgeRequest { Actor = Seeds.Operator, Pledge = new IntegrityPledge { Version = "x" } }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.GetIntegrityPledgeAsync(new GetIntegrityPledgeRequest { Version = "1999" }).ResponseAsync)).StatusCode);

        var merchant = await ApprovedMerchantAsync(7, "catering");
        var other = new Actor { ActorId = "owner-8", Role = ActorRole.Merchant, MerchantId = "mch-other" };
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.GetMerchantAsync(new GetMerchantRequest { Actor = other, MerchantId = merchant.MerchantId }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.IssueStaffBindingCodesAsync(new IssueStaffBindingCodesRequest { Actor = Seeds.Operator, MerchantId = merchant.MerchantId, Count = 101, ValidFor = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMinutes(5)) }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.BindStaffAsync(new BindStaffRequest { RequestId = "b" }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.RejectMerchantAsync(new ReviewMerchantRequest { Actor = Seeds.Operator, MerchantId = merchant.MerchantId, ExpectedVersion = merchant.Version }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.ReinstateMerchantAsync(new ReviewMerchantRequest { Actor = Seeds.Operator, MerchantId = merchant.MerchantId, ExpectedVersion = merchant.Version, Reason = "x" }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.EnrollMerchantAsync(new EnrollMerchantRequest { Actor = Seeds.Operator, CampaignId = "cmp-none", MerchantId = merchant.MerchantId, CategoryIds = { "catering" } }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.WithdrawMerchantAsync(new WithdrawMerchantRequest { Actor = Seeds.Operator, CampaignId = "cmp-none", MerchantId = merchant.MerchantId }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.ListCampaignMerchantsAsync(new ListCampaignMerchantsRequest { CampaignId = "cmp-none" }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.ListStaffAsync(new ListStaffRequest { Actor = Seeds.Operator, MerchantId = "mch-none" }).ResponseAsync)).StatusCode);

        // Changing categories of an approved merchant sends it back to review; a stale version is ABORTED.
        var profile = Profile(7, "catering", "supermarket");
        var updated = await Host.Merchants.UpdateMerchantProfileAsync(new UpdateMerchantProfileRequest { Actor = Seeds.Operator, MerchantId = merchant.MerchantId, ExpectedVersion = merchant.Version, Profile = profile });
        Assert.Equal(MerchantStatus.PendingReview, updated.Status);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.UpdateMerchantProfileAsync(new UpdateMerchantProfileRequest { Actor = Seeds.Operator, MerchantId = "mch-none", ExpectedVersion = updated.Version, Profile = profile }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.UpdateMerchantProfileAsync(new UpdateMerchantProfileRequest { Actor = other, MerchantId = merchant.MerchantId, ExpectedVersion = updated.Version, Profile = profile }).ResponseAsync)).StatusCode);
        var badProfile = profile.Clone();
        badProfile.UnifiedCreditCode = "123";
        var profileProblem = await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.UpdateMerchantProfileAsync(new UpdateMerchantProfileRequest { Actor = Seeds.Operator, MerchantId = merchant.MerchantId, ExpectedVersion = updated.Version, Profile = badProfile }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, profileProblem.StatusCode);
        Assert.Contains("18 characters", profileProblem.Status.Detail);
        Assert.Equal(StatusCode.Aborted, (await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.UpdateMerchantProfileAsync(new UpdateMerchantProfileRequest { Actor = Seeds.Operator, MerchantId = merchant.MerchantId, ExpectedVersion = merchant.Version, Profile = profile }).ResponseAsync)).StatusCode);
        var listed = await Host.Merchants.ListMerchantsAsync(new ListMerchantsRequest { Actor = Seeds.Auditor, CategoryId = "supermarket", Text = "第7" });
        Assert.Equal(merchant.MerchantId, listed.Merchants.Single().MerchantId);
    }

    [Fact]
    public async Task One_binding_code_raced_by_many_cashiers_binds_exactly_one_and_refuses_the_rest_cleanly()
    {
        var merchant = await ApprovedMerchantAsync(9, "catering");
        var codes = await Host.Merchants.IssueStaffBindingCodesAsync(new IssueStaffBindingCodesRequest { Actor = Seeds.Operator, MerchantId = merchant.MerchantId, Count = 1, ValidFor = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(1)) });
        var code = codes.Codes.Single().Code;

        var attempts = Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await Host.Merchants.BindStaffAsync(new BindStaffRequest { RequestId = $"race-{i}", BindingCode = code, AccountId = $"racer-{i}", Name = "抢" });
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        });
        var outcomes = await Task.WhenAll(attempts);

        Assert.Single(outcomes, o => o == StatusCode.OK);
        Assert.All(outcomes.Where(o => o != StatusCode.OK), o => Assert.Contains(o, new[] { StatusCode.FailedPrecondition, StatusCode.Aborted }));
        var staff = await Host.Merchants.ListStaffAsync(new ListStaffRequest { Actor = Seeds.Operator, MerchantId = merchant.MerchantId });
        Assert.Single(staff.Staff);

        var notEnrolled = await Assert.ThrowsAsync<RpcException>(() => Host.Merchants.WithdrawMerchantAsync(new WithdrawMerchantRequest { Actor = Seeds.Operator, CampaignId = "cmp-none", MerchantId = merchant.MerchantId, Reason = "not enrolled" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, notEnrolled.StatusCode);
    }

    [Fact]
    public void Credit_codes_and_binding_codes_follow_their_rules()
    {
        Assert.Null(UnifiedCreditCode.Problem("91350100M000100Y43"));
        Assert.Contains("check character", UnifiedCreditCode.Problem("91350100M000100Y44"));
        Assert.Contains("18 characters", UnifiedCreditCode.Problem("123"));
        Assert.Contains("'I' is not allowed", UnifiedCreditCode.Problem("9135010IM000100Y43"));
        var code = BindingCodes.NewCode();
        Assert.Equal(BindingCodes.Length, code.Length);
        Assert.Equal(BindingCodes.Hash(code), BindingCodes.Hash(code.ToLowerInvariant()));
        Assert.NotEqual(BindingCodes.Hash(code), BindingCodes.Hash(BindingCodes.NewCode()));
        Assert.Equal("138****5678", BindingCodes.MaskPhone("13812345678"));
    }
}
