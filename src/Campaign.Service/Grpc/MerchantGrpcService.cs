using Campaign.Service.Application;
using Grpc.Core;
using ServiceDefaults;
using Vouchers.Campaign.V1;

namespace Campaign.Service.Grpc;

/// <summary>
/// campaign.v1.MerchantService: onboarding, pledge, review, enrolment and staff binding, each call one
/// use case of the application layer.
/// </summary>
public sealed class MerchantGrpcService(
    MerchantCommands merchants,
    EnrolmentCommands enrolments,
    StaffCommands staff,
    MerchantQueries queries) : MerchantService.MerchantServiceBase
{
    public override Task<MerchantDetails> RegisterMerchant(RegisterMerchantRequest request, ServerCallContext context) =>
        merchants.RegisterMerchantAsync(request, context.CancellationToken);

    public override Task<MerchantDetails> GetMerchant(GetMerchantRequest request, ServerCallContext context) =>
        queries.GetMerchantAsync(request, context.CancellationToken);

    public override Task<ListMerchantsResponse> ListMerchants(ListMerchantsRequest request, ServerCallContext context) =>
        queries.ListMerchantsAsync(request, context.CancellationToken);

    public override Task<MerchantDetails> UpdateMerchantProfile(UpdateMerchantProfileRequest request, ServerCallContext context) =>
        merchants.UpdateMerchantProfileAsync(request, context.CancellationToken);

    public override Task<IntegrityPledge> GetIntegrityPledge(GetIntegrityPledgeRequest request, ServerCallContext context) =>
        queries.GetIntegrityPledgeAsync(request, context.CancellationToken);

    public override Task<IntegrityPledge> PublishIntegrityPledge(PublishIntegrityPledgeRequest request, ServerCallContext context) =>
        merchants.PublishIntegrityPledgeAsync(request, context.CancellationToken);

    public override Task<MerchantDetails> SignIntegrityPledge(SignIntegrityPledgeRequest request, ServerCallContext context) =>
        merchants.SignIntegrityPledgeAsync(request, context.CancellationToken);

    public override Task<MerchantDetails> ApproveMerchant(ReviewMerchantRequest request, ServerCallContext context) =>
        merchants.ApproveMerchantAsync(request, context.CancellationToken);

    public override Task<MerchantDetails> RejectMerchant(ReviewMerchantRequest request, ServerCallContext context) =>
        merchants.RejectMerchantAsync(request, context.CancellationToken);

    public override Task<MerchantDetails> SuspendMerchant(ReviewMerchantRequest request, ServerCallContext context) =>
        merchants.SuspendMerchantAsync(request, context.CancellationToken);

    public override Task<MerchantDetails> ReinstateMerchant(ReviewMerchantRequest request, ServerCallContext context) =>
        merchants.ReinstateMerchantAsync(request, context.CancellationToken);

    public override Task<CampaignMerchant> EnrollMerchant(EnrollMerchantRequest request, ServerCallContext context) =>
        enrolments.EnrollMerchantAsync(request, context.CancellationToken);

    public override Task<CampaignMerchant> WithdrawMerchant(WithdrawMerchantRequest request, ServerCallContext context) =>
        enrolments.WithdrawMerchantAsync(request, context.CancellationToken);

    public override Task<ListCampaignMerchantsResponse> ListCampaignMerchants(ListCampaignMerchantsRequest request, ServerCallContext context) =>
        queries.ListCampaignMerchantsAsync(request, context.CancellationToken);

    public override Task<IssueStaffBindingCodesResponse> IssueStaffBindingCodes(IssueStaffBindingCodesRequest request, ServerCallContext context) =>
        staff.IssueStaffBindingCodesAsync(request, context.CancellationToken);

    public override Task<StaffMember> BindStaff(BindStaffRequest request, ServerCallContext context) =>
        staff.BindStaffAsync(request, TokenClaims.ToActor(context.GetHttpContext().User), context.CancellationToken);

    public override Task<ListStaffResponse> ListStaff(ListStaffRequest request, ServerCallContext context) =>
        queries.ListStaffAsync(request, context.CancellationToken);

    public override Task<StaffMember> UnbindStaff(UnbindStaffRequest request, ServerCallContext context) =>
        staff.UnbindStaffAsync(request, context.CancellationToken);
}
