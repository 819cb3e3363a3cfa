// string.Compare in these queries is translated to SQL: PostgreSQL compares with the column's
// collation, the same one ORDER BY uses, which is what keyset paging needs; CA1309's advice is for
// comparisons that run in .NET.
#pragma warning disable CA1309
using Campaign.Service.Data;
using Campaign.Service.Domain;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;
using static Campaign.Service.Domain.CampaignEdits;
using CampaignState = Vouchers.Campaign.V1.CampaignState;

namespace Campaign.Service.Application;

/// <summary>Reading campaigns: one, a filtered page, a budget check, a proposal for the next round. Nothing is written.</summary>
public sealed class CampaignQueries(CampaignDbContext db, CampaignChanges changes, CampaignMetrics metrics)
{
    public async Task<CampaignDetails> GetAsync(GetCampaignRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var campaign = await changes.LoadAsync(request.CampaignId, cancellationToken);
        return campaign.ToDetails(changes.Now);
    }

    /// <summary>Newest first: keyset on (created_at, id), both descending.</summary>
    public async Task<ListCampaignsResponse> ListAsync(ListCampaignsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        KeysetPages.RequireSpecified(request.States, CampaignState.Unspecified, "states", "CAMPAIGN_STATE_UNSPECIFIED is not a state");

        var filterKey = $"campaigns|{string.Join(",", request.States)}|{request.RegionCode}|{request.Text}";
        var (size, after) = KeysetPages.Read(request.Page, filterKey, keyParts: 2);
        var query = db.Campaigns.AsNoTracking();
        if (request.States.Count > 0)
        {
            var states = request.States.Select(s => (int)s).ToList();
            query = query.Where(c => states.Contains(c.State));
        }

        if (request.RegionCode.Length > 0)
        {
            query = query.Where(c => c.RegionCode == request.RegionCode);
        }

        if (request.Text.Length > 0)
        {
            var pattern = Like.Containing(request.Text);
            query = query.Where(c => EF.Functions.ILike(c.Code, pattern) || EF.Functions.ILike(c.Name, pattern) || EF.Functions.ILike(c.Theme, pattern));
        }

        var total = await query.LongCountAsync(cancellationToken);
        if (after is not null)
        {
            var (createdAt, id) = (PageToken.ReadInstant(after[0]), after[1]);
            query = query.Where(c => c.CreatedAt < createdAt || (c.CreatedAt == createdAt && string.Compare(c.Id, id) < 0));
        }

        var fetched = await query.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).Take(size + 1).ToListAsync(cancellationToken);
        var (page, next) = PageToken.Page(fetched, size, filterKey, c => [PageToken.Key(c.CreatedAt), c.Id]);
        var response = new ListCampaignsResponse { Page = KeysetPages.Response(next, total) };
        response.Campaigns.AddRange(page.Select(r => CampaignAggregate.Load(r).ToSummary()));
        return response;
    }

    public async Task<BudgetCheck> CheckBudgetAsync(CheckBudgetRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var campaign = await changes.LoadAsync(request.CampaignId, cancellationToken);
        if (request.CandidatePlan is not null)
        {
            var problems = new FieldProblems();
            CampaignValidation.Matrix(request.CandidatePlan, "candidate_plan", campaign, referencesMustExist: false, problems);
            problems.ThrowIfAny();
        }

        var check = BudgetChecker.Check(campaign, request.CandidatePlan);
        metrics.BudgetChecked(check.Balanced);
        return check;
    }

    /// <summary>The allocation the next round could get from returned value, and the budget as it would then stand.</summary>
    public async Task<ProposeRoundResizeResponse> ProposeRoundResizeAsync(ProposeRoundResizeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var campaign = await changes.LoadAsync(request.CampaignId, cancellationToken);
        var now = changes.Now;
        var target = ExistingRound(campaign, request.RoundId);
        var basis = campaign.FindRound(request.BasedOnRoundId)
            ?? throw new NotFoundException($"based_on_round_id: round '{request.BasedOnRoundId}' does not exist in campaign {campaign.Record.Id}");
        var problems = new FieldProblems();
        ValidateCategoryAmounts(request.AvailableValueByCategory, "available_value_by_category", campaign, problems);
        if (request.Strategy == ResizeStrategy.Unspecified)
        {
            problems.Add("strategy", "required (SAME_MIX or BY_USAGE)");
        }

        for (var i = 0; i < request.Usage.Count; i++)
        {
            var usage = request.Usage[i];
            if (campaign.FindTier(usage.TierId) is null)
            {
                problems.Add($"usage[{i}].tier_id", $"unknown tier '{usage.TierId}'");
            }

            if (usage.ClaimedCount < 0 || usage.UsedCount < 0 || usage.UsedCount > usage.ClaimedCount)
            {
                problems.Add($"usage[{i}]", "need 0 <= used_count <= claimed_count");
            }
        }

        problems.ThrowIfAny();
        if (campaign.HasOpened(target, now))
        {
            throw new FailedPreconditionException($"campaign is {CampaignLifecycle.Name(campaign.RulesState)} and round '{target.RoundId}' has opened: propose only for a round that has not opened");
        }

        var proposal = RoundProposals.Propose(campaign, target, basis, request.AvailableValueByCategory, request.Usage, request.Strategy);
        var projected = campaign.Detached();
        var projectedRound = projected.FindRound(target.RoundId)!;
        projectedRound.Allocation = proposal.Allocation;
        projectedRound.Resize = MergedResize(target.Resize, request.BasedOnRoundId, string.Empty, null, now, request.AvailableValueByCategory);
        var response = new ProposeRoundResizeResponse { ProposedAllocation = proposal.Allocation, BudgetCheck = BudgetChecker.Check(projected) };
        response.UnallocatedValueByCategory.AddRange(proposal.Unallocated);
        return response;
    }
}
