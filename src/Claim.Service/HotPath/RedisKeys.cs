using static VoucherRules.KeySegments;

namespace Claim.Service.HotPath;

/// <summary>
/// Every Redis key of a campaign carries the campaign id as a hash tag ("{...}"), the same tag
/// <see cref="VoucherRules.ClaimLimits"/> puts on limit keys, so one script can touch them all. Ids are escaped by <see cref="VoucherRules.KeySegments.Escape"/>, the same
/// function the limit keys use, so both agree on the tag.
/// </summary>
public static class RedisKeys
{
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
}
