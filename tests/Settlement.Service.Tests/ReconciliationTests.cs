extern alias redemptiontests;

using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Settlement.Service.Application;
using Settlement.Service.Tests.Infrastructure;
using TestSupport;
using Vouchers.Settlement.V1;
using static Settlement.Service.Tests.Infrastructure.Seeds;
using RedemptionWorld = redemptiontests::Redemption.Service.Tests.Infrastructure.RedemptionWorld;

namespace Settlement.Service.Tests;

/// <summary>ImportChannelStatement: a channel file against the platform's redemptions of the channel and period.</summary>
[Collection(SettlementCollection.Name)]
public class ReconciliationTests(RedemptionWorld services)
{
    internal static ChannelStatementChunk Row(long line, string tx, long voucher, long order) => new()
    {
        Row = new ChannelStatementRow { LineNumber = line, ChannelTransactionId = tx, VoucherAmountCents = voucher, OrderAmountCents = order, ChannelMerchantNumber = "8980001", OccurredAt = Timestamp.FromDateTimeOffset(Shanghai(2023, 4, 23, 12)) },
    };

    internal static async Task<Reconciliation> UploadAsync(SettlementHost host, ChannelStatementHeader header, IEnumerable<ChannelStatementChunk> rows)
    {
        // An upload's actor is in its first part, after the call has started: the token goes with the call.
        using var call = host.Reconciliation.ImportChannelStatement(TestTokens.Bearer(TestTokens.For(header.Actor ?? Operator)));
        await Uploads.WriteAllAsync(call.RequestStream, rows.Prepend(new ChannelStatementChunk { Header = header }));
        return await call;
    }

    /// <summary>S5 with three unionpay redemptions (transactions A, B, C) and one through bestpay, redeemed through the real services.</summary>
    private async Task<(World World, string CampaignId)> WorldWithRedemptionsAsync()
    {
        var world = await World.StartAsync(services);
        var s5 = await world.S5Async();
        var shop = await world.ShopAsync(s5, "appliances");
        await world.ClaimAndRedeemAsync(shop, s5, "t-200", Shanghai(2023, 4, 22, 11), 250_000, "appliances", itemCents: 200_000, transactionId: "A");
        await world.ClaimAndRedeemAsync(shop, s5, "t-100", Shanghai(2023, 4, 22, 12), 120_000, "appliances", itemCents: 100_000, transactionId: "B");
        await world.ClaimAndRedeemAsync(shop, s5, "t-200", Shanghai(2023, 4, 23, 12), 300_000, "appliances", itemCents: 200_000, transactionId: "C");
        await world.ClaimAndRedeemAsync(shop, s5, "t-200", Shanghai(2023, 4, 23, 13), 300_000, "appliances", itemCents: 200_000, channel: "bestpay", transactionId: "OTHER-CHANNEL");
        world.Clock.Now = Shanghai(2023, 4, 24, 1);
        await world.WaitForFeedsAsync(s5);
        return (world, s5);
    }

    internal static ChannelStatementHeader Header(string campaignId, long rows, long total) => new()
    {
        RequestId = Guid.NewGuid().ToString(),
        Actor = Finance,
        CampaignId = campaignId,
        ChannelId = "unionpay",
        Period = Requests.ToWindow(Shanghai(2023, 4, 22), Shanghai(2023, 4, 24)),
        FileName = "unionpay-20230423.csv",
        DeclaredRowCount = rows,
        DeclaredTotalCents = total,
    };

    private async Task<(World World, string CampaignId)> WorldWithCampaignAsync()
    {
        var world = await World.StartAsync(services);
        var s5 = await world.S5Async();
        world.Clock.Now = Shanghai(2023, 4, 24, 1);
        await world.WaitForFeedsAsync(s5);
        return (world, s5);
    }

    [Fact]
    public async Task A_file_with_matched_different_and_extra_rows_and_a_missing_one_gives_exactly_those_outcomes()
    {
        var (world, s5) = await WorldWithRedemptionsAsync();
        await using var _ = world;
        var header = Header(s5, 3, 20_000 + 10_000 + 5_000);

        var result = await UploadAsync(world.Host, header, [Row(1, "A", 20_000, 250_000), Row(2, "B", 10_000, 120_001), Row(3, "D", 5_000, 15_000)]);

        Assert.False(result.Clean);
        Assert.Equal(3, result.RowCount);
        Assert.Equal(
            [
                new OutcomeTally { Outcome = ReconciliationOutcome.Matched, Count = 1, ChannelAmountCents = 20_000, PlatformAmountCents = 20_000 },
                new OutcomeTally { Outcome = ReconciliationOutcome.MissingOnPlatform, Count = 1, ChannelAmountCents = 5_000 },
                new OutcomeTally { Outcome = ReconciliationOutcome.MissingInChannel, Count = 1, PlatformAmountCents = 20_000 },
                new OutcomeTally { Outcome = ReconciliationOutcome.AmountDiffers, Count = 1, ChannelAmountCents = 10_000, PlatformAmountCents = 10_000 },
            ],
            result.Tallies);
        var items = await world.Host.Reconciliation.ListReconciliationItemsAsync(new ListReconciliationItemsRequest { ReconciliationId = result.ReconciliationId });
        Assert.Equal(3, items.Items.Count);
        var differs = items.Items.Single(i => i.Outcome == ReconciliationOutcome.AmountDiffers);
        Assert.Equal(("B", 0L, 1L), (differs.ChannelRow.ChannelTransactionId, differs.VoucherAmountDifferenceCents, differs.OrderAmountDifferenceCents));
        Assert.Equal("D", items.Items.Single(i => i.Outcome == ReconciliationOutcome.MissingOnPlatform).ChannelRow.ChannelTransactionId);
        var missing = items.Items.Single(i => i.Outcome == ReconciliationOutcome.MissingInChannel);
        Assert.Null(missing.ChannelRow);
        Assert.Equal(30_000 * 10, missing.PlatformOrderAmountCents);
        var matched = await world.Host.Reconciliation.ListReconciliationItemsAsync(new ListReconciliationItemsRequest { ReconciliationId = result.ReconciliationId, Outcomes = { ReconciliationOutcome.Matched } });
        Assert.Equal("A", Assert.Single(matched.Items).ChannelRow.ChannelTransactionId);

        var replay = await UploadAsync(world.Host, header, []);
        Assert.Equal(result.ReconciliationId, replay.ReconciliationId);
        var listed = await world.Host.Reconciliation.ListReconciliationsAsync(new ListReconciliationsRequest { CampaignId = s5 });
        Assert.Equal(result, Assert.Single(listed.Reconciliations));
        Assert.Equal(result, await world.Host.Reconciliation.GetReconciliationAsync(new GetReconciliationRequest { ReconciliationId = result.ReconciliationId }));
    }

    [Fact]
    public async Task A_file_whose_rows_do_not_add_up_to_its_header_is_refused_and_leaves_nothing()
    {
        var (world, s5) = await WorldWithRedemptionsAsync();
        await using var _ = world;

        var wrongTotal = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(world.Host, Header(s5, 1, 1), [Row(1, "A", 20_000, 250_000)]));
        var wrongCount = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(world.Host, Header(s5, 2, 20_000), [Row(1, "A", 20_000, 250_000)]));
        var malformed = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(world.Host, Header(s5, 1, 20_000), [Row(1, string.Empty, 20_000, 250_000)]));
        var repeated = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(world.Host, Header(s5, 2, 40_000), [Row(1, "A", 20_000, 1), Row(2, "A", 20_000, 1)]));
        var secondHeader = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(world.Host, Header(s5, 0, 0), [new ChannelStatementChunk { Header = Header(s5, 0, 0) }]));

        Assert.All([wrongTotal, wrongCount, malformed, repeated, secondHeader], e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
        Assert.Empty((await world.Host.Reconciliation.ListReconciliationsAsync(new ListReconciliationsRequest { CampaignId = s5 })).Reconciliations);
    }

    [Fact]
    public async Task An_upload_whose_header_names_another_actor_than_the_token_is_refused_and_leaves_nothing()
    {
        var (world, s5) = await WorldWithCampaignAsync();
        await using var _ = world;
        using var call = world.Host.Reconciliation.ImportChannelStatement(TestTokens.Bearer(TestTokens.For(Merchant("m1"))));
        await Uploads.WriteAllAsync(call.RequestStream, [new ChannelStatementChunk { Header = Header(s5, 0, 0) }]);
        var forged = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, forged.StatusCode);
        Assert.Contains("not the caller the access token names", forged.Status.Detail, StringComparison.Ordinal);
        Assert.Empty((await world.Host.Reconciliation.ListReconciliationsAsync(new ListReconciliationsRequest { CampaignId = s5 })).Reconciliations);
    }

    [Fact]
    public async Task An_upload_not_starting_with_a_header_or_by_a_merchant_is_refused()
    {
        var (world, s5) = await WorldWithCampaignAsync();
        await using var _ = world;
        using var call = world.Host.Reconciliation.ImportChannelStatement(TestTokens.Bearer(TestTokens.For(Operator)));
        await Uploads.WriteAllAsync(call.RequestStream, [Row(1, "A", 20_000, 250_000)]);
        var noHeader = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        var header = Header(s5, 0, 0);
        header.Actor = Merchant("m1");
        var merchant = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(world.Host, header, []));
        var unknown = Header(s5, 0, 0);
        unknown.CampaignId = "nope";
        var notFound = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(world.Host, unknown, []));

        Assert.Equal(StatusCode.InvalidArgument, noHeader.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, merchant.StatusCode);
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
    }
}
