using Claim.Service.HotPath;
using Claim.Service.Persistence;
using Npgsql;
using Vouchers.Common.V1;

namespace Claim.Service.Admin;

/// <summary>How many vouchers (and how much face value) of one stock cell are in one status.</summary>
public sealed record CellTally(string RoundId, string TierId, string CategoryId, string ChannelId, VoucherStatus Status, long Count, long FaceValueCents)
{
    /// <summary>A voucher's channel is the claimer's; a cell without a channel takes the vouchers of every channel without a cell of its own.</summary>
    public bool Matches(StockCell cell, IReadOnlyCollection<StockCell> siblings)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(siblings);
        return SameAllocation(cell)
            && (ChannelId == cell.ChannelId || (cell.ChannelId.Length == 0 && !siblings.Any(s => SameAllocation(s) && s.ChannelId == ChannelId)));
    }

    private bool SameAllocation(StockCell cell) => RoundId == cell.RoundId && TierId == cell.TierId && CategoryId == cell.CategoryId;
}

/// <summary>The issued vouchers of a campaign counted by cell and status, as stock and pool reports read them.</summary>
public sealed class VoucherTallies(NpgsqlDataSource dataSource)
{
    public async Task<List<CellTally>> ForCampaignAsync(string campaignId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT round_id, tier_id, category_id, channel_id, status, count(*), coalesce(sum(face_value_cents), 0)::bigint
            FROM vouchers WHERE campaign_id = @campaign
            GROUP BY round_id, tier_id, category_id, channel_id, status
            """);
        command.Parameters.AddWithValue("campaign", campaignId);
        var tallies = new List<CellTally>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tallies.Add(new CellTally(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), VoucherStatusColumn.From(reader.GetInt16(4)), reader.GetInt64(5), reader.GetInt64(6)));
        }

        return tallies;
    }
}
