using System.Globalization;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;

namespace BackOffice.Campaigns;

/// <summary>
/// A campaign's header as the operator types it: text fields, and one line per funding source, channel and
/// category ("id | name | amount in yuan"). Turned into campaign.v1 settings with every unreadable field named;
/// whether the figures agree is Campaign's CheckBudget's call, not the form's.
/// </summary>
public sealed class CampaignForm
{
    public string Code { get; set; } = string.Empty;
    public string Name { get; set; } = string.Empty;
    public string Theme { get; set; } = string.Empty;
    public string Organizer { get; set; } = string.Empty;
    public string RegionCode { get; set; } = string.Empty;
    public string RegionName { get; set; } = string.Empty;
    public string TimeZone { get; set; } = Formatting.CampaignTime.DefaultTimeZone;
    public string PeriodStart { get; set; } = string.Empty;
    public string PeriodEnd { get; set; } = string.Empty;
    public string Budget { get; set; } = string.Empty;

    /// <summary>"id | name | yuan" per line.</summary>
    public string FundingSources { get; set; } = string.Empty;

    /// <summary>"channel id | display name | yuan" per line.</summary>
    public string Channels { get; set; } = string.Empty;

    /// <summary>"category id | yuan" per line (the amount may be left out).</summary>
    public string Categories { get; set; } = string.Empty;

    /// <summary>Settings the form does not show, kept as they were when editing.</summary>
    private CampaignSettings _base = new()
    {
        RemainderPolicy = RemainderPolicy.ReturnToTreasury,
        ExpiredValuePolicy = ExpiredValuePolicy.ReturnToPool,
        RedemptionPolicy = new RedemptionPolicy { RefundPolicy = RefundPolicy.VoucherStaysUsed },
        SettlementPolicy = new SettlementPolicy { Cadence = SettlementCadence.AfterCampaign, DaysAfterEnd = 30 },
    };

    public static CampaignForm From(CampaignSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new CampaignForm
        {
            _base = settings.Clone(),
            Code = settings.Code,
            Name = settings.Name,
            Theme = settings.Theme,
            Organizer = settings.Organizer,
            RegionCode = settings.RegionCode,
            RegionName = settings.RegionName,
            TimeZone = settings.TimeZone,
            PeriodStart = Formatting.CampaignTime.Format(settings.PeriodStart),
            PeriodEnd = Formatting.CampaignTime.Format(settings.PeriodEnd),
            Budget = PlanTable.YuanText(settings.BudgetCents),
            FundingSources = string.Join('\n', settings.FundingSources.Select(f => $"{f.FundingSourceId} | {f.Name} | {PlanTable.YuanText(f.AmountCents)}")),
            Channels = string.Join('\n', settings.ChannelAllocations.Select(c => $"{c.Channel.ChannelId} | {c.Channel.DisplayName} | {PlanTable.YuanText(c.AmountCents)}")),
            Categories = string.Join('\n', settings.Categories.Select(c => c.BudgetCents > 0 ? $"{c.CategoryId} | {PlanTable.YuanText(c.BudgetCents)}" : c.CategoryId)),
        };
    }

    /// <summary>The settings, or the fields that could not be read (by the form's field names).</summary>
    public (CampaignSettings? Settings, IReadOnlyList<string> Problems) ToSettings()
    {
        var problems = new List<string>();
        var settings = _base.Clone();
        settings.Code = Code.Trim();
        settings.Name = Name.Trim();
        settings.Theme = Theme.Trim();
        settings.Organizer = Organizer.Trim();
        settings.RegionCode = RegionCode.Trim();
        settings.RegionName = RegionName.Trim();
        settings.TimeZone = TimeZone.Trim();
        settings.PeriodStart = ParseLocal(PeriodStart, nameof(PeriodStart), problems);
        settings.PeriodEnd = ParseLocal(PeriodEnd, nameof(PeriodEnd), problems);
        settings.BudgetCents = PlanTable.ParseYuan(Budget) ?? Problem(problems, nameof(Budget));

        settings.FundingSources.Clear();
        settings.FundingSources.AddRange(NamedAmounts(FundingSources, nameof(FundingSources), problems)
            .Select(f => new FundingSource { FundingSourceId = f.Id, Name = f.Name, AmountCents = f.Cents }));
        settings.ChannelAllocations.Clear();
        settings.ChannelAllocations.AddRange(NamedAmounts(Channels, nameof(Channels), problems)
            .Select(c => new ChannelAllocation { Channel = new ChannelRef { ChannelId = c.Id, DisplayName = c.Name }, AmountCents = c.Cents }));

        settings.Categories.Clear();
        foreach (var (cells, line) in Lines(Categories))
        {
            var amount = cells.Length == 2 ? PlanTable.ParseYuan(cells[1]) : 0;
            if (amount is null || cells.Length > 2 || cells[0].Length == 0)
            {
                problems.Add($"{nameof(Categories)}:{line}");
                continue;
            }

            settings.Categories.Add(new CampaignCategory { CategoryId = cells[0], BudgetCents = amount.Value });
        }

        return problems.Count == 0 ? (settings, problems) : (null, problems);
    }

    /// <summary>"id | name | yuan" lines; each unreadable one is named "field:line".</summary>
    private static List<(string Id, string Name, long Cents)> NamedAmounts(string text, string field, List<string> problems)
    {
        var amounts = new List<(string, string, long)>();
        foreach (var (cells, line) in Lines(text))
        {
            if (cells.Length == 3 && cells[0].Length > 0 && PlanTable.ParseYuan(cells[2]) is { } cents)
            {
                amounts.Add((cells[0], cells[1], cents));
            }
            else
            {
                problems.Add($"{field}:{line}");
            }
        }

        return amounts;
    }

    private static long Problem(List<string> problems, string field)
    {
        problems.Add(field);
        return 0;
    }

    private static IEnumerable<(string[] Cells, int Line)> Lines(string text) =>
        (text ?? string.Empty).Split('\n')
            .Select((line, index) => (Cells: line.Split('|').Select(c => c.Trim()).ToArray(), Line: index + 1))
            .Where(l => l.Cells.Any(c => c.Length > 0));

    /// <summary>"2022-06-01 09:00" (24:00 allowed: the end of that day) to a local date-time.</summary>
    private static LocalDateTime? ParseLocal(string text, string field, List<string> problems)
    {
        var parts = (text ?? string.Empty).Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 1 or 2
            && DateOnly.TryParseExact(parts[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var time = parts.Length == 2 ? parts[1].Split(':') : ["0", "0"];
            if (time.Length == 2
                && int.TryParse(time[0], NumberStyles.None, CultureInfo.InvariantCulture, out var hour)
                && int.TryParse(time[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minute)
                && ((hour < 24 && minute < 60) || (hour == 24 && minute == 0)))
            {
                return new LocalDateTime
                {
                    Date = new LocalDate { Year = date.Year, Month = date.Month, Day = date.Day },
                    Time = new LocalTimeOfDay { Hour = hour, Minute = minute },
                };
            }
        }

        problems.Add(field);
        return null;
    }
}
