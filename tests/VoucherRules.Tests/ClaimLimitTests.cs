using System.Text;

namespace VoucherRules.Tests;

public class IdentityHashingTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("test-secret-of-32-bytes-length!!");
    private static readonly IdentityKeyKind[] AllKinds = [IdentityKeyKind.ChannelAccount, IdentityKeyKind.Phone, IdentityKeyKind.NationalId, IdentityKeyKind.DeviceId];

    [Theory]
    [InlineData("13812345678", "13812345678")]
    [InlineData("+86 138-1234-5678", "13812345678")]
    [InlineData("0086 13812345678", "13812345678")]
    [InlineData("8613812345678", "13812345678")]
    [InlineData(" 138 1234 5678 ", "13812345678")]
    public void Phones_normalise_to_eleven_digits(string raw, string expected)
    {
        Assert.Equal(expected, IdentityHashing.Normalize(new PersonIdentity("unionpay", "u1", Phone: raw), IdentityKeyKind.Phone));
    }

    [Fact]
    public void Equal_people_hash_equal_and_hashes_hide_the_raw_values()
    {
        var a = IdentityHashing.Hash(new PersonIdentity("unionpay", "u1", "+86 13812345678", "62082319900101123x", "abc-dev"), AllKinds, Secret);
        var b = IdentityHashing.Hash(new PersonIdentity("unionpay", "u1", "13812345678", "62082319900101123X", "ABC-DEV"), AllKinds, Secret);

        Assert.Equal(a, b);
        Assert.Equal(4, a.Count);
        Assert.All(a, key => Assert.Matches("^[0-9a-f]{64}$", key.Hash));
        Assert.All(a, key => Assert.DoesNotContain("13812345678", key.Hash, StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_account_id_at_two_channels_is_two_people()
    {
        var unionpay = IdentityHashing.Hash(new PersonIdentity("unionpay", "42"), [IdentityKeyKind.ChannelAccount], Secret);
        var bestpay = IdentityHashing.Hash(new PersonIdentity("bestpay", "42"), [IdentityKeyKind.ChannelAccount], Secret);

        Assert.NotEqual(unionpay[0].Hash, bestpay[0].Hash);
    }

    [Fact]
    public void The_kind_is_part_of_the_hash_and_so_is_the_secret()
    {
        var person = new PersonIdentity("c", "a", Phone: "13812345678", DeviceId: "13812345678");
        var keys = IdentityHashing.Hash(person, [IdentityKeyKind.Phone, IdentityKeyKind.DeviceId], Secret);
        var otherSecret = IdentityHashing.Hash(person, [IdentityKeyKind.Phone], Encoding.UTF8.GetBytes("another-secret-of-32-bytes-long!"));

        Assert.NotEqual(keys[0].Hash, keys[1].Hash);
        Assert.NotEqual(keys[0].Hash, otherSecret[0].Hash);
    }

    [Fact]
    public void Only_counted_and_supplied_kinds_are_hashed()
    {
        var keys = IdentityHashing.Hash(new PersonIdentity("c", "a", Phone: "13812345678"), [IdentityKeyKind.ChannelAccount, IdentityKeyKind.Phone, IdentityKeyKind.DeviceId], Secret);

        Assert.Equal([IdentityKeyKind.ChannelAccount, IdentityKeyKind.Phone], keys.Select(k => k.Kind));
    }

    [Fact]
    public void A_short_secret_is_refused()
    {
        Assert.Throws<ArgumentException>(() => IdentityHashing.Hash(new PersonIdentity("c", "a"), AllKinds, new byte[15]));
    }

    [Fact]
    public void Missing_required_kinds_are_named()
    {
        var missing = IdentityHashing.MissingRequired(new PersonIdentity("c", "a", Phone: " "), [IdentityKeyKind.Phone, IdentityKeyKind.ChannelAccount, IdentityKeyKind.NationalId]);

        Assert.Equal([IdentityKeyKind.Phone, IdentityKeyKind.NationalId], missing);
    }

    [Theory]
    [InlineData(IdentityKeyKind.Phone, "138****5678")]
    [InlineData(IdentityKeyKind.NationalId, "6208**********123X")]
    [InlineData(IdentityKeyKind.DeviceId, "AB*****YZ")]
    public void Masks_hide_the_middle(IdentityKeyKind kind, string expected)
    {
        var person = new PersonIdentity("c", "a", "13812345678", "62082319900101123x", "abcdefxyz");

        Assert.Equal(expected, IdentityHashing.Mask(person, kind));
    }
}

public class ClaimLimitTests
{
    private static HashedIdentityKey Account(string id) => new(IdentityKeyKind.ChannelAccount, "acct-" + id);

    private static HashedIdentityKey Phone(string id) => new(IdentityKeyKind.Phone, "phone-" + id);

    private static HashedIdentityKey Device(string id) => new(IdentityKeyKind.DeviceId, "dev-" + id);

    private static HashedIdentityKey NationalId(string id) => new(IdentityKeyKind.NationalId, "nid-" + id);

    private static ClaimTarget T(string round = "r1", string tier = "t50", string category = "catering") => new("camp", round, tier, category);

    [Fact]
    public void Keys_for_every_scope_have_a_stable_shape_with_the_campaign_as_hash_tag()
    {
        ClaimLimit[] limits =
        [
            new("round", LimitScope.PerRound), new("cat-round", LimitScope.PerCategoryPerRound, 2), new("tier", LimitScope.PerTierPerCampaign),
            new("single", LimitScope.SingleTierPerCampaign), new("campaign", LimitScope.PerCampaign, 3), new("tier-round", LimitScope.PerTierPerRound),
            new("cat", LimitScope.PerCategoryPerCampaign),
        ];

        var keys = ClaimLimits.KeysFor(new ClaimTarget("hua:ting", "r1", "t{50}", "food%"), limits, [new HashedIdentityKey(IdentityKeyKind.Phone, "ab12")]);

        Assert.Equal(
            [
                ("lim:{hua%3Ating}:round:r=r1:phone:ab12", LimitKeyKind.Counter, 1, (string?)null),
                ("lim:{hua%3Ating}:cat-round:r=r1:c=food%25:phone:ab12", LimitKeyKind.Counter, 2, null),
                ("lim:{hua%3Ating}:tier:t=t%7B50%7D:phone:ab12", LimitKeyKind.Counter, 1, null),
                ("lim:{hua%3Ating}:single:pin:phone:ab12", LimitKeyKind.TierPin, 1, "t{50}"),
                ("lim:{hua%3Ating}:single:t=t%7B50%7D:phone:ab12", LimitKeyKind.Counter, 1, null),
                ("lim:{hua%3Ating}:campaign:all:phone:ab12", LimitKeyKind.Counter, 3, null),
                ("lim:{hua%3Ating}:tier-round:r=r1:t=t%7B50%7D:phone:ab12", LimitKeyKind.Counter, 1, null),
                ("lim:{hua%3Ating}:cat:c=food%25:phone:ab12", LimitKeyKind.Counter, 1, null),
            ],
            keys.Select(k => (k.Key, k.Kind, k.MaxClaims, k.PinValue)));
    }

    [Fact]
    public void Every_identity_key_gets_its_own_counter()
    {
        var keys = ClaimLimits.KeysFor(T(), [new ClaimLimit("round", LimitScope.PerRound)], [Account("a"), Phone("p"), Device("d")]);

        Assert.Equal([IdentityKeyKind.ChannelAccount, IdentityKeyKind.Phone, IdentityKeyKind.DeviceId], keys.Select(k => k.IdentityKind));
        Assert.Equal(3, keys.Select(k => k.Key).Distinct().Count());
    }

    [Fact]
    public void Keys_need_an_identity_and_limits_need_at_least_one_claim()
    {
        Assert.Throws<ArgumentException>(() => ClaimLimits.KeysFor(T(), [new ClaimLimit("x", LimitScope.PerRound)], []));
        Assert.Throws<ArgumentException>(() => ClaimLimits.KeysFor(T(), [new ClaimLimit("x", LimitScope.PerRound, 0)], [Account("a")]));
    }

    [Theory]
    // S1 华亭 / S5 张店: one per person per round (a batch is a round).
    [InlineData(LimitScope.PerRound, "r1", "t50", "catering", false)]
    [InlineData(LimitScope.PerRound, "r1", "t20", "fuel", false)]
    [InlineData(LimitScope.PerRound, "r2", "t50", "catering", true)]
    // S2 乾安 2022: one per person per category per round.
    [InlineData(LimitScope.PerCategoryPerRound, "r1", "t20", "catering", false)]
    [InlineData(LimitScope.PerCategoryPerRound, "r1", "t50", "fuel", true)]
    [InlineData(LimitScope.PerCategoryPerRound, "r2", "t50", "catering", true)]
    // S3 友好: one per person per tier for the campaign.
    [InlineData(LimitScope.PerTierPerCampaign, "r2", "t50", "fuel", false)]
    [InlineData(LimitScope.PerTierPerCampaign, "r1", "t20", "catering", true)]
    // S4 乾安 2020: one tier, once.
    [InlineData(LimitScope.SingleTierPerCampaign, "r2", "t50", "catering", false)]
    [InlineData(LimitScope.SingleTierPerCampaign, "r1", "t20", "catering", false)]
    [InlineData(LimitScope.PerCampaign, "r9", "t1", "x", false)]
    [InlineData(LimitScope.PerTierPerRound, "r1", "t50", "fuel", false)]
    [InlineData(LimitScope.PerTierPerRound, "r1", "t20", "catering", true)]
    [InlineData(LimitScope.PerTierPerRound, "r2", "t50", "catering", true)]
    [InlineData(LimitScope.PerCategoryPerCampaign, "r2", "t20", "catering", false)]
    [InlineData(LimitScope.PerCategoryPerCampaign, "r1", "t50", "fuel", true)]
    public void After_one_claim_of_r1_t50_catering_a_second_claim_is_judged_by_the_scope(LimitScope scope, string round, string tier, string category, bool allowed)
    {
        ClaimLimit[] limits = [new("only", scope)];
        PastClaim[] history = [new(T("r1", "t50", "catering"), [Account("a")])];

        var decision = ClaimLimits.Evaluate(T(round, tier, category), [Account("a")], limits, history);

        Assert.Equal(allowed, decision.Allowed);
        Assert.Equal(allowed ? null : "only", decision.ReachedLimit?.LimitId);
    }

    [Theory]
    [InlineData(LimitScope.PerRound)]
    [InlineData(LimitScope.PerCategoryPerRound)]
    [InlineData(LimitScope.PerTierPerCampaign)]
    [InlineData(LimitScope.SingleTierPerCampaign)]
    [InlineData(LimitScope.PerCampaign)]
    [InlineData(LimitScope.PerTierPerRound)]
    [InlineData(LimitScope.PerCategoryPerCampaign)]
    public void A_first_claim_is_always_allowed_and_another_person_is_never_affected(LimitScope scope)
    {
        ClaimLimit[] limits = [new("only", scope)];

        Assert.True(ClaimLimits.Evaluate(T(), [Account("a")], limits, []).Allowed);
        Assert.True(ClaimLimits.Evaluate(T(), [Account("b")], limits, [new PastClaim(T(), [Account("a")])]).Allowed);
        Assert.False(ClaimLimits.Evaluate(T(), [Account("a")], limits, [new PastClaim(T(), [Account("a")])]).Allowed);
    }

    [Fact]
    public void S4_the_first_claim_fixes_the_tier_and_max_claims_counts_that_tier()
    {
        ClaimLimit[] limits = [new("one-tier", LimitScope.SingleTierPerCampaign, 2)];
        PastClaim[] once = [new(T("r1", "t200"), [Account("a")])];

        Assert.True(ClaimLimits.Evaluate(T("r2", "t200"), [Account("a")], limits, once).Allowed);
        var otherTier = ClaimLimits.Evaluate(T("r2", "t500"), [Account("a")], limits, once);
        Assert.False(otherTier.Allowed);
        Assert.Contains("already chose tier 't200'", otherTier.Reason, StringComparison.Ordinal);
        Assert.False(ClaimLimits.Evaluate(T("r3", "t200"), [Account("a")], limits, [.. once, new(T("r2", "t200"), [Account("a")])]).Allowed);
    }

    [Theory]
    [InlineData("same phone, new account and device", "b", "p1", "n2", "d2", false, IdentityKeyKind.Phone)]
    [InlineData("same national id", "b", "p2", "n1", "d2", false, IdentityKeyKind.NationalId)]
    [InlineData("same device", "b", "p2", "n2", "d1", false, IdentityKeyKind.DeviceId)]
    [InlineData("same account, everything else new", "a", "p2", "n2", "d2", false, IdentityKeyKind.ChannelAccount)]
    [InlineData("nothing shared", "b", "p2", "n2", "d2", true, null)]
    public void S3_phone_id_and_device_identify_one_person(string _, string account, string phone, string nationalId, string device, bool allowed, IdentityKeyKind? matchedOn)
    {
        ClaimLimit[] limits = [new("per-tier", LimitScope.PerTierPerCampaign)];
        PastClaim[] history = [new(T("r1", "t20"), [Account("a"), Phone("p1"), NationalId("n1"), Device("d1")])];

        var decision = ClaimLimits.Evaluate(T("r1", "t20"), [Account(account), Phone(phone), NationalId(nationalId), Device(device)], limits, history);

        Assert.Equal(allowed, decision.Allowed);
        Assert.Equal(matchedOn, decision.MatchedOn);
    }

    [Fact]
    public void A_key_the_campaign_does_not_count_does_not_join_two_people()
    {
        // The campaign counts accounts and phones only; the shared device is not hashed at all.
        var person = new PersonIdentity("unionpay", "a", "13800000001", DeviceId: "shared");
        var other = new PersonIdentity("unionpay", "b", "13800000002", DeviceId: "shared");
        IdentityKeyKind[] counted = [IdentityKeyKind.ChannelAccount, IdentityKeyKind.Phone];
        var secret = new byte[32];
        ClaimLimit[] limits = [new("round", LimitScope.PerRound)];

        var decision = ClaimLimits.Evaluate(T(), IdentityHashing.Hash(other, counted, secret), limits,
            [new PastClaim(T(), IdentityHashing.Hash(person, counted, secret))]);

        Assert.True(decision.Allowed);
    }

    [Fact]
    public void All_limits_apply_and_the_first_reached_is_reported()
    {
        ClaimLimit[] limits = [new("cat-round", LimitScope.PerCategoryPerRound), new("campaign", LimitScope.PerCampaign, 2)];
        PastClaim[] history = [new(T("r1", "t50", "catering"), [Account("a")]), new(T("r2", "t50", "fuel"), [Account("a")])];

        var decision = ClaimLimits.Evaluate(T("r3", "t50", "books"), [Account("a")], limits, history);

        Assert.False(decision.Allowed);
        Assert.Equal("campaign", decision.ReachedLimit?.LimitId);
        Assert.Equal("limit 'campaign' (PerCampaign, 2 allowed) reached (matched on ChannelAccount)", decision.Reason);
    }

    [Fact]
    public void Max_claims_above_one_counts_up_to_the_limit()
    {
        ClaimLimit[] limits = [new("round", LimitScope.PerRound, 3)];
        var history = new List<PastClaim>();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(ClaimLimits.Evaluate(T(), [Account("a")], limits, history).Allowed);
            history.Add(new PastClaim(T(), [Account("a")]));
        }

        Assert.False(ClaimLimits.Evaluate(T(), [Account("a")], limits, history).Allowed);
    }

    [Fact]
    public void Applying_granted_claims_to_counters_matches_replaying_the_history()
    {
        ClaimLimit[] limits = [new("cat-round", LimitScope.PerCategoryPerRound), new("single", LimitScope.SingleTierPerCampaign, 5)];
        var random = new Random(7);
        var counters = new Dictionary<string, long>();
        var pins = new Dictionary<string, string>();
        var history = new List<PastClaim>();
        for (var i = 0; i < 400; i++)
        {
            var target = T($"r{random.Next(3)}", $"t{random.Next(2)}", $"c{random.Next(3)}");
            HashedIdentityKey[] identity = [Account($"a{random.Next(8)}"), Phone($"p{random.Next(8)}")];
            var keys = ClaimLimits.KeysFor(target, limits, identity);
            var live = ClaimLimits.Check(limits, keys, counters, pins);
            var replayed = ClaimLimits.Evaluate(target, identity, limits, history);
            Assert.Equal(live.Allowed, replayed.Allowed);
            if (live.Allowed)
            {
                ClaimLimits.Apply(keys, counters, pins);
                history.Add(new PastClaim(target, identity));
            }
        }

        Assert.InRange(history.Count, 5, 395);
    }
}
