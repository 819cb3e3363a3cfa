using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using ServiceDefaults;
using TestSupport;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Redemption.V1;
using Vouchers.Settlement.V1;

namespace Gateway.Tests;

/// <summary>
/// Every call of every service behind the gateway, as every role, with a real token from the token endpoint:
/// a role DOMAIN.md gives the call gets past authorization (the empty request may still be INVALID_ARGUMENT or
/// NOT_FOUND), every other role is PERMISSION_DENIED.
/// </summary>
public sealed class RoleTableTests(GatewayWorld world) : IClassFixture<GatewayWorld>
{
    private const string Operator = Roles.Operator, Finance = Roles.Finance, Auditor = Roles.Auditor, Channel = Roles.Channel,
        Merchant = Roles.Merchant, Consumer = Roles.Consumer;

    private static readonly string[] Anyone = [.. Roles.All];
    private static readonly string[] BackOffice = [Operator, Finance, Auditor];
    private static readonly string[] Settlers = [Operator, Finance];

    /// <summary>The services behind the gateway in this build.</summary>
    private static readonly ServiceDescriptor[] Services =
    [
        CampaignService.Descriptor, CategoryService.Descriptor, AuditService.Descriptor, MerchantService.Descriptor, CampaignSnapshotService.Descriptor,
        ClaimService.Descriptor, ClaimAdminService.Descriptor, VoucherUsageService.Descriptor, IssuanceFeedService.Descriptor,
        RedemptionService.Descriptor, RedemptionAdminService.Descriptor, RedemptionFeedService.Descriptor,
        SettlementService.Descriptor, ReconciliationService.Descriptor, ReportService.Descriptor,
    ];

    /// <summary>Who may make each call (system, the platform itself, always may). A call missing here fails the completeness test.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        // Campaign configuration: the bureau's operators; everyone may read campaigns (channels and the city app show them).
        ["CampaignService.CreateCampaign"] = [Operator],
        ["CampaignService.GetCampaign"] = Anyone,
        ["CampaignService.ListCampaigns"] = Anyone,
        ["CampaignService.UpdateCampaignSettings"] = [Operator],
        ["CampaignService.CreateTier"] = [Operator],
        ["CampaignService.UpdateTier"] = [Operator],
        ["CampaignService.DeleteTier"] = [Operator],
        ["CampaignService.SetAllocationPlan"] = [Operator],
        ["CampaignService.CheckBudget"] = Anyone,
        ["CampaignService.ScheduleRound"] = [Operator],
        ["CampaignService.UpdateRound"] = [Operator],
        ["CampaignService.CancelRound"] = [Operator],
        ["CampaignService.ProposeRoundResize"] = Anyone,
        ["CampaignService.ResizeRound"] = [Operator],
        ["CampaignService.SetClaimRules"] = [Operator],
        ["CampaignService.PublishCampaign"] = [Operator],
        ["CampaignService.PauseCampaign"] = [Operator],
        ["CampaignService.ResumeCampaign"] = [Operator],
        ["CampaignService.EndCampaign"] = [Operator],
        ["CampaignService.MarkCampaignSettled"] = [Operator, Finance],
        ["CampaignService.CloseCampaign"] = [Operator],
        ["CategoryService.ListCategories"] = Anyone,
        ["CategoryService.CreateCategory"] = [Operator],
        ["CategoryService.UpdateCategory"] = [Operator],
        ["AuditService.ListAuditEntries"] = [Operator, Auditor],
        // Merchants: the bureau reviews them; a merchant sees and edits its own record and staff.
        ["MerchantService.RegisterMerchant"] = [Operator],
        ["MerchantService.GetMerchant"] = [.. BackOffice, Merchant],
        ["MerchantService.ListMerchants"] = [Operator, Auditor],
        ["MerchantService.UpdateMerchantProfile"] = [Operator, Merchant],
        ["MerchantService.GetIntegrityPledge"] = Anyone,
        ["MerchantService.PublishIntegrityPledge"] = [Operator],
        ["MerchantService.SignIntegrityPledge"] = [Operator, Merchant],
        ["MerchantService.ApproveMerchant"] = [Operator],
        ["MerchantService.RejectMerchant"] = [Operator],
        ["MerchantService.SuspendMerchant"] = [Operator],
        ["MerchantService.ReinstateMerchant"] = [Operator],
        ["MerchantService.EnrollMerchant"] = [Operator],
        ["MerchantService.WithdrawMerchant"] = [Operator],
        ["MerchantService.ListCampaignMerchants"] = Anyone,
        ["MerchantService.IssueStaffBindingCodes"] = [Operator],
        ["MerchantService.BindStaff"] = Anyone,
        ["MerchantService.ListStaff"] = [.. BackOffice, Merchant],
        ["MerchantService.UnbindStaff"] = [Operator, Merchant],
        ["CampaignSnapshotService.GetCampaignSnapshot"] = [],
        ["CampaignSnapshotService.WatchCampaignSnapshots"] = [],
        // Claims: channels for their users, consumers for themselves.
        ["ClaimService.ClaimVoucher"] = [Channel, Consumer],
        ["ClaimService.DrawVoucher"] = [Channel, Consumer],
        ["ClaimService.ListVouchers"] = [Channel, Consumer],
        ["ClaimService.GetVoucher"] = [Channel, Consumer],
        ["ClaimService.CreatePresentationCode"] = [Channel, Consumer],
        // Stock and fraud control: operators act, the bureau and auditors read.
        ["ClaimAdminService.GetStockStatus"] = BackOffice,
        ["ClaimAdminService.AddToBlockList"] = [Operator],
        ["ClaimAdminService.RemoveFromBlockList"] = [Operator],
        ["ClaimAdminService.ListBlockList"] = BackOffice,
        ["ClaimAdminService.PauseClaiming"] = [Operator],
        ["ClaimAdminService.ResumeClaiming"] = [Operator],
        ["ClaimAdminService.RevokeVoucher"] = [Operator],
        ["ClaimAdminService.ExpireVouchers"] = [Operator],
        ["ClaimAdminService.GetPoolReport"] = BackOffice,
        ["ClaimAdminService.ReconcileCampaign"] = BackOffice,
        // Vouchers at the till: the merchant's cashier app (and Redemption on its behalf).
        ["VoucherUsageService.ResolvePresentationCode"] = [Merchant],
        ["VoucherUsageService.ListUsableVouchers"] = [Merchant],
        ["VoucherUsageService.LockVoucher"] = [Merchant],
        ["VoucherUsageService.ConsumeVoucher"] = [Merchant],
        ["VoucherUsageService.ReleaseVoucher"] = [Merchant],
        ["VoucherUsageService.ReinstateVoucher"] = [Merchant],
        // Many tills' locks and consumptions in one call: Redemption alone, as the items name merchants of their own.
        ["VoucherUsageService.LockVouchers"] = [],
        ["VoucherUsageService.ConsumeVouchers"] = [],
        ["IssuanceFeedService.StreamIssuanceEvents"] = [],
        // Redemption at the till: the merchant's staff for their own shop, or the channel that carries the payment.
        ["RedemptionService.QuoteRedemption"] = [Merchant, Channel],
        ["RedemptionService.Redeem"] = [Merchant, Channel],
        // Reversals: the merchant, the acquiring channel or an operator; reading one: those and the back office.
        ["RedemptionService.ReverseRedemption"] = [Merchant, Channel, Operator],
        ["RedemptionService.GetRedemption"] = [Merchant, Channel, .. BackOffice],
        // Listing: the back office, a merchant its own only.
        ["RedemptionService.ListRedemptions"] = [Merchant, .. BackOffice],
        ["RedemptionAdminService.RevokeRedemption"] = [Operator],
        ["RedemptionAdminService.RunScreening"] = [Operator],
        ["RedemptionAdminService.ListAnomalySignals"] = [Operator, Auditor],
        ["RedemptionFeedService.StreamRedemptionEvents"] = [],
        // Settlement: operators and finance run it, finance alone releases, approves and pays; the back office reads;
        // a merchant reads its own statements.
        ["SettlementService.RunSettlement"] = Settlers,
        ["SettlementService.GetSettlementRun"] = BackOffice,
        ["SettlementService.ListSettlementRuns"] = BackOffice,
        ["SettlementService.ListStatements"] = [.. BackOffice, Merchant],
        ["SettlementService.GetStatement"] = [.. BackOffice, Merchant],
        ["SettlementService.RecordAdjustment"] = Settlers,
        ["SettlementService.HoldStatement"] = Settlers,
        ["SettlementService.ReleaseHeldStatements"] = [Finance],
        ["SettlementService.ListPayoutBatches"] = BackOffice,
        ["SettlementService.GetPayoutBatch"] = BackOffice,
        ["SettlementService.ApprovePayoutBatch"] = [Finance],
        ["SettlementService.MarkPayoutBatchPaid"] = [Finance],
        ["SettlementService.GetFundingSplit"] = BackOffice,
        // Redemption asks it before a till reverses a redemption: the platform's services only.
        ["SettlementService.GetRedemptionSettlement"] = [],
        ["ReconciliationService.ImportChannelStatement"] = Settlers,
        ["ReconciliationService.GetReconciliation"] = BackOffice,
        ["ReconciliationService.ListReconciliations"] = BackOffice,
        ["ReconciliationService.ListReconciliationItems"] = BackOffice,
        // Reports: the back office; the public disclosure (公示) is for everyone; the audit export for auditors and operators.
        ["ReportService.GetTierCategoryReport"] = BackOffice,
        ["ReportService.ListClaimRecords"] = BackOffice,
        ["ReportService.ListRedemptionRecords"] = BackOffice,
        ["ReportService.GetMerchantStats"] = BackOffice,
        ["ReportService.GetMonthlyProgress"] = BackOffice,
        ["ReportService.GetPublicDisclosure"] = Anyone,
        ["ReportService.ExportAuditData"] = [Auditor, Operator],
    };

    /// <summary>A client per role (the channel, merchant and consumer ones belong to a channel, a merchant, the city app).</summary>
    private static readonly Dictionary<string, string> ClientOf = new(StringComparer.Ordinal)
    {
        [Operator] = "operator-cli",
        [Finance] = "finance-cli",
        [Auditor] = "auditor-cli",
        [Channel] = "channel-unionpay",
        [Merchant] = "merchant-a",
        [Consumer] = "consumer-demo",
        [Roles.System] = "system-cli",
    };

    public static TheoryData<string, string> Calls()
    {
        var data = new TheoryData<string, string>();
        foreach (var method in Services.SelectMany(s => s.Methods))
        {
            foreach (var role in Roles.All)
            {
                data.Add(Key(method), role);
            }
        }

        return data;
    }

    [Fact]
    public void The_table_names_every_call_of_every_service_and_nothing_else()
    {
        var calls = Services.SelectMany(s => s.Methods).Select(Key).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(calls, Allowed.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Each_role_gets_exactly_the_calls_it_is_given(string call, string role)
    {
        var method = Services.SelectMany(s => s.Methods).Single(m => Key(m) == call);
        var allowed = role == Roles.System || Allowed[call].Contains(role);

        var status = await CallAsync(method, role, await world.BearerAsync(ClientOf[role]));

        if (allowed)
        {
            Assert.True(status is not (StatusCode.PermissionDenied or StatusCode.Unauthenticated), $"{call} as {role}: {status}, expected to pass authorization");
        }
        else
        {
            Assert.True(status == StatusCode.PermissionDenied, $"{call} as {role}: {status}, expected PermissionDenied");
        }
    }

    private static string Key(MethodDescriptor method) => method.Service.Name + "." + method.Name;

    /// <summary>
    /// The call through the gateway with an empty request, except what makes it the caller's own business: a merchant
    /// names its own merchant, and a stream of chunks opens with its (empty) header. A server stream is read until its
    /// first message or a short deadline; a client stream sends that one message.
    /// </summary>
    private async Task<StatusCode> CallAsync(MethodDescriptor descriptor, string role, Metadata headers)
    {
        var method = new Method<IMessage, IMessage>(
            descriptor switch
            {
                { IsServerStreaming: true } => MethodType.ServerStreaming,
                { IsClientStreaming: true } => MethodType.ClientStreaming,
                _ => MethodType.Unary,
            },
            descriptor.Service.FullName,
            descriptor.Name,
            Marshallers.Create<IMessage>(m => m.ToByteArray(), descriptor.InputType.Parser.ParseFrom),
            Marshallers.Create<IMessage>(m => m.ToByteArray(), descriptor.OutputType.Parser.ParseFrom));
        var request = RequestFor(descriptor.InputType, role);
        var invoker = world.Gateway.Channel.CreateCallInvoker();
        var options = new CallOptions(headers, DateTime.UtcNow.AddSeconds(descriptor.IsServerStreaming ? 2 : 15));
        try
        {
            if (descriptor.IsServerStreaming)
            {
                using var stream = invoker.AsyncServerStreamingCall(method, null, options, request);
                await stream.ResponseStream.MoveNext(CancellationToken.None);
            }
            else if (descriptor.IsClientStreaming)
            {
                using var stream = invoker.AsyncClientStreamingCall(method, null, options);
                await Uploads.WriteAllAsync(stream.RequestStream, [request]);
                await stream.ResponseAsync;
            }
            else
            {
                await invoker.AsyncUnaryCall(method, null, options, request);
            }

            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    private static IMessage RequestFor(MessageDescriptor type, string role)
    {
        var request = type.Parser.ParseFrom(ByteString.Empty);
        if (role == Merchant && type.FindFieldByName("merchant_id") is { FieldType: FieldType.String } merchant)
        {
            merchant.Accessor.SetValue(request, MerchantOf[ClientOf[Merchant]]);
        }

        if (type.FindFieldByName("header") is { FieldType: FieldType.Message } header)
        {
            header.Accessor.SetValue(request, header.MessageType.Parser.ParseFrom(ByteString.Empty));
        }

        return request;
    }

    private static readonly Dictionary<string, string> MerchantOf = GatewayHost.Clients
        .Where(c => c.MerchantId is not null).ToDictionary(c => c.ClientId, c => c.MerchantId!, StringComparer.Ordinal);
}
