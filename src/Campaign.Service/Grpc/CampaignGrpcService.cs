using Campaign.Service.Application;
using Grpc.Core;
using Vouchers.Campaign.V1;

namespace Campaign.Service.Grpc;

/// <summary>
/// campaign.v1.CampaignService: each call is one use case of the application layer; domain refusals
/// become status codes in ServiceDefaults' interceptor.
/// </summary>
public sealed class CampaignGrpcService(
    CampaignCommands campaigns,
    RoundCommands rounds,
    CampaignLifecycleCommands lifecycle,
    CampaignQueries queries) : CampaignService.CampaignServiceBase
{
    public override Task<CampaignDetails> CreateCampaign(CreateCampaignRequest request, ServerCallContext context) =>
        campaigns.CreateAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> GetCampaign(GetCampaignRequest request, ServerCallContext context) =>
        queries.GetAsync(request, context.CancellationToken);

    public override Task<ListCampaignsResponse> ListCampaigns(ListCampaignsRequest request, ServerCallContext context) =>
        queries.ListAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> UpdateCampaignSettings(UpdateCampaignSettingsRequest request, ServerCallContext context) =>
        campaigns.UpdateSettingsAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> CreateTier(CreateTierRequest request, ServerCallContext context) =>
        campaigns.CreateTierAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> UpdateTier(UpdateTierRequest request, ServerCallContext context) =>
        campaigns.UpdateTierAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> DeleteTier(DeleteTierRequest request, ServerCallContext context) =>
        campaigns.DeleteTierAsync(request, context.CancellationToken);

    public override Task<SetAllocationPlanResponse> SetAllocationPlan(SetAllocationPlanRequest request, ServerCallContext context) =>
        campaigns.SetAllocationPlanAsync(request, context.CancellationToken);

    public override Task<BudgetCheck> CheckBudget(CheckBudgetRequest request, ServerCallContext context) =>
        queries.CheckBudgetAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> ScheduleRound(ScheduleRoundRequest request, ServerCallContext context) =>
        rounds.ScheduleAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> UpdateRound(UpdateRoundRequest request, ServerCallContext context) =>
        rounds.UpdateAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> CancelRound(CancelRoundRequest request, ServerCallContext context) =>
        rounds.CancelAsync(request, context.CancellationToken);

    public override Task<ProposeRoundResizeResponse> ProposeRoundResize(ProposeRoundResizeRequest request, ServerCallContext context) =>
        queries.ProposeRoundResizeAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> ResizeRound(ResizeRoundRequest request, ServerCallContext context) =>
        rounds.ResizeAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> SetClaimRules(SetClaimRulesRequest request, ServerCallContext context) =>
        campaigns.SetClaimRulesAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> PublishCampaign(CampaignTransitionRequest request, ServerCallContext context) =>
        lifecycle.PublishAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> PauseCampaign(CampaignTransitionRequest request, ServerCallContext context) =>
        lifecycle.PauseAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> ResumeCampaign(CampaignTransitionRequest request, ServerCallContext context) =>
        lifecycle.ResumeAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> EndCampaign(CampaignTransitionRequest request, ServerCallContext context) =>
        lifecycle.EndAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> MarkCampaignSettled(CampaignTransitionRequest request, ServerCallContext context) =>
        lifecycle.SettleAsync(request, context.CancellationToken);

    public override Task<CampaignDetails> CloseCampaign(CampaignTransitionRequest request, ServerCallContext context) =>
        lifecycle.CloseAsync(request, context.CancellationToken);
}
