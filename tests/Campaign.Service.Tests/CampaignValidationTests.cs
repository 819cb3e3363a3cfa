using Grpc.Core;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;

namespace Campaign.Service.Tests;

/// <summary>Bad input, stale versions and state rules on CampaignService and CategoryService calls.</summary>
public class CampaignValidationTests(CampaignServiceFixture fixture) : IClassFixture<CampaignServiceFixture>
{
    private CampaignServiceHost Host => fixture.Host;

    private static async Task<RpcException> Refused(StatusCode code, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, ex.StatusCode);
        return ex;
    }

    private async Task<CampaignDetails> CreateDraftAsync(string code)
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        return await Host.Campaigns.CreateCampaignAsync(new CreateCampaignRequest { RequestId = $"create-{code}", Actor = Seeds.Operator, Settings = Seeds.S1Settings(code) });
    }

    private async Task<CampaignDetails> CreateDraftWithTierAsync(string code)
    {
        var draft = await CreateDraftAsync(code);
        return await Host.Campaigns.CreateTierAsync(new CreateTierRequest { CampaignId = draft.CampaignId, ExpectedVersion = draft.Version, Actor = Seeds.Operator, Tier = Seeds.Tier("t-10", 30, 10) });
    }

    private async Task<CampaignDetails> CreatePlannedDraftAsync(string code)
    {
        var withTier = await CreateDraftWithTierAsync(code);
        var planned = await Host.Campaigns.SetAllocationPlanAsync(new SetAllocationPlanRequest { CampaignId = withTier.CampaignId, ExpectedVersion = withTier.Version, Actor = Seeds.Operator, Plan = Seeds.Matrix(Seeds.Cell("t-10", 100)) });
        return planned.Campaign;
    }

    [Fact]
    public async Task Creating_a_campaign_with_bad_settings_names_every_bad_field_in_the_message_and_the_bad_request_details()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        var bad = Seeds.S1Settings("Bad Code!");
        bad.TimeZone = "Mars/Olympus";
        bad.BudgetCents = -1;
        var invalid = await Refused(StatusCode.InvalidArgument, () => Host.Campaigns.CreateCampaignAsync(new CreateCampaignRequest { RequestId = "r-bad", Actor = Seeds.Operator, Settings = bad }).ResponseAsync);
        Assert.Contains("settings.code", invalid.Status.Detail);
        Assert.Contains("settings.time_zone: 'Mars/Olympus' is not a known IANA time zone", invalid.Status.Detail);
        Assert.Contains("settings.budget_cents: must be positive", invalid.Status.Detail);
        var violations = invalid.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>();
        Assert.NotNull(violations);
        Assert.Contains(violations.FieldViolations, v => v.Field == "settings.time_zone" && v.Description == "'Mars/Olympus' is not a known IANA time zone");
    }

    [Fact]
    public async Task Only_an_operator_creates_a_campaign()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        await Refused(StatusCode.PermissionDenied, () => Host.Campaigns.CreateCampaignAsync(new CreateCampaignRequest { RequestId = "r", Actor = Seeds.Auditor, Settings = Seeds.S1Settings("x-1") }).ResponseAsync);
    }

    [Fact]
    public async Task Create_is_idempotent_on_its_request_id_and_refuses_a_reused_id_or_a_taken_code()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        var campaigns = Host.Campaigns;
        var request = new CreateCampaignRequest { RequestId = "create-once", Actor = Seeds.Operator, Settings = Seeds.S1Settings("huating-validation") };
        var created = await campaigns.CreateCampaignAsync(request);
        Assert.Equal(created.CampaignId, (await campaigns.CreateCampaignAsync(request)).CampaignId);
        await Refused(StatusCode.AlreadyExists, () => campaigns.CreateCampaignAsync(new CreateCampaignRequest { RequestId = "create-once", Actor = Seeds.Operator, Settings = Seeds.S1Settings("other-code") }).ResponseAsync);
        await Refused(StatusCode.AlreadyExists, () => campaigns.CreateCampaignAsync(new CreateCampaignRequest { RequestId = "create-twice", Actor = Seeds.Operator, Settings = Seeds.S1Settings("huating-validation") }).ResponseAsync);
    }

    [Fact]
    public async Task Getting_a_campaign_needs_an_id_that_exists()
    {
        await Refused(StatusCode.NotFound, () => Host.Campaigns.GetCampaignAsync(new GetCampaignRequest { CampaignId = "cmp-missing" }).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, () => Host.Campaigns.GetCampaignAsync(new GetCampaignRequest()).ResponseAsync);
    }

    [Fact]
    public async Task Tier_edits_check_the_minimum_spend_the_categories_the_expected_version_and_the_tier_id()
    {
        var campaigns = Host.Campaigns;
        var created = await CreateDraftAsync("validation-tiers");
        var id = created.CampaignId;
        var version = created.Version;
        var tierProblem = await Refused(StatusCode.InvalidArgument, () => campaigns.CreateTierAsync(new CreateTierRequest { CampaignId = id, ExpectedVersion = version, Actor = Seeds.Operator, Tier = Seeds.Tier("t-50", 40, 50) }).ResponseAsync);
        Assert.Contains("is below the face value", tierProblem.Status.Detail);
        var unknownCategory = await Refused(StatusCode.InvalidArgument, () => campaigns.CreateTierAsync(new CreateTierRequest { CampaignId = id, ExpectedVersion = version, Actor = Seeds.Operator, Tier = Seeds.Tier("t-10", 30, 10, ["fuel"]) }).ResponseAsync);
        Assert.Contains("'fuel' is not one of the campaign's categories", unknownCategory.Status.Detail);
        await Refused(StatusCode.Aborted, () => campaigns.CreateTierAsync(new CreateTierRequest { CampaignId = id, ExpectedVersion = version + 1, Actor = Seeds.Operator, Tier = Seeds.Tier("t-10", 30, 10) }).ResponseAsync);
        var withTier = await campaigns.CreateTierAsync(new CreateTierRequest { CampaignId = id, ExpectedVersion = version, Actor = Seeds.Operator, Tier = Seeds.Tier("t-10", 30, 10) });
        await Refused(StatusCode.Aborted, () => campaigns.CreateTierAsync(new CreateTierRequest { CampaignId = id, ExpectedVersion = version, Actor = Seeds.Operator, Tier = Seeds.Tier("t-20", 60, 20) }).ResponseAsync);
        await Refused(StatusCode.AlreadyExists, () => campaigns.CreateTierAsync(new CreateTierRequest { CampaignId = id, ExpectedVersion = withTier.Version, Actor = Seeds.Operator, Tier = Seeds.Tier("t-10", 30, 10) }).ResponseAsync);
        await Refused(StatusCode.NotFound, () => campaigns.UpdateTierAsync(new UpdateTierRequest { CampaignId = id, ExpectedVersion = withTier.Version, Actor = Seeds.Operator, Tier = Seeds.Tier("t-99", 300, 99) }).ResponseAsync);
        var updatedTier = await campaigns.UpdateTierAsync(new UpdateTierRequest { CampaignId = id, ExpectedVersion = withTier.Version, Actor = Seeds.Operator, Tier = Seeds.Tier("t-10", 40, 10) });
        Assert.Equal(Seeds.Yuan(40), updatedTier.Tiers.Single().MinimumSpend.FixedCents);
    }

    [Fact]
    public async Task An_allocation_plan_names_bad_cells_reports_budget_discrepancies_and_keeps_its_tiers_from_deletion()
    {
        var campaigns = Host.Campaigns;
        var withTier = await CreateDraftWithTierAsync("validation-plan");
        var id = withTier.CampaignId;
        var negative = Seeds.Matrix(Seeds.Cell("t-10", -5), Seeds.Cell("t-10", 3));
        var planProblem = await Refused(StatusCode.InvalidArgument, () => campaigns.SetAllocationPlanAsync(new SetAllocationPlanRequest { CampaignId = id, ExpectedVersion = withTier.Version, Actor = Seeds.Operator, Plan = negative }).ResponseAsync);
        Assert.Contains("plan.cells[0].quantity: must be positive", planProblem.Status.Detail);
        Assert.Contains("appears more than once", planProblem.Status.Detail);
        var planned = await campaigns.SetAllocationPlanAsync(new SetAllocationPlanRequest { CampaignId = id, ExpectedVersion = withTier.Version, Actor = Seeds.Operator, Plan = Seeds.Matrix(Seeds.Cell("t-10", 100), Seeds.Cell("t-ghost", 1)) });
        Assert.Contains(planned.BudgetCheck.Discrepancies, d => d.Item == BudgetCheckItem.UnknownReference && d.Cell.TierId == "t-ghost");
        Assert.Contains(planned.BudgetCheck.Discrepancies, d => d.Item == BudgetCheckItem.PlanTotal && d.Expected == Seeds.Yuan(400_000) && d.Computed == Seeds.Yuan(1_000));
        await Refused(StatusCode.FailedPrecondition, () => campaigns.DeleteTierAsync(new DeleteTierRequest { CampaignId = id, ExpectedVersion = planned.Campaign.Version, Actor = Seeds.Operator, TierId = "t-10" }).ResponseAsync);
        await Refused(StatusCode.NotFound, () => campaigns.DeleteTierAsync(new DeleteTierRequest { CampaignId = id, ExpectedVersion = planned.Campaign.Version, Actor = Seeds.Operator, TierId = "t-none" }).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, () => campaigns.CheckBudgetAsync(new CheckBudgetRequest { CampaignId = id, CandidatePlan = negative }).ResponseAsync);
    }

    [Fact]
    public async Task Scheduling_a_round_checks_its_windows_validity_categories_overlap_and_that_it_lies_ahead()
    {
        var campaigns = Host.Campaigns;
        var planned = await CreatePlannedDraftAsync("validation-rounds");
        var id = planned.CampaignId;
        var v = planned.Version;
        var unordered = Seeds.Round("r-1", "第一批", Seeds.At(2023, 3, 10, 10), Seeds.At(2023, 3, 5, 10), Seeds.DaysFromClaim(0), Seeds.Matrix(Seeds.Cell("t-10", 10, "fuel")));
        var roundProblem = await Refused(StatusCode.InvalidArgument, () => campaigns.ScheduleRoundAsync(new ScheduleRoundRequest { CampaignId = id, ExpectedVersion = v, Actor = Seeds.Operator, Round = unordered }).ResponseAsync);
        Assert.Contains("round.validity.days_from_claim.days: must be at least 1", roundProblem.Status.Detail);
        Assert.Contains("unknown category 'fuel'", roundProblem.Status.Detail);
        var validityTooShort = Seeds.Round("r-1", "第一批", Seeds.At(2023, 3, 1, 10), Seeds.At(2023, 3, 10, 24), Seeds.FixedEnd(Seeds.At(2023, 3, 5, 24)), Seeds.Matrix(Seeds.Cell("t-10", 10)));
        Assert.Contains("before the claim window ends", (await Refused(StatusCode.InvalidArgument, () => campaigns.ScheduleRoundAsync(new ScheduleRoundRequest { CampaignId = id, ExpectedVersion = v, Actor = Seeds.Operator, Round = validityTooShort }).ResponseAsync)).Status.Detail);
        var first = await campaigns.ScheduleRoundAsync(new ScheduleRoundRequest { CampaignId = id, ExpectedVersion = v, Actor = Seeds.Operator, Round = Seeds.Round("r-1", "第一批", Seeds.At(2023, 3, 1, 10), Seeds.At(2023, 3, 10, 24), Seeds.DaysFromClaim(7), Seeds.Matrix(Seeds.Cell("t-10", 10))) });
        var overlapping = Seeds.Round("r-2", "第二批", Seeds.At(2023, 3, 5, 10), null, Seeds.DaysFromClaim(7), new AllocationMatrix());
        Assert.Contains("still takes claims", (await Refused(StatusCode.InvalidArgument, () => campaigns.ScheduleRoundAsync(new ScheduleRoundRequest { CampaignId = id, ExpectedVersion = first.Version, Actor = Seeds.Operator, Round = overlapping }).ResponseAsync)).Status.Detail);
        await Refused(StatusCode.AlreadyExists, () => campaigns.ScheduleRoundAsync(new ScheduleRoundRequest { CampaignId = id, ExpectedVersion = first.Version, Actor = Seeds.Operator, Round = Seeds.Round("r-1", "again", Seeds.At(2023, 3, 20, 10), null, Seeds.DaysFromClaim(7), new AllocationMatrix()) }).ResponseAsync);
        Host.Clock.Now = Seeds.Beijing(2023, 3, 13);
        await Refused(StatusCode.FailedPrecondition, () => campaigns.ScheduleRoundAsync(new ScheduleRoundRequest { CampaignId = id, ExpectedVersion = first.Version, Actor = Seeds.Operator, Round = Seeds.Round("r-past", "过去", Seeds.At(2023, 3, 12, 10), Seeds.At(2023, 3, 12, 20), Seeds.DaysFromClaim(7), new AllocationMatrix()) }).ResponseAsync);
    }

    [Fact]
    public async Task Updating_cancelling_and_resizing_rounds_check_the_round_its_version_and_the_actor()
    {
        var campaigns = Host.Campaigns;
        var planned = await CreatePlannedDraftAsync("validation-round-edits");
        var id = planned.CampaignId;
        var first = await campaigns.ScheduleRoundAsync(new ScheduleRoundRequest { CampaignId = id, ExpectedVersion = planned.Version, Actor = Seeds.Operator, Round = Seeds.Round("r-1", "第一批", Seeds.At(2023, 3, 1, 10), Seeds.At(2023, 3, 10, 24), Seeds.DaysFromClaim(7), Seeds.Matrix(Seeds.Cell("t-10", 10))) });
        var second = await campaigns.ScheduleRoundAsync(new ScheduleRoundRequest { CampaignId = id, ExpectedVersion = first.Version, Actor = Seeds.Operator, Round = Seeds.Round("r-2", "第二批", Seeds.At(2023, 3, 20, 10), null, Seeds.DaysFromClaim(7), new AllocationMatrix()) });
        var movedRound = Seeds.Round("r-2", "第二批", Seeds.At(2023, 3, 21, 10), null, Seeds.DaysFromClaim(5), new AllocationMatrix());
        await Refused(StatusCode.NotFound, () => campaigns.UpdateRoundAsync(new UpdateRoundRequest { CampaignId = id, ExpectedVersion = second.Version, Actor = Seeds.Operator, Round = Seeds.Round("r-9", "无", Seeds.At(2023, 3, 21, 10), null, Seeds.DaysFromClaim(5), new AllocationMatrix()) }).ResponseAsync);
        var updateProblem = await Refused(StatusCode.InvalidArgument, () => campaigns.UpdateRoundAsync(new UpdateRoundRequest { CampaignId = id, ExpectedVersion = second.Version, Actor = Seeds.Operator, Round = Seeds.Round("r-2", "第二批", Seeds.At(2023, 3, 21, 10), null, Seeds.DaysFromClaim(0), new AllocationMatrix()) }).ResponseAsync);
        Assert.Contains("round.validity.days_from_claim.days: must be at least 1", updateProblem.Status.Detail);
        await Refused(StatusCode.InvalidArgument, () => campaigns.UpdateRoundAsync(new UpdateRoundRequest { CampaignId = id, ExpectedVersion = second.Version, Actor = Seeds.Operator }).ResponseAsync);
        await Refused(StatusCode.Aborted, () => campaigns.UpdateRoundAsync(new UpdateRoundRequest { CampaignId = id, ExpectedVersion = first.Version, Actor = Seeds.Operator, Round = movedRound }).ResponseAsync);
        await Refused(StatusCode.PermissionDenied, () => campaigns.UpdateRoundAsync(new UpdateRoundRequest { CampaignId = id, ExpectedVersion = second.Version, Actor = Seeds.Auditor, Round = movedRound }).ResponseAsync);
        var moved = await campaigns.UpdateRoundAsync(new UpdateRoundRequest { CampaignId = id, ExpectedVersion = second.Version, Actor = Seeds.Operator, Round = movedRound });
        Assert.Equal(5, moved.Rounds[1].Validity.DaysFromClaim.Days);
        var cancelled = await campaigns.CancelRoundAsync(new CancelRoundRequest { CampaignId = id, ExpectedVersion = moved.Version, Actor = Seeds.Operator, RoundId = "r-2", Reason = "合并" });
        Assert.Equal(RoundState.Cancelled, cancelled.Rounds.Single(r => r.RoundId == "r-2").State);
        await Refused(StatusCode.NotFound, () => campaigns.CancelRoundAsync(new CancelRoundRequest { CampaignId = id, ExpectedVersion = cancelled.Version, Actor = Seeds.Operator, RoundId = "r-9" }).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, () => campaigns.ResizeRoundAsync(new ResizeRoundRequest { CampaignId = id, ExpectedVersion = cancelled.Version, Actor = Seeds.Operator, RoundId = "r-1", BasedOnRoundId = "r-1", Allocation = new AllocationMatrix() }).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, () => campaigns.ProposeRoundResizeAsync(new ProposeRoundResizeRequest { CampaignId = id, RoundId = "r-1", BasedOnRoundId = "r-1", AvailableValueByCategory = { new CategoryAmount { CategoryId = "fuel", AmountCents = -1 } } }).ResponseAsync);
    }

    [Fact]
    public async Task Claim_rules_need_a_limit_the_channel_account_key_and_simple_fence_polygons()
    {
        var created = await CreateDraftAsync("validation-rules");
        var noLimit = new ClaimRules { Mode = ClaimMode.FirstComeFirstServed };
        noLimit.PersonKeys.Add(IdentityKeyKind.Phone);
        var bowtie = new GeoPolygon { Vertices = { new GeoPoint { Latitude = 0, Longitude = 0 }, new GeoPoint { Latitude = 1, Longitude = 1 }, new GeoPoint { Latitude = 0, Longitude = 1 }, new GeoPoint { Latitude = 1, Longitude = 0 } } };
        noLimit.GeoFence = new GeoFence { Polygons = { bowtie, new GeoPolygon { Vertices = { new GeoPoint { Latitude = 1, Longitude = 1 } } } } };
        var rulesProblem = await Refused(StatusCode.InvalidArgument, () => Host.Campaigns.SetClaimRulesAsync(new SetClaimRulesRequest { CampaignId = created.CampaignId, ExpectedVersion = created.Version, Actor = Seeds.Operator, Rules = noLimit }).ResponseAsync);
        Assert.Contains("rules.limits: at least one claim limit is required", rulesProblem.Status.Detail);
        Assert.Contains("must include IDENTITY_KEY_KIND_CHANNEL_ACCOUNT", rulesProblem.Status.Detail);
        Assert.Contains("polygon 1: edges", rulesProblem.Status.Detail);
        Assert.Contains("polygon 2: needs at least 3 distinct vertices", rulesProblem.Status.Detail);
    }

    [Fact]
    public async Task A_draft_campaign_names_what_it_lacks_and_refuses_every_transition_but_publish()
    {
        var campaigns = Host.Campaigns;
        var draft = await CreateDraftAsync("validation-lifecycle");
        var id = draft.CampaignId;
        var version = draft.Version;
        var notReady = await Refused(StatusCode.FailedPrecondition, () => campaigns.PublishCampaignAsync(new CampaignTransitionRequest { CampaignId = id, ExpectedVersion = version, Actor = Seeds.Operator }).ResponseAsync);
        Assert.Contains("no claim rules", notReady.Status.Detail);
        Assert.Contains("cannot pause a campaign that is DRAFT", (await Refused(StatusCode.FailedPrecondition, () => campaigns.PauseCampaignAsync(new CampaignTransitionRequest { CampaignId = id, ExpectedVersion = version, Actor = Seeds.Operator, Reason = "x" }).ResponseAsync)).Status.Detail);
        await Refused(StatusCode.FailedPrecondition, () => campaigns.ResumeCampaignAsync(new CampaignTransitionRequest { CampaignId = id, ExpectedVersion = version, Actor = Seeds.Operator }).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, () => campaigns.EndCampaignAsync(new CampaignTransitionRequest { CampaignId = id, ExpectedVersion = version, Actor = Seeds.Operator }).ResponseAsync);
        await Refused(StatusCode.PermissionDenied, () => campaigns.MarkCampaignSettledAsync(new CampaignTransitionRequest { CampaignId = id, ExpectedVersion = version, Actor = Seeds.Auditor }).ResponseAsync);
        await Refused(StatusCode.FailedPrecondition, () => campaigns.CloseCampaignAsync(new CampaignTransitionRequest { CampaignId = id, ExpectedVersion = version, Actor = Seeds.Operator }).ResponseAsync);
    }

    [Fact]
    public async Task Listing_campaigns_filters_by_text_and_state_and_refuses_a_negative_page_size()
    {
        var draft = await CreateDraftAsync("listing-probe");
        var page = await Host.Campaigns.ListCampaignsAsync(new ListCampaignsRequest { Text = "listing-probe", States = { CampaignState.Draft } });
        Assert.Equal(draft.CampaignId, page.Campaigns.Single().CampaignId);
        await Refused(StatusCode.InvalidArgument, () => Host.Campaigns.ListCampaignsAsync(new ListCampaignsRequest { Page = new PageRequest { PageSize = -1 } }).ResponseAsync);
    }

    [Fact]
    public async Task A_published_campaign_keeps_what_the_public_saw_and_names_its_state()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 4, 1);
        var s3 = await Seeds.ConfigureS3Async(Host.Campaigns, "youhao-frozen");
        var published = await s3.PublishAsync();
        var tierRefusal = await Refused(StatusCode.FailedPrecondition, () => Host.Campaigns.CreateTierAsync(new CreateTierRequest { CampaignId = s3.Id, ExpectedVersion = published.Version, Actor = Seeds.Operator, Tier = Seeds.Tier("t-5", 10, 5) }).ResponseAsync);
        Assert.Contains("campaign is PUBLISHED", tierRefusal.Status.Detail);
        var budget = published.Settings.Clone();
        budget.BudgetCents += 100;
        Assert.Contains("PUBLISHED", (await Refused(StatusCode.FailedPrecondition, () => Host.Campaigns.UpdateCampaignSettingsAsync(new UpdateCampaignSettingsRequest { CampaignId = s3.Id, ExpectedVersion = published.Version, Actor = Seeds.Operator, Settings = budget }).ResponseAsync)).Status.Detail);
        var renamed = published.Settings.Clone();
        renamed.Name = "友好区2023年惠民消费券";
        var after = await Host.Campaigns.UpdateCampaignSettingsAsync(new UpdateCampaignSettingsRequest { CampaignId = s3.Id, ExpectedVersion = published.Version, Actor = Seeds.Operator, Settings = renamed });
        Assert.Equal(published.Version + 1, after.Version);

        // Once the round has opened, the rules and the round are frozen; the round may only grow from returned value.
        Host.Clock.Now = Seeds.Beijing(2023, 5, 2);
        var grown = Seeds.Matrix(Seeds.Cell("t-20", 4100), Seeds.Cell("t-40", 4000), Seeds.Cell("t-80", 2000));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(100);
            await s3.RefreshAsync();
        }
        while (s3.Details.State != CampaignState.Running && DateTime.UtcNow < deadline);
        Assert.Equal(CampaignState.Running, s3.Details.State);
        var current = s3.Details.Version;

        // Checked only once the scheduler has started the campaign: its start bumps the version, and a refusal
        // judged against the version from before it would race that move (ABORTED instead of the rule's answer).
        var rules = await Refused(StatusCode.FailedPrecondition, () => Host.Campaigns.SetClaimRulesAsync(new SetClaimRulesRequest { CampaignId = s3.Id, ExpectedVersion = current, Actor = Seeds.Operator, Rules = after.ClaimRules }).ResponseAsync);
        Assert.Contains("a round has opened", rules.Status.Detail);
        var noReturns = await Refused(StatusCode.FailedPrecondition, () => Host.Campaigns.ResizeRoundAsync(new ResizeRoundRequest { CampaignId = s3.Id, ExpectedVersion = current, Actor = Seeds.Operator, RoundId = "round-1", BasedOnRoundId = "round-1", Allocation = grown, Reason = "补充" }).ResponseAsync);
        Assert.Contains("only 0.00 of returned value", noReturns.Status.Detail);
        var shrunk = Seeds.Matrix(Seeds.Cell("t-20", 3000), Seeds.Cell("t-40", 4000), Seeds.Cell("t-80", 2000));
        Assert.Contains("cannot shrink", (await Refused(StatusCode.FailedPrecondition, () => Host.Campaigns.ResizeRoundAsync(new ResizeRoundRequest { CampaignId = s3.Id, ExpectedVersion = current, Actor = Seeds.Operator, RoundId = "round-1", BasedOnRoundId = "round-1", Allocation = shrunk, Reason = "减少" }).ResponseAsync)).Status.Detail);
        var toppedUp = await Host.Campaigns.ResizeRoundAsync(new ResizeRoundRequest
        {
            CampaignId = s3.Id, ExpectedVersion = current, Actor = Seeds.Operator, RoundId = "round-1", BasedOnRoundId = "round-1", Allocation = grown, Reason = "过期券回池再发",
            ReturnedValueByCategory = { new CategoryAmount { CategoryId = "", AmountCents = Seeds.Yuan(2_000) } },
        });
        Assert.Equal(4100, toppedUp.Rounds[0].Allocation.Cells[0].Quantity);
        Assert.True((await Host.Campaigns.CheckBudgetAsync(new CheckBudgetRequest { CampaignId = s3.Id })).Balanced);

        var audit = await Host.Audit.ListAuditEntriesAsync(new ListAuditEntriesRequest { Actor = Seeds.Auditor, CampaignId = s3.Id, Page = new PageRequest { PageSize = 3 } });
        Assert.Equal(3, audit.Entries.Count);
        Assert.NotEmpty(audit.Page.NextPageToken);
        var next = await Host.Audit.ListAuditEntriesAsync(new ListAuditEntriesRequest { Actor = Seeds.Auditor, CampaignId = s3.Id, Page = new PageRequest { PageSize = 3, PageToken = audit.Page.NextPageToken } });
        Assert.True(next.Entries[0].Sequence > audit.Entries[2].Sequence);
        await Refused(StatusCode.InvalidArgument, () => Host.Audit.ListAuditEntriesAsync(new ListAuditEntriesRequest { Actor = Seeds.Auditor, CampaignId = "other", Page = new PageRequest { PageToken = audit.Page.NextPageToken } }).ResponseAsync);
        var lifecycle = await Host.Audit.ListAuditEntriesAsync(new ListAuditEntriesRequest { Actor = Seeds.Auditor, CampaignId = s3.Id, Subjects = { AuditSubject.Campaign } });
        Assert.Equal(["CreateCampaign", "PublishCampaign", "UpdateCampaignSettings", "StartCampaign"], lifecycle.Entries.Select(e => e.Action));
        Assert.Equal(ActorRole.System, lifecycle.Entries[3].Actor.Role);
        Assert.Contains("友好区2023年惠民消费券", lifecycle.Entries[2].AfterJson);
    }

    [Fact]
    public async Task Categories_are_created_renamed_and_retired_with_versions()
    {
        var categories = Host.Categories;
        var all = await categories.ListCategoriesAsync(new ListCategoriesRequest());
        Assert.Contains(all.Categories, c => c.CategoryId == "appliances.tv" && c.ParentCategoryId == "appliances");
        await Refused(StatusCode.InvalidArgument, () => categories.CreateCategoryAsync(new CreateCategoryRequest { Actor = Seeds.Operator, Category = new CategoryDefinition { CategoryId = "Bad Id", Name = "x" } }).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, () => categories.CreateCategoryAsync(new CreateCategoryRequest { Actor = Seeds.Operator, Category = new CategoryDefinition { CategoryId = "nowhere.child", Name = "x" } }).ResponseAsync);
        await Refused(StatusCode.AlreadyExists, () => categories.CreateCategoryAsync(new CreateCategoryRequest { Actor = Seeds.Operator, Category = new CategoryDefinition { CategoryId = "fuel", Name = "x" } }).ResponseAsync);
        await Refused(StatusCode.PermissionDenied, () => categories.CreateCategoryAsync(new CreateCategoryRequest { Actor = Seeds.Auditor, Category = new CategoryDefinition { CategoryId = "fuel.diesel", Name = "柴油" } }).ResponseAsync);
        var created = await categories.CreateCategoryAsync(new CreateCategoryRequest { Actor = Seeds.Operator, Category = new CategoryDefinition { CategoryId = "fuel.diesel", Name = "柴油" } });
        Assert.Equal("fuel", created.ParentCategoryId);
        var retired = await categories.UpdateCategoryAsync(new UpdateCategoryRequest { Actor = Seeds.Operator, ExpectedVersion = created.Version, Category = new CategoryDefinition { CategoryId = "fuel.diesel", Name = "柴油", Active = false } });
        Assert.False(retired.Active);
        await Refused(StatusCode.Aborted, () => categories.UpdateCategoryAsync(new UpdateCategoryRequest { Actor = Seeds.Operator, ExpectedVersion = created.Version, Category = new CategoryDefinition { CategoryId = "fuel.diesel", Name = "x" } }).ResponseAsync);
        await Refused(StatusCode.NotFound, () => categories.UpdateCategoryAsync(new UpdateCategoryRequest { Actor = Seeds.Operator, ExpectedVersion = 1, Category = new CategoryDefinition { CategoryId = "ghost", Name = "x" } }).ResponseAsync);
        Assert.DoesNotContain((await categories.ListCategoriesAsync(new ListCategoriesRequest())).Categories, c => c.CategoryId == "fuel.diesel");
        Assert.Contains((await categories.ListCategoriesAsync(new ListCategoriesRequest { IncludeInactive = true })).Categories, c => c.CategoryId == "fuel.diesel");
    }
}
