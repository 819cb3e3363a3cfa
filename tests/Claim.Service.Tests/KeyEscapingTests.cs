using Claim.Service.HotPath;
using VoucherRules;

namespace Claim.Service.Tests;

/// <summary>
/// One escaping for every key segment (<see cref="KeySegments.Escape"/>). '|' separates the segments of a stock
/// cell, so it must be escaped like ':' is; and limit keys must escape exactly as stock keys do, or a campaign
/// whose id holds a separator gets two different hash tags and its claim script would span two slots.
/// </summary>
public sealed class KeyEscapingTests
{
    [Fact]
    public void Two_different_cells_whose_unescaped_keys_collide_get_different_keys()
    {
        // Round "r1|t50" tier "x" and round "r1" tier "t50|x" are different cells, but joined unescaped both read r1|t50|x.
        static string Unescaped(string round, string tier) => string.Join('|', round, tier, string.Empty, string.Empty);
        Assert.Equal(Unescaped("r1|t50", "x"), Unescaped("r1", "t50|x"));

        Assert.NotEqual(RedisKeys.Cell("r1|t50", "x", string.Empty, string.Empty), RedisKeys.Cell("r1", "t50|x", string.Empty, string.Empty));
        Assert.NotEqual(RedisKeys.Stock("c1", RedisKeys.Cell("r1|t50", "x", "", "")), RedisKeys.Stock("c1", RedisKeys.Cell("r1", "t50|x", "", "")));
    }

    [Fact]
    public void Every_separator_and_the_escape_itself_are_escaped_and_plain_ids_stay_as_they_are()
    {
        Assert.Equal("a%7Cb%3Ac%7Bd%7De%25f", KeySegments.Escape("a|b:c{d}e%f"));
        Assert.Equal("plain-id_1", KeySegments.Escape("plain-id_1"));

        // Escaping '%' keeps the escaping one-to-one: an id that already reads like an escape stays apart from the id it spells.
        Assert.NotEqual(KeySegments.Escape("a|b"), KeySegments.Escape("a%7Cb"));
    }

    [Fact]
    public void Limit_keys_and_stock_keys_of_a_campaign_with_a_separator_in_its_id_share_one_hash_tag()
    {
        const string campaignId = "spring|2026";
        var keys = ClaimLimits.KeysFor(
            new ClaimTarget(campaignId, "r1", "t50", string.Empty),
            [new ClaimLimit("once", LimitScope.PerRound)],
            [new HashedIdentityKey(IdentityKeyKind.Phone, "ab12")]);

        var tag = RedisKeys.Tag(campaignId);
        Assert.Equal("{spring%7C2026}", tag);
        Assert.All(keys, k => Assert.Contains(tag, k.Key, StringComparison.Ordinal));
        Assert.Contains(tag, RedisKeys.Stock(campaignId, RedisKeys.Cell("r1", "t50", "", "")), StringComparison.Ordinal);
    }
}
