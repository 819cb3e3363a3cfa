using System.Globalization;
using Microsoft.Playwright;
using Vouchers.Settlement.V1;

namespace BackOffice.Tests;

/// <summary>Settlement's pages in Chromium: finance settles and pays, the merchant and the auditor read, the operator screens.</summary>
[Collection(BackOfficeCollection.Name)]
public sealed class SettlementPageTests(BackOfficeApp app)
{
    private static readonly TimeSpan FeedLimit = TimeSpan.FromSeconds(30);

    private static async Task<long> FigureAsync(ILocator row, string figure) =>
        long.Parse(await row.Locator($"[data-figure={figure}]").GetAttributeAsync("data-value") ?? "-1", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Finance_settles_S2_approves_and_pays_the_batch_and_the_cashier_and_the_auditor_read_the_statement_to_the_cent()
    {
        var (voucher, redemption, order) = await app.RedemptionAtMerchantBAsync();
        var page = await app.SignInAsync("finance", $"/campaigns/{app.S2.CampaignId}/settlement");

        // Settlement refuses a period its feeds have not reached yet: the page shows the refusal, and finance tries again.
        var statement = page.Locator($"[data-testid=statements] tr[data-merchant='{app.MerchantB.MerchantId}']");
        var deadline = DateTime.UtcNow + FeedLimit;
        while (await page.Locator("[data-testid=runs] tr[data-run]").CountAsync() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "Settlement never settled the period: " + string.Join(" | ", await page.Locator("[data-testid=service-error]").AllTextContentsAsync()));
            await page.Locator("[data-action=run-settlement]").ClickAsync();
            await Task.Delay(1000);
        }

        await Assertions.Expect(statement).ToBeVisibleAsync();
        Assert.Equal(1, await FigureAsync(statement, "count"));
        Assert.Equal(voucher.FaceValueCents, await FigureAsync(statement, "face"));
        Assert.Equal(order, await FigureAsync(statement, "spend"));
        Assert.Equal(redemption.GovernmentShareCents, await FigureAsync(statement, "government"));
        Assert.Equal(redemption.GovernmentShareCents, await FigureAsync(statement, "net"));
        await Assertions.Expect(statement).ToHaveAttributeAsync("data-payout", nameof(PayoutStatus.Pending));
        await Assertions.Expect(page.Locator("[data-action=hold]")).ToHaveCountAsync(1);
        await BackOfficeApp.ScreenshotAsync(page, "finance-settlement-run");

        var batch = page.Locator("[data-testid=batches] tr[data-batch]").First;
        Assert.Equal(redemption.GovernmentShareCents, await FigureAsync(batch, "total"));
        await batch.Locator("[data-action=approve]").ClickAsync();
        await Assertions.Expect(batch).ToHaveAttributeAsync("data-status", nameof(PayoutBatchStatus.Approved));
        await page.Locator("input[data-testid=payment-reference], [data-testid=payment-reference] input").FillAsync("GK-2022-0001");
        await batch.Locator("[data-action=paid]").ClickAsync();
        await Assertions.Expect(batch).ToHaveAttributeAsync("data-status", nameof(PayoutBatchStatus.Paid));
        await Assertions.Expect(statement).ToHaveAttributeAsync("data-payout", nameof(PayoutStatus.Paid));
        await BackOfficeApp.ScreenshotAsync(page, "finance-settlement-batch-paid");
        var settlement = new SettlementService.SettlementServiceClient(app.Settlement);
        var paid = (await settlement.ListPayoutBatchesAsync(new ListPayoutBatchesRequest { CampaignId = app.S2.CampaignId })).Batches.Single();
        Assert.Equal((PayoutBatchStatus.Paid, "GK-2022-0001", "finance"), (paid.Status, paid.PaymentReference, paid.PaidBy.ActorId));
        await page.Context.CloseAsync();

        // The cashier of merchant B sees its own statement, paid; never another merchant's.
        var cashier = await app.SignInAsync("cashier");
        var own = cashier.Locator($"[data-testid=merchant-statements] tr[data-merchant='{app.MerchantB.MerchantId}']");
        await Assertions.Expect(own).ToHaveAttributeAsync("data-payout", nameof(PayoutStatus.Paid));
        Assert.Equal(redemption.GovernmentShareCents, await FigureAsync(own, "net"));
        await Assertions.Expect(cashier.Locator("[data-testid=merchant-statements] tr[data-statement]")).ToHaveCountAsync(1);
        await BackOfficeApp.ScreenshotAsync(cashier, "merchant-statements-paid");
        await cashier.GotoAsync($"/campaigns/{app.S2.CampaignId}/settlement");
        await Assertions.Expect(cashier.Locator("[data-testid=forbidden]")).ToBeVisibleAsync();
        await cashier.Context.CloseAsync();

        // The auditor reads the same figures without a button to change them.
        var auditor = await app.SignInAsync("auditor", $"/campaigns/{app.S2.CampaignId}/settlement");
        await Assertions.Expect(auditor.Locator($"[data-testid=statements] tr[data-merchant='{app.MerchantB.MerchantId}']")).ToHaveAttributeAsync("data-payout", nameof(PayoutStatus.Paid));
        await Assertions.Expect(auditor.Locator("[data-action=run-settlement], [data-action=hold], [data-action=approve], [data-action=paid]")).ToHaveCountAsync(0);
        await BackOfficeApp.ScreenshotAsync(auditor, "auditor-settlement-read-only");
        await auditor.Context.CloseAsync();
    }

    [Fact]
    public async Task The_auditor_reads_the_public_disclosure_and_downloads_the_redemptions_export_with_the_redemption_in_it()
    {
        var (voucher, redemption, order) = await app.RedemptionAtMerchantBAsync();
        var reports = new ReportService.ReportServiceClient(app.Settlement);
        var page = await app.SignInAsync("auditor", $"/campaigns/{app.S2.CampaignId}/disclosure");
        var used = page.Locator("[data-testid=disclosure] tr[data-figure=used]");
        // The disclosure follows Settlement's feeds: reload until the redemption is in it.
        var deadline = DateTime.UtcNow + FeedLimit;
        while (await used.GetAttributeAsync("data-count") != "1")
        {
            Assert.True(DateTime.UtcNow < deadline, "the disclosure never counted the redemption");
            await Task.Delay(500);
            await page.ReloadAsync();
            await used.WaitForAsync();
        }

        var disclosure = await reports.GetPublicDisclosureAsync(new GetPublicDisclosureRequest { CampaignId = app.S2.CampaignId });
        Assert.Equal(voucher.FaceValueCents, await FigureAsync(page.Locator("[data-testid=disclosure]"), "used"));
        Assert.Equal(order, await FigureAsync(page.Locator("[data-testid=disclosure]"), "spend"));
        Assert.Equal(disclosure.BudgetCents, await FigureAsync(page.Locator("[data-testid=disclosure]"), "budget"));
        Assert.Equal(disclosure.Funding.Count, await page.Locator("[data-testid=funding-use] tr[data-source]").CountAsync());
        await BackOfficeApp.ScreenshotAsync(page, "auditor-public-disclosure");

        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-testid=exports] tr[data-dataset=redemptions] a[data-format=csv]").ClickAsync());
        var file = Path.Combine(BackOfficeApp.Screenshots, "auditor-export-redemptions.csv");
        await download.SaveAsAsync(file);
        Assert.Contains(redemption.RedemptionId, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_campaign_matrix_equals_Settlements_tier_category_report_cell_by_cell()
    {
        await app.RedemptionAtMerchantBAsync();
        var reports = new ReportService.ReportServiceClient(app.Settlement);
        var page = await app.SignInAsync("auditor", $"/campaigns/{app.S2.CampaignId}");
        var deadline = DateTime.UtcNow + FeedLimit;
        while (true)
        {
            var report = await reports.GetTierCategoryReportAsync(new GetTierCategoryReportRequest { Actor = new() { ActorId = "audit", Role = Vouchers.Common.V1.ActorRole.Auditor }, CampaignId = app.S2.CampaignId });
            var differences = new List<string>();
            foreach (var line in report.Lines)
            {
                var cell = page.Locator($"[data-testid=matrix] td[data-cell='{line.TierId}|{line.CategoryId}']");
                foreach (var (figure, expected) in new[] { ("total", line.Allocated.Count), ("claimed", line.Claimed.Count), ("used", line.Used.Count) })
                {
                    var shown = long.Parse(await cell.Locator($"[data-figure={figure}]").GetAttributeAsync("data-value") ?? "-1", CultureInfo.InvariantCulture);
                    if (shown != expected)
                    {
                        differences.Add($"{line.TierId}|{line.CategoryId} {figure}: page {shown}, Settlement {expected}");
                    }
                }
            }

            if (differences.Count == 0 && report.Totals.Used.Count > 0)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the matrix and Settlement's report differ: " + string.Join("; ", differences));
            await Task.Delay(500);
            await page.ReloadAsync();
            await page.Locator("[data-testid=matrix]").WaitForAsync();
        }

        await BackOfficeApp.ScreenshotAsync(page, "auditor-campaign-matrix-equals-settlement-report");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_operator_screens_today_for_anomaly_signals_and_finance_may_not_open_them()
    {
        await app.RedemptionAtMerchantBAsync();
        var page = await app.SignInAsync("operator", $"/campaigns/{app.S2.CampaignId}/anomalies");
        await page.Locator("[data-action=screen-today]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=screened]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=service-error]")).ToHaveCountAsync(0);
        var screened = int.Parse(await page.Locator("[data-testid=screened]").GetAttributeAsync("data-count") ?? "-1", CultureInfo.InvariantCulture);
        Assert.True(await page.Locator("[data-testid=anomalies] tr[data-signal]").CountAsync() >= screened);
        await BackOfficeApp.ScreenshotAsync(page, "operator-anomaly-signals");
        await page.Context.CloseAsync();

        var finance = await app.SignInAsync("finance", $"/campaigns/{app.S2.CampaignId}/anomalies");
        await Assertions.Expect(finance.Locator("[data-testid=forbidden]")).ToBeVisibleAsync();
        await finance.Context.CloseAsync();
    }
}
