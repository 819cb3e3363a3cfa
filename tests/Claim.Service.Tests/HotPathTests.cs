using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Claim.Service.HotPath;
using Claim.Service.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace Claim.Service.Tests;

[Collection(ClaimCollection.Name)]
public sealed class HotPathTests(ClaimFixture fixture)
{
    private static readonly DateTimeOffset AfterOpening = Opens.AddMinutes(1);

    [Fact]
    public async Task Twenty_thousand_concurrent_claims_for_one_thousand_vouchers_issue_exactly_one_thousand_and_nobody_gets_two()
    {
        var h = await fixture.ResetAsync(AfterOpening);
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 1000)]);
        await h.LoadAsync(campaign);

        // 10,000 people each press twice with different request ids: 20,000 claims, 1,000 in flight at any
        // moment (about what a few service copies keep outstanding against one Redis).
        var outcomes = new ConcurrentBag<(int Person, ClaimOutcome Outcome)>();
        using var inFlight = new SemaphoreSlim(1000);
        var claims = Enumerable.Range(0, 20_000).Select(i => Task.Run(async () =>
        {
            var person = i % 10_000;
            await inFlight.WaitAsync();
            try
            {
                outcomes.Add((person, await h.Engine.ClaimAsync(ClaimFor(campaign, Person(person), "t50"))));
            }
            finally
            {
                inFlight.Release();
            }
        }));
        await Task.WhenAll(claims);

        var granted = outcomes.Where(o => o.Outcome.Voucher is not null).ToList();
        Assert.Equal(1000, granted.Count);
        Assert.Equal(1000, granted.Select(g => g.Person).Distinct().Count());
        Assert.Equal(1000, granted.Select(g => g.Outcome.Voucher.VoucherId).Distinct().Count());
        var refusals = outcomes.Where(o => o.Outcome.Refusal is not null).Select(o => o.Outcome.Refusal.Reason).ToList();
        Assert.Equal(19_000, refusals.Count);
        Assert.All(refusals, r => Assert.Contains(r, new[] { ClaimRefusalReason.SoldOut, ClaimRefusalReason.LimitReached }));
        Assert.Equal(0, (long)await h.Redis.StringGetAsync(RedisKeys.Stock(campaign.CampaignId, RedisKeys.Cell("r1", "t50", "", ""))));

        await h.PersistAllAsync();
        Assert.Equal(1000, await h.ScalarAsync("SELECT count(*) FROM vouchers"));
        Assert.Equal(1000, await h.ScalarAsync("SELECT count(DISTINCT holder_account_hash) FROM vouchers"));
        Assert.Equal(1000, await h.ScalarAsync("SELECT count(*) FROM issuance_events"));
    }

    [Fact]
    public async Task Same_phone_on_a_different_account_counts_as_the_same_person()
    {
        var h = await fixture.ResetAsync(AfterOpening);
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        await h.LoadAsync(campaign);

        var first = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1, phone: "13800000001"), "t50"));
        var second = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(2, phone: "+86 138-0000-0001"), "t50"));
        var stranger = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(3), "t50"));

        Assert.NotNull(first.Voucher);
        Assert.Equal(ClaimRefusalReason.LimitReached, second.Refusal.Reason);
        Assert.Equal("one-per-round", second.Refusal.Limit.LimitId);
        Assert.Equal(LimitScope.PerRound, second.Refusal.Limit.Scope);
        Assert.Equal(1, second.Refusal.Limit.Claimed);
        Assert.NotNull(stranger.Voucher);
    }

    [Fact]
    public async Task A_channel_stops_issuing_at_its_allocation_while_the_other_channel_keeps_its_own_share()
    {
        var h = await fixture.ResetAsync(AfterOpening);
        var campaign = Campaign([Tier("t50", 5000, 15000), Tier("t20", 2000, 6000)], [Cell("t50", 100), Cell("t20", 100)]);
        var settings = campaign.Campaign.Settings;
        settings.ChannelAllocations.Add(new ChannelAllocation { Channel = new ChannelRef { ChannelId = "unionpay" }, AmountCents = 500_000 });
        settings.ChannelAllocations.Add(new ChannelAllocation { Channel = new ChannelRef { ChannelId = "bestpay" }, AmountCents = 12_000 });
        await h.LoadAsync(campaign);
        PersonIdentity Bestpay(int n) => new() { ChannelId = "bestpay", ChannelAccountId = "bp-" + n, Phone = $"137{n:00000000}", DeviceId = "bp-dev-" + n };

        // 120.00 yuan for bestpay: two 50s (100.00), then a 50 would pass the allocation but a 20 still fits exactly.
        var first = await h.Engine.ClaimAsync(ClaimFor(campaign, Bestpay(1), "t50"));
        var second = await h.Engine.ClaimAsync(ClaimFor(campaign, Bestpay(2), "t50"));
        var overAllocation = await h.Engine.ClaimAsync(ClaimFor(campaign, Bestpay(3), "t50"));
        var fitsExactly = await h.Engine.ClaimAsync(ClaimFor(campaign, Bestpay(4), "t20"));
        var spent = await h.Engine.ClaimAsync(ClaimFor(campaign, Bestpay(5), "t20"));
        var otherChannel = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(6), "t50"));
        var unlisted = await h.Engine.ClaimAsync(ClaimFor(campaign, new PersonIdentity { ChannelId = "wechat-mini", ChannelAccountId = "wx-7", Phone = "13600000007" }, "t20"));

        Assert.NotNull(first.Voucher);
        Assert.NotNull(second.Voucher);
        Assert.Equal(ClaimRefusalReason.SoldOut, overAllocation.Refusal?.Reason);
        Assert.NotNull(fitsExactly.Voucher);
        Assert.Equal(ClaimRefusalReason.SoldOut, spent.Refusal?.Reason);
        Assert.NotNull(otherChannel.Voucher);
        Assert.Equal(ClaimRefusalReason.SoldOut, unlisted.Refusal?.Reason);
        var stats = RedisKeys.Stats(campaign.CampaignId);
        Assert.Equal(12_000, (long)(await h.Redis.HashGetAsync(stats, RedisKeys.ChannelStatField("bestpay"))));
        Assert.Equal(5_000, (long)(await h.Redis.HashGetAsync(stats, RedisKeys.ChannelStatField("unionpay"))));
    }

    [Fact]
    public async Task Every_decision_is_counted_on_the_claim_meter_with_its_outcome_and_reason()
    {
        var h = await fixture.ResetAsync(AfterOpening);
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 1)]);
        await h.LoadAsync(campaign);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new ClaimMetrics(services.GetRequiredService<IMeterFactory>());
        var engine = new ClaimEngine(h.Redis, h.Catalog, h.Identities, h.Armer, new DrawDice(new Random(1)), h.Clock, h.Options, metrics);
        var decisions = new ConcurrentBag<string>();
        long issued = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var tagged = tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString());
            if (instrument.Name == "claim.decisions")
            {
                decisions.Add($"{tagged["kind"]}/{tagged["outcome"]}/{tagged["reason"]}");
            }
            else if (instrument.Name == "claim.value.issued")
            {
                Interlocked.Add(ref issued, value);
            }
        });
        listener.Start();

        var request = ClaimFor(campaign, Person(1), "t50");
        await engine.ClaimAsync(request);
        await engine.ClaimAsync(request);
        await engine.ClaimAsync(ClaimFor(campaign, Person(2), "t50"));

        Assert.Equal(["claim/granted/", "claim/refused/SoldOut", "claim/replayed/"], decisions.Order(StringComparer.Ordinal));
        Assert.Equal(5000, issued);
    }

    [Fact]
    public async Task Identity_keys_are_stored_as_keyed_hashes_never_raw()
    {
        var h = await fixture.ResetAsync(AfterOpening);
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        await h.LoadAsync(campaign);
        var person = Person(7, phone: "13912345678");

        var outcome = await h.Engine.ClaimAsync(ClaimFor(campaign, person, "t50"));

        var phone = outcome.Voucher.HolderKeys.Single(k => k.Kind == IdentityKeyKind.Phone);
        Assert.Equal("139****5678", phone.MaskedValue);
        Assert.DoesNotContain("13912345678", phone.KeyHash, StringComparison.Ordinal);
        var keys = await h.Redis.ExecuteAsync("KEYS", "*");
        Assert.DoesNotContain((string[])keys!, k => k.Contains("13912345678", StringComparison.Ordinal));
        Assert.Contains((string[])keys!, k => k.Contains(phone.KeyHash, StringComparison.Ordinal));
    }

    public static TheoryData<LimitScope, string[], int> LimitScopeCases => new()
    {
        // scope, the tiers/categories claimed in order ("tier/category"), vouchers granted
        { LimitScope.PerRound, ["t50/", "t100/"], 1 },
        { LimitScope.PerTierPerCampaign, ["t50/", "t50/", "t100/"], 2 },
        { LimitScope.SingleTierPerCampaign, ["t50/", "t100/", "t50/"], 1 },
        { LimitScope.PerCampaign, ["t50/", "t100/"], 1 },
        { LimitScope.PerTierPerRound, ["t50/", "t50/", "t100/"], 2 },
    };

    [Theory]
    [MemberData(nameof(LimitScopeCases))]
    public async Task Each_limit_scope_allows_exactly_what_it_says(LimitScope scope, string[] claims, int expectedVouchers)
    {
        var h = await fixture.ResetAsync(AfterOpening);
        var campaign = Campaign(
            [Tier("t50", 5000, 15000), Tier("t100", 10000, 30000)],
            [Cell("t50", 10), Cell("t100", 10)],
            [new Vouchers.Campaign.V1.ClaimLimit { LimitId = "limit", Scope = scope, MaxClaims = 1 }]);
        await h.LoadAsync(campaign);

        var outcomes = new List<ClaimOutcome>();
        foreach (var claim in claims)
        {
            outcomes.Add(await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), claim.Split('/')[0])));
        }

        Assert.Equal(expectedVouchers, outcomes.Count(o => o.Voucher is not null));
        Assert.All(outcomes.Where(o => o.Refusal is not null), o =>
        {
            Assert.Equal(ClaimRefusalReason.LimitReached, o.Refusal.Reason);
            Assert.Equal(scope, o.Refusal.Limit.Scope);
        });
        if (scope == LimitScope.SingleTierPerCampaign)
        {
            Assert.Equal("t50", outcomes[1].Refusal.Limit.BoundTierId);
        }
    }

    [Fact]
    public async Task Per_category_limits_count_each_category_separately()
    {
        var h = await fixture.ResetAsync(AfterOpening);
        var campaign = Campaign(
            [Tier("t50", 5000, 15000)],
            [Cell("t50", 10, "catering"), Cell("t50", 10, "fuel")],
            [
                new Vouchers.Campaign.V1.ClaimLimit { LimitId = "cat-round", Scope = LimitScope.PerCategoryPerRound, MaxClaims = 1 },
                new Vouchers.Campaign.V1.ClaimLimit { LimitId = "cat-campaign", Scope = LimitScope.PerCategoryPerCampaign, MaxClaims = 1 },
            ]);
        await h.LoadAsync(campaign);

        var catering = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50", category: "catering"));
        var fuel = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50", category: "fuel"));
        var cateringAgain = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50", category: "catering"));

        Assert.Equal("catering", catering.Voucher.CategoryId);
        Assert.Equal("fuel", fuel.Voucher.CategoryId);
        Assert.Equal(ClaimRefusalReason.LimitReached, cateringAgain.Refusal.Reason);
        Assert.Equal("cat-round", cateringAgain.Refusal.Limit.LimitId);
    }

    [Fact]
    public async Task A_retry_with_the_same_request_id_gets_the_first_answer_and_no_second_voucher()
    {
        var h = await fixture.ResetAsync(AfterOpening);
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        await h.LoadAsync(campaign);
        var request = ClaimFor(campaign, Person(1), "t50", requestId: "req-1");

        var first = await h.Engine.ClaimAsync(request);
        var retries = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => h.Engine.ClaimAsync(request)));

        Assert.False(first.Replayed);
        Assert.All(retries, r =>
        {
            Assert.True(r.Replayed);
            Assert.Equal(first.Voucher, r.Voucher);
        });
        Assert.Equal(9, (long)await h.Redis.StringGetAsync(RedisKeys.Stock(campaign.CampaignId, RedisKeys.Cell("r1", "t50", "", ""))));

        var reused = await Refusals.ThrowsAsync(() => h.Engine.ClaimAsync(ClaimFor(campaign, Person(2), "t50", requestId: "req-1")));
        Assert.Equal(StatusCode.AlreadyExists, reused.StatusCode);

        var refusedOnce = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50", requestId: "req-2"));
        var refusedAgain = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50", requestId: "req-2"));
        Assert.Equal(ClaimRefusalReason.LimitReached, refusedOnce.Refusal.Reason);
        Assert.Equal(refusedOnce.Refusal, refusedAgain.Refusal);
        Assert.True(refusedAgain.Replayed);
    }

    [Fact]
    public async Task Geo_fence_admits_a_point_inside_and_refuses_outside_or_missing()
    {
        var h = await fixture.ResetAsync(AfterOpening);
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        campaign.Campaign.ClaimRules.GeoFence = new GeoFence
        {
            RegionName = "华亭市",
            Polygons =
            {
                new GeoPolygon
                {
                    Vertices =
                    {
                        new GeoPoint { Latitude = 35.10, Longitude = 106.50 },
                        new GeoPoint { Latitude = 35.10, Longitude = 106.80 },
                        new GeoPoint { Latitude = 35.35, Longitude = 106.80 },
                        new GeoPoint { Latitude = 35.35, Longitude = 106.50 },
                    },
                },
            },
        };
        await h.LoadAsync(campaign);

        var inside = ClaimFor(campaign, Person(1), "t50");
        inside.Location = new GeoPoint { Latitude = 35.22, Longitude = 106.65 };
        var outside = ClaimFor(campaign, Person(2), "t50");
        outside.Location = new GeoPoint { Latitude = 35.54, Longitude = 106.67 };
        var missing = ClaimFor(campaign, Person(3), "t50");

        Assert.NotNull((await h.Engine.ClaimAsync(inside)).Voucher);
        Assert.Equal(ClaimRefusalReason.OutOfRegion, (await h.Engine.ClaimAsync(outside)).Refusal.Reason);
        Assert.Equal(ClaimRefusalReason.LocationUnavailable, (await h.Engine.ClaimAsync(missing)).Refusal.Reason);
    }

    [Fact]
    public async Task A_claim_before_opening_is_refused_with_the_opening_time_and_one_at_opening_succeeds()
    {
        var h = await fixture.ResetAsync(Opens.AddSeconds(-1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        await h.LoadAsync(campaign);

        var early = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50"));
        h.Clock.Set(Opens);
        var onTime = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50"));

        Assert.Equal(ClaimRefusalReason.NotStarted, early.Refusal.Reason);
        Assert.Equal(Timestamp.FromDateTimeOffset(Opens), early.Refusal.OpensAt);
        Assert.Equal("r1", early.Refusal.RoundId);
        Assert.NotNull(onTime.Voucher);
        Assert.Equal(Timestamp.FromDateTimeOffset(Opens), onTime.Voucher.ClaimedAt);
        // Claimed 2023-04-22 10:00 local, 7 calendar days: valid until 04-28 24:00 local = 04-28 16:00 UTC.
        Assert.Equal(Timestamp.FromDateTimeOffset(new DateTimeOffset(2023, 4, 28, 16, 0, 0, TimeSpan.Zero)), onTime.Voucher.ValidUntil);
    }

    [Fact]
    public async Task A_published_campaign_before_opening_refuses_as_not_started_with_the_opening_time_and_takes_nothing()
    {
        var h = await fixture.ResetAsync(Opens.AddHours(-2));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        campaign.Campaign.State = CampaignState.Published;
        await h.LoadAsync(campaign);

        var early = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50"));

        Assert.Null(early.Voucher);
        Assert.Equal(ClaimRefusalReason.NotStarted, early.Refusal.Reason);
        Assert.Equal(Timestamp.FromDateTimeOffset(Opens), early.Refusal.OpensAt);
        Assert.Equal("r1", early.Refusal.RoundId);
        Assert.Equal(ClaimEngine.RefusalMessage(ClaimRefusalReason.NotStarted), early.Refusal.Message);
        Assert.Equal(10, (long)await h.Redis.StringGetAsync(RedisKeys.Stock(campaign.CampaignId, RedisKeys.Cell("r1", "t50", "", ""))));
    }

    [Fact]
    public async Task A_redis_that_forgot_its_scripts_gets_them_loaded_again_and_later_calls_go_by_sha1()
    {
        var h = await fixture.ResetAsync(AfterOpening);
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        await h.LoadAsync(campaign);
        Assert.NotNull((await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50"))).Voucher);

        // What a restarted or failed-over Redis looks like to the scripts: NOSCRIPT for every SHA1.
        await h.Redis.ExecuteAsync("SCRIPT", "FLUSH");
        var afterFlush = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(2), "t50"));
        var loaded = (bool)await h.Redis.ExecuteAsync("SCRIPT", "EXISTS", ClaimScripts.Claim.Sha1);
        var next = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(3), "t50"));

        Assert.NotNull(afterFlush.Voucher);
        Assert.True(loaded);
        Assert.NotNull(next.Voucher);
        Assert.Equal(7, (long)await h.Redis.StringGetAsync(RedisKeys.Stock(campaign.CampaignId, RedisKeys.Cell("r1", "t50", "", ""))));
    }

    [Fact]
    public async Task A_redis_busy_with_a_long_script_answers_a_claim_unavailable_and_the_retry_gets_the_voucher()
    {
        var h = await fixture.ResetAsync(AfterOpening);
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        await h.LoadAsync(campaign);
        var request = ClaimFor(campaign, Person(1), "t50");
        await h.Redis.ExecuteAsync("CONFIG", "SET", "busy-reply-threshold", "50");
        RpcException whileBusy;
        try
        {
            // A script that never ends keeps Redis busy; past the threshold every other command is answered BUSY.
            await using var other = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(fixture.Redis.EndPoint);
            var endless = other.GetDatabase().ScriptEvaluateAsync("while true do end return 0");
            await Task.Delay(300);
            whileBusy = await Refusals.ThrowsAsync(() => h.Engine.ClaimAsync(request));
            await h.Redis.ExecuteAsync("SCRIPT", "KILL");
            await Assert.ThrowsAsync<StackExchange.Redis.RedisServerException>(() => endless);
        }
        finally
        {
            await h.Redis.ExecuteAsync("CONFIG", "SET", "busy-reply-threshold", "5000");
        }

        var retry = await h.Engine.ClaimAsync(request);

        Assert.Equal(StatusCode.Unavailable, whileBusy.StatusCode);
        Assert.Contains("retry with the same request_id", whileBusy.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StackExchange.Redis.RedisErrorKind.Busy, Assert.IsType<StackExchange.Redis.RedisServerException>(whileBusy.Status.DebugException).Kind);
        Assert.NotNull(retry.Voucher);
        Assert.False(retry.Replayed);
        Assert.Equal(9, (long)await h.Redis.StringGetAsync(RedisKeys.Stock(campaign.CampaignId, RedisKeys.Cell("r1", "t50", "", ""))));
    }

    [Fact]
    public async Task Once_a_cell_is_sold_out_retries_still_get_their_first_answer_a_pause_still_shows_and_a_top_up_grants_again()
    {
        var h = await fixture.ResetAsync(AfterOpening);
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 2)]);
        await h.LoadAsync(campaign);
        var stockKey = RedisKeys.Stock(campaign.CampaignId, RedisKeys.Cell("r1", "t50", "", ""));
        var grant = ClaimFor(campaign, Person(1), "t50", requestId: "grant-1");
        var granted = await h.Engine.ClaimAsync(grant);
        Assert.NotNull((await h.Engine.ClaimAsync(ClaimFor(campaign, Person(2), "t50"))).Voucher);

        // The first sold-out answer teaches the service that the cell is gone; later claims on it only probe.
        var refusal = ClaimFor(campaign, Person(3), "t50", requestId: "refused-3");
        Assert.Equal(ClaimRefusalReason.SoldOut, (await h.Engine.ClaimAsync(refusal)).Refusal.Reason);
        var probed = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(4), "t50", requestId: "refused-4"));
        Assert.Equal(ClaimRefusalReason.SoldOut, probed.Refusal.Reason);
        Assert.False(probed.Replayed);

        var grantAgain = await h.Engine.ClaimAsync(grant);
        Assert.True(grantAgain.Replayed);
        Assert.Equal(granted.Voucher, grantAgain.Voucher);
        var probedAgain = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(4), "t50", requestId: "refused-4"));
        Assert.True(probedAgain.Replayed);
        Assert.Equal(probed.Refusal, probedAgain.Refusal);
        var reused = await Refusals.ThrowsAsync(() => h.Engine.ClaimAsync(ClaimFor(campaign, Person(5), "t50", requestId: "refused-4")));
        Assert.Equal(StatusCode.AlreadyExists, reused.StatusCode);

        await h.Redis.HashSetAsync(RedisKeys.Pause(campaign.CampaignId), RedisKeys.RoundPauseField("r1"), "inspection");
        Assert.Equal(ClaimRefusalReason.Paused, (await h.Engine.ClaimAsync(ClaimFor(campaign, Person(6), "t50"))).Refusal.Reason);
        await h.Redis.HashDeleteAsync(RedisKeys.Pause(campaign.CampaignId), RedisKeys.RoundPauseField("r1"));

        // Stock that comes back (a top-up) is found by the next claim, which then runs with its voucher.
        await h.Redis.StringIncrementAsync(stockKey);
        var afterTopUp = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(7), "t50"));
        Assert.NotNull(afterTopUp.Voucher);
        Assert.Equal(0, (long)await h.Redis.StringGetAsync(stockKey));
        Assert.Equal(ClaimRefusalReason.SoldOut, (await h.Engine.ClaimAsync(refusal)).Refusal.Reason);

        await h.PersistAllAsync();
        Assert.Equal(3, await h.ScalarAsync("SELECT count(*) FROM vouchers"));
    }

    [Fact]
    public async Task Paused_campaigns_and_rounds_and_blocked_people_are_refused_without_taking_stock()
    {
        var h = await fixture.ResetAsync(AfterOpening);
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        await h.LoadAsync(campaign);
        var stockKey = RedisKeys.Stock(campaign.CampaignId, RedisKeys.Cell("r1", "t50", "", ""));

        await h.Redis.HashSetAsync(RedisKeys.Pause(campaign.CampaignId), RedisKeys.RoundPauseField("r1"), "inspection");
        Assert.Equal(ClaimRefusalReason.Paused, (await h.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50"))).Refusal.Reason);
        await h.Redis.HashDeleteAsync(RedisKeys.Pause(campaign.CampaignId), RedisKeys.RoundPauseField("r1"));

        var device = h.Identities.HashOne(VoucherRules.IdentityKeyKind.DeviceId, "dev-2", string.Empty);
        await h.Redis.SortedSetAddAsync(RedisKeys.BlockList(campaign.CampaignId), HashedPerson.BlockMember(VoucherRules.IdentityKeyKind.DeviceId, device), double.PositiveInfinity);
        Assert.Equal(ClaimRefusalReason.Blocked, (await h.Engine.ClaimAsync(ClaimFor(campaign, Person(2), "t50"))).Refusal.Reason);
        Assert.Equal(ClaimRefusalReason.Blocked, (await h.Engine.ClaimAsync(ClaimFor(campaign, Person(9, device: "DEV-2"), "t50"))).Refusal.Reason);

        var paused = campaign.Clone();
        paused.SnapshotVersion = 2;
        paused.Campaign.State = CampaignState.Paused;
        await h.LoadAsync(paused);
        Assert.Equal(ClaimRefusalReason.Paused, (await h.Engine.ClaimAsync(ClaimFor(campaign, Person(3), "t50"))).Refusal.Reason);

        Assert.Equal(10, (long)await h.Redis.StringGetAsync(stockKey));
    }

    [Fact]
    public async Task Stock_is_armed_once_however_many_copies_arm_at_the_same_moment_and_a_resize_moves_it_by_the_difference()
    {
        var h = await fixture.ResetAsync(AfterOpening);
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 100)]);
        h.Catalog.Apply(campaign);
        var plan = h.Catalog.Find(campaign.CampaignId)!;
        var stockKey = RedisKeys.Stock(campaign.CampaignId, RedisKeys.Cell("r1", "t50", "", ""));

        // Eight service copies, each with its own armer, start together.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => new StockArmer(h.Redis).ArmAsync(plan))));
        Assert.Equal(100, (long)await h.Redis.StringGetAsync(stockKey));

        for (var i = 0; i < 30; i++)
        {
            Assert.NotNull((await h.Engine.ClaimAsync(ClaimFor(campaign, Person(i), "t50"))).Voucher);
        }

        await new StockArmer(h.Redis).ArmAsync(plan);
        Assert.Equal(70, (long)await h.Redis.StringGetAsync(stockKey));

        var resized = campaign.Clone();
        resized.SnapshotVersion = 2;
        resized.Campaign.Rounds[0].Allocation.Cells[0].Quantity = 120;
        h.Catalog.Apply(resized);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => new StockArmer(h.Redis).ArmAsync(h.Catalog.Find(campaign.CampaignId)!))));
        Assert.Equal(90, (long)await h.Redis.StringGetAsync(stockKey));
    }

    [Fact]
    public async Task Bad_claims_are_errors_not_refusals()
    {
        var h = await fixture.ResetAsync(AfterOpening);
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10, "catering")]);
        campaign.Campaign.ClaimRules.RequiredKeys.Add(IdentityKeyKind.Phone);
        await h.LoadAsync(campaign);

        async Task<StatusCode> Code(ClaimVoucherRequest request) => (await Refusals.ThrowsAsync(() => h.Engine.ClaimAsync(request))).StatusCode;

        Assert.Equal(StatusCode.NotFound, await Code(ClaimFor(campaign, Person(1), "t50", category: "catering").With(r => r.CampaignId = "nope")));
        Assert.Equal(StatusCode.NotFound, await Code(ClaimFor(campaign, Person(1), "t50", category: "catering").With(r => r.RoundId = "r9")));
        Assert.Equal(StatusCode.NotFound, await Code(ClaimFor(campaign, Person(1), "t999", category: "catering")));
        Assert.Equal(StatusCode.NotFound, await Code(ClaimFor(campaign, Person(1), "t50", category: "books")));
        Assert.Equal(StatusCode.InvalidArgument, await Code(ClaimFor(campaign, Person(1), "t50")));
        Assert.Equal(StatusCode.InvalidArgument, await Code(ClaimFor(campaign, Person(1), "t50", category: "catering").With(r => r.Person = null)));
        Assert.Equal(StatusCode.InvalidArgument, await Code(ClaimFor(campaign, Person(1), "t50", category: "catering").With(r => r.Person.Phone = "")));
        Assert.Equal(StatusCode.InvalidArgument, await Code(ClaimFor(campaign, Person(1), "t50", category: "catering").With(r => r.Person.ChannelAccountId = "")));
        Assert.Equal(StatusCode.InvalidArgument, await Code(ClaimFor(campaign, Person(1), "t50", category: "catering").With(r => r.RequestId = "")));
        Assert.Equal(StatusCode.InvalidArgument, await Code(ClaimFor(campaign, Person(1), "", category: "catering")));
        var draw = await Refusals.ThrowsAsync(() => h.Engine.DrawAsync(new DrawVoucherRequest { RequestId = "d", CampaignId = campaign.CampaignId, CategoryId = "catering", Person = Person(1) }));
        Assert.Equal(StatusCode.FailedPrecondition, draw.StatusCode);
    }
}

internal static class RequestExtensions
{
    public static T With<T>(this T message, Action<T> change)
    {
        change(message);
        return message;
    }
}
