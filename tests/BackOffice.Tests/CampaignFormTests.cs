using BackOffice.Campaigns;
using Campaign.Service.Tests;

namespace BackOffice.Tests;

public sealed class CampaignFormTests
{
    [Fact]
    public void S1s_header_shown_in_the_form_comes_back_as_the_same_settings()
    {
        var settings = Seeds.S1Settings();
        settings.Categories[0].BudgetCents = Seeds.Yuan(150_000) + 5;
        var form = CampaignForm.From(settings);
        Assert.Equal("pingliang-city | 平凉市财政 | 200000\nhuating-county | 华亭市财政 | 200000", form.FundingSources);
        Assert.Equal("2023-03-31 24:00", form.PeriodEnd);
        var (back, problems) = form.ToSettings();
        Assert.Empty(problems);
        Assert.Equal(settings, back);
    }

    [Fact]
    public void Every_unreadable_field_and_line_is_named_and_no_settings_are_made()
    {
        var form = CampaignForm.From(Seeds.S1Settings());
        form.PeriodStart = "2023-03-01 25:00";
        form.Budget = "四十万";
        form.Channels = "unionpay | 云闪付 | 300000\nbestpay | 翼支付";
        form.Categories = "catering | 1.005";
        var (settings, problems) = form.ToSettings();
        Assert.Null(settings);
        Assert.Equal(["PeriodStart", "Budget", "Channels:2", "Categories:1"], problems);
    }
}
