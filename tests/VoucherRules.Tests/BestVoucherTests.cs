using static VoucherRules.Tests.Seeds;

namespace VoucherRules.Tests;

public class BestVoucherTests
{
    private static readonly DateTimeOffset Now = new(2023, 6, 10, 4, 0, 0, TimeSpan.Zero); // 12:00 in Shanghai

    private static WalletVoucher V(
        string id,
        long face,
        long threshold,
        int expiresInHours = 48,
        WalletVoucherStatus status = WalletVoucherStatus.Unused,
        string[]? categories = null,
        DailyUsageHours? hours = null,
        int startsInHours = -24) =>
        new(id,
            new VoucherTerms(Y(face), MinimumSpendRule.Fixed(Y(threshold)), CategoryRestriction.Only(categories ?? [])),
            new TimeWindow(Now.AddHours(startsInHours), Now.AddHours(expiresInHours)),
            status,
            hours,
            Shanghai);

    private static readonly WalletVoucher[] S3Wallet = [V("a-20", 20, 100), V("b-40", 40, 200), V("c-80", 80, 300)];

    [Theory]
    [InlineData(9_999, null)]
    [InlineData(10_000, "a-20")]
    [InlineData(19_999, "a-20")]
    [InlineData(20_000, "b-40")]
    [InlineData(29_999, "b-40")]
    [InlineData(30_000, "c-80")]
    [InlineData(1_000_000, "c-80")]
    public void S3_auto_pick_takes_the_largest_face_value_the_order_reaches(long orderCents, string? expected)
    {
        Assert.Equal(expected, BestVoucher.Choose(S3Wallet, OrderFacts.Whole(orderCents), Now)?.VoucherId);
    }

    [Fact]
    public void Equal_face_values_go_to_the_one_expiring_first()
    {
        var wallet = new[] { V("late", 50, 150, expiresInHours: 100), V("soon", 50, 150, expiresInHours: 5), V("mid", 50, 150, expiresInHours: 50) };

        Assert.Equal("soon", BestVoucher.Choose(wallet, OrderFacts.Whole(Y(150)), Now)?.VoucherId);
    }

    [Fact]
    public void Equal_face_values_and_expiry_go_to_the_smallest_id_whatever_the_wallet_order()
    {
        var wallet = new[] { V("v-3", 50, 150), V("v-1", 50, 150), V("v-2", 50, 150) };

        foreach (var permutation in new[] { wallet, wallet.Reverse().ToArray(), [wallet[1], wallet[2], wallet[0]] })
        {
            Assert.Equal("v-1", BestVoucher.Choose(permutation, OrderFacts.Whole(Y(150)), Now)?.VoucherId);
        }
    }

    [Fact]
    public void Larger_face_value_wins_over_earlier_expiry()
    {
        var wallet = new[] { V("small-soon", 20, 60, expiresInHours: 1), V("big-late", 50, 150, expiresInHours: 500) };

        Assert.Equal("big-late", BestVoucher.Choose(wallet, OrderFacts.Whole(Y(150)), Now)?.VoucherId);
    }

    [Fact]
    public void A_larger_voucher_with_a_lower_threshold_still_wins()
    {
        var wallet = new[] { V("20-of-200", 20, 200), V("50-of-150", 50, 150) };

        Assert.Equal("50-of-150", BestVoucher.Choose(wallet, OrderFacts.Whole(Y(200)), Now)?.VoucherId);
    }

    [Theory]
    [InlineData(WalletVoucherStatus.Used)]
    [InlineData(WalletVoucherStatus.Expired)]
    [InlineData(WalletVoucherStatus.Revoked)]
    [InlineData(WalletVoucherStatus.Locked)]
    public void Vouchers_that_are_not_unused_are_never_picked(WalletVoucherStatus status)
    {
        var wallet = new[] { V("big", 80, 300, status: status), V("small", 20, 100) };

        Assert.Equal("small", BestVoucher.Choose(wallet, OrderFacts.Whole(Y(300)), Now)?.VoucherId);
    }

    [Theory]
    [InlineData(0, 24, "small")] // expires exactly now: gone
    [InlineData(1, 24, "big")]
    [InlineData(48, -1, "small")] // starts in an hour
    [InlineData(48, 0, "big")] // starts exactly now
    public void Vouchers_outside_their_validity_window_are_never_picked(int expiresInHours, int startsInHoursAgo, string expected)
    {
        var wallet = new[] { V("big", 80, 300, expiresInHours: expiresInHours, startsInHours: -startsInHoursAgo), V("small", 20, 100, expiresInHours: 100) };

        Assert.Equal(expected, BestVoucher.Choose(wallet, OrderFacts.Whole(Y(300)), Now)?.VoucherId);
    }

    [Fact]
    public void Vouchers_outside_their_usage_hours_are_never_picked()
    {
        var evening = new DailyUsageHours(new WallClock(18, 0), new WallClock(22, 0));
        var wallet = new[] { V("evening-only", 80, 300, hours: evening), V("any-time", 20, 100) };

        Assert.Equal("any-time", BestVoucher.Choose(wallet, OrderFacts.Whole(Y(300)), Now)?.VoucherId);
        Assert.Equal("evening-only", BestVoucher.Choose(wallet, OrderFacts.Whole(Y(300)), Now.AddHours(6))?.VoucherId);
    }

    [Fact]
    public void Vouchers_of_other_categories_are_never_picked()
    {
        var wallet = new[] { V("fuel", 100, 300, categories: ["fuel"]), V("catering", 50, 150, categories: ["catering"]) };

        Assert.Equal("catering", BestVoucher.Choose(wallet, OrderFacts.Whole(Y(300), "catering"), Now)?.VoucherId);
        Assert.Equal("fuel", BestVoucher.Choose(wallet, OrderFacts.Whole(Y(300), "fuel"), Now)?.VoucherId);
        Assert.Null(BestVoucher.Choose(wallet, OrderFacts.Whole(Y(300), "books"), Now));
    }

    [Fact]
    public void The_per_transaction_cap_rules_out_larger_vouchers()
    {
        var wallet = new[] { V("300", 300, 1200), V("200", 200, 800) };

        Assert.Equal("200", BestVoucher.Choose(wallet, OrderFacts.Whole(Y(1200)), Now, Y(200))?.VoucherId);
    }

    [Fact]
    public void An_empty_wallet_picks_nothing()
    {
        Assert.Null(BestVoucher.Choose([], OrderFacts.Whole(Y(1000)), Now));
    }

    [Fact]
    public void Exhaustive_small_wallets_agree_with_a_brute_force_reading_of_the_rule()
    {
        // Every wallet of up to three vouchers drawn from a small grid of face values, expiries and
        // statuses, against orders around every threshold: the pick must be qualifying, and no
        // other qualifying voucher may beat it on (face desc, expiry asc, id asc).
        var faces = new long[] { 20, 50 };
        var expiries = new[] { 2, 5 };
        var statuses = new[] { WalletVoucherStatus.Unused, WalletVoucherStatus.Used };
        var pool = (from face in faces from expiry in expiries from status in statuses select (face, expiry, status)).ToArray();
        var orders = new long[] { Y(59), Y(60), Y(149), Y(150), Y(151) };
        var checkedWallets = 0;
        for (var size = 0; size <= 3; size++)
        {
            foreach (var combination in Combinations(pool.Length, size))
            {
                var wallet = combination.Select((index, position) =>
                    V($"id{position}", pool[index].face, pool[index].face * 3, expiresInHours: pool[index].expiry, status: pool[index].status)).ToArray();
                foreach (var order in orders)
                {
                    var picked = BestVoucher.Choose(wallet, OrderFacts.Whole(order), Now);
                    var qualifying = wallet.Where(v => v.Status == WalletVoucherStatus.Unused && order >= v.Terms.FaceValueCents * 3).ToList();
                    if (qualifying.Count == 0)
                    {
                        Assert.Null(picked);
                        continue;
                    }

                    Assert.NotNull(picked);
                    Assert.Contains(picked, qualifying);
                    Assert.DoesNotContain(qualifying, other =>
                        other.Terms.FaceValueCents > picked.Terms.FaceValueCents
                        || (other.Terms.FaceValueCents == picked.Terms.FaceValueCents && other.Validity.End < picked.Validity.End)
                        || (other.Terms.FaceValueCents == picked.Terms.FaceValueCents && other.Validity.End == picked.Validity.End
                            && string.CompareOrdinal(other.VoucherId, picked.VoucherId) < 0));
                }

                checkedWallets++;
            }
        }

        Assert.Equal(1 + 8 + 28 + 56, checkedWallets);
    }

    private static IEnumerable<int[]> Combinations(int n, int k)
    {
        if (k == 0)
        {
            yield return [];
            yield break;
        }

        for (var first = 0; first <= n - k; first++)
        {
            foreach (var rest in Combinations(n - first - 1, k - 1))
            {
                yield return [first, .. rest.Select(r => r + first + 1)];
            }
        }
    }
}
