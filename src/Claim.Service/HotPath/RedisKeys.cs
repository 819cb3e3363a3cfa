using System.Text;

namespace Claim.Service.HotPath;

/// <summary>
/// Every Redis key of a campaign carries the campaign id as a hash tag ("{...}"), the same tag
/// <see cref="VoucherRules.ClaimLimits"/> puts on limit keys, so one script can touch them all.
/// </summary>
public static class RedisKeys
{
    private static readonly System.Buffers.SearchValues<char> Reserved = System.Buffers.SearchValues.Create("%:{}|");

    public const string GlobalBlockList = "claim:block:global";

    public static string Tag(string campaignId) => "{" + Escape(campaignId) + "}";

    public static string Request(string campaignId, string requestId) => $"req:{Tag(campaignId)}:{Escape(requestId)}";

    public static string Stock(string campaignId, string cell) => $"stock:{Tag(campaignId)}:{cell}";

    public static string Arming(string campaignId, string roundId) => $"arm:{Tag(campaignId)}:{Escape(roundId)}";

    public static string Pause(string campaignId) => $"pause:{Tag(campaignId)}";

    public static string BlockList(string campaignId) => $"block:{Tag(campaignId)}";

    public static string Stats(string campaignId) => $"stats:{Tag(campaignId)}";

    public static string RoundPauseField(string roundId) => "round:" + roundId;

    public const string CampaignPauseField = "campaign";

    public static string ChannelStatField(string channelId) => "ch|" + Escape(channelId);

    /// <summary>One allocation cell (round, tier, category, channel) as a key segment.</summary>
    public static string Cell(string roundId, string tierId, string categoryId, string channelId) =>
        $"{Escape(roundId)}|{Escape(tierId)}|{Escape(categoryId)}|{Escape(channelId)}";

    public static string Escape(string id)
    {
        // Ids almost never hold a reserved character; the common case returns the id itself rather than a copy built
        // one character at a time (this runs several times per claim).
        if (id.AsSpan().IndexOfAny(Reserved) < 0)
        {
            return id;
        }

        var builder = new StringBuilder(id.Length + 8);
        foreach (var c in id)
        {
            _ = c switch
            {
                '%' => builder.Append("%25"),
                ':' => builder.Append("%3A"),
                '{' => builder.Append("%7B"),
                '}' => builder.Append("%7D"),
                '|' => builder.Append("%7C"),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }
}
