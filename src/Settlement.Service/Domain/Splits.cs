using VoucherRules;

namespace Settlement.Service.Domain;

/// <summary>An amount attributed to one funding source and one issuing channel.</summary>
public sealed record SplitCell(string FundingSourceId, string ChannelId, long AmountCents);

/// <summary>A share of a whole: an id and its weight (budget amount, issued subsidy).</summary>
public sealed record Weighted(string Id, long Weight);

/// <summary>
/// Splits of a statement's net payable across issuing channels and funding sources. Every split is the
/// largest-remainder method, so each part differs from its exact quota by less than a cent and the parts
/// add up to the whole exactly; cells come out in a stable order (channel, then funding source as configured).
/// </summary>
public static class Splits
{
    /// <summary>Channel id used when an amount has no voucher to attribute it to (a correction on an empty statement).</summary>
    public const string Unattributed = "";

    /// <summary>
    /// The amount across channels by their weights, then each channel's part across funding sources by
    /// theirs. With no positive channel weight the whole goes to <see cref="Unattributed"/>; with no funding
    /// source it stays on one unnamed source.
    /// </summary>
    public static IReadOnlyList<SplitCell> ByChannelThenFunding(long amountCents, IReadOnlyList<Weighted> channels, IReadOnlyList<Weighted> fundingSources)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(fundingSources);
        if (amountCents == 0)
        {
            return [];
        }

        var channelParts = Split(amountCents, channels.Where(c => c.Weight > 0).ToList(), Unattributed);
        var sources = fundingSources.Where(f => f.Weight > 0).ToList();
        var cells = new List<SplitCell>();
        foreach (var (channelId, channelAmount) in channelParts)
        {
            foreach (var (sourceId, amount) in Split(channelAmount, sources, string.Empty))
            {
                if (amount != 0)
                {
                    cells.Add(new SplitCell(sourceId, channelId, amount));
                }
            }
        }

        return cells;
    }

    /// <summary>The amount across the weights (largest remainder), or wholly on <paramref name="fallbackId"/> without any.</summary>
    public static IReadOnlyList<(string Id, long AmountCents)> Split(long amountCents, IReadOnlyList<Weighted> weights, string fallbackId)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0)
        {
            return [(fallbackId, amountCents)];
        }

        var parts = Money.AllocateLargestRemainder(amountCents, weights.Select(w => w.Weight).ToList());
        return weights.Select((w, i) => (w.Id, parts[i])).ToList();
    }

    /// <summary>Sums of cells per funding source (channel empty) and per channel (funding source empty), in first-seen order.</summary>
    public static (IReadOnlyList<SplitCell> BySource, IReadOnlyList<SplitCell> ByChannel) Margins(IEnumerable<SplitCell> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var list = cells.ToList();
        var bySource = list.GroupBy(c => c.FundingSourceId, StringComparer.Ordinal)
            .Select(g => new SplitCell(g.Key, string.Empty, g.Sum(c => c.AmountCents))).ToList();
        var byChannel = list.GroupBy(c => c.ChannelId, StringComparer.Ordinal)
            .Select(g => new SplitCell(string.Empty, g.Key, g.Sum(c => c.AmountCents))).ToList();
        return (bySource, byChannel);
    }

    /// <summary>Cells with the same funding source and channel added together, ordered by channel then source.</summary>
    public static IReadOnlyList<SplitCell> Combine(IEnumerable<SplitCell> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        return cells.GroupBy(c => (c.ChannelId, c.FundingSourceId))
            .Select(g => new SplitCell(g.Key.FundingSourceId, g.Key.ChannelId, g.Sum(c => c.AmountCents)))
            .OrderBy(c => c.ChannelId, StringComparer.Ordinal).ThenBy(c => c.FundingSourceId, StringComparer.Ordinal)
            .ToList();
    }
}
