using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Claim.Service.Grpc;
using Claim.Service.Persistence;
using Claim.Service.Tests.Infrastructure;
using Claim.Service.Usage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;
using static Claim.Service.Tests.Infrastructure.VoucherUsageCalls;

namespace Claim.Service.Tests;

[Collection(ClaimCollection.Name)]
public sealed class VoucherUsageTests(ClaimFixture fixture)
{
    private static ClaimGrpcService Claims(Harness h) => new(h.Engine, new global::Claim.Service.Wallet.WalletService(new WalletStore(h.Fixture.DataSource), h.Identities, h.Clock, h.Options));

    private static async Task<StatusCode> StatusOf(Func<Task> call) => (await Refusals.ThrowsAsync(call)).StatusCode;

    [Fact]
    public async Task A_locked_voucher_is_consumed_once_and_a_retry_of_the_same_redemption_returns_the_same_answer()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        var id = (await IssueAsync(h, campaign, 1))[0];
        var usage = UsageAdapter(h);

        var locked = await usage.LockVoucher(LockOf(id, "lock-1", Person(1)), new TestCallContext());
        var used = await usage.ConsumeVoucher(ConsumeOf(id, "lock-1", "red-1"), new TestCallContext());
        var retried = await usage.ConsumeVoucher(ConsumeOf(id, "lock-1", "red-1"), new TestCallContext());

        Assert.Equal(VoucherStatus.Locked, locked.Lock.Voucher.Status);
        Assert.Equal(VoucherStatus.Used, used.Status);
        Assert.Equal("red-1", used.Use.RedemptionId);
        Assert.Equal(VoucherStatus.Used, retried.Status);
        Assert.Equal(used.Version, retried.Version);
        Assert.Equal(StatusCode.FailedPrecondition, await StatusOf(() => usage.ConsumeVoucher(ConsumeOf(id, "lock-1", "red-2"), new TestCallContext())));
        Assert.Equal(VoucherUnavailableReason.Used, (await usage.LockVoucher(LockOf(id, "lock-2"), new TestCallContext())).Unavailable.Reason);
        Assert.Equal(1, await h.ScalarAsync("SELECT count(*) FROM voucher_consumptions"));
        Assert.Equal(1, await h.ScalarAsync("SELECT count(*) FROM issuance_events WHERE sequence = 2"));
        var wallet = await Claims(h).GetVoucher(new GetVoucherRequest { Person = Person(1), VoucherId = id }, new TestCallContext());
        Assert.Equal("老王面馆", wallet.Use.MerchantTradeName);
    }

    [Fact]
    public async Task Locks_releases_and_consumes_rewrite_the_voucher_row_in_place_without_new_index_entries()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        var id = (await IssueAsync(h, campaign, 1))[0];
        var usage = UsageAdapter(h);

        await usage.LockVoucher(LockOf(id, "lock-1", Person(1)), new TestCallContext());
        await usage.ReleaseVoucher(new ReleaseVoucherRequest { VoucherId = id, LockId = "lock-1" }, new TestCallContext());
        await usage.LockVoucher(LockOf(id, "lock-2", Person(1)), new TestCallContext());
        await usage.ConsumeVoucher(ConsumeOf(id, "lock-2", "red-1"), new TestCallContext());

        // A heap-only tuple is a row version written on its page with no index entry of its own (a HOT update). All four
        // versions are heap-only only while no index names a column these changes write, such as status or used_at.
        await h.ScalarAsync("CREATE EXTENSION IF NOT EXISTS pageinspect");
        var heapOnly = await h.ScalarAsync(
            $"""
            SELECT count(*) FROM heap_page_items(get_raw_page('vouchers', (SELECT (ctid::text::point)[0]::int FROM vouchers WHERE voucher_id = '{id}')))
            WHERE t_infomask2 & 32768 <> 0
            """);
        Assert.Equal(4, heapOnly);
    }

    [Fact]
    public async Task The_expiry_schedule_expires_a_voucher_locked_across_its_validity_end_once_its_lock_lapses_and_never_a_used_one()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        var ids = await IssueAsync(h, campaign, 3);
        var usage = UsageAdapter(h);
        var end = (await new WalletStore(h.Fixture.DataSource).GetAsync(ids[0], null, CancellationToken.None))!.ValidUntil.ToDateTimeOffset();
        var schedule = new ExpiryScheduler(new WalletStore(h.Fixture.DataSource), h.Clock, h.Options, Microsoft.Extensions.Logging.Abstractions.NullLogger<ExpiryScheduler>.Instance);
        async Task<VoucherStatus> StatusAsync(string id) => VoucherStatusColumn.From((short)await h.ScalarAsync($"SELECT status FROM vouchers WHERE voucher_id = '{id}'"));

        h.Clock.Set(end.AddMinutes(-1));
        var longLock = LockOf(ids[0], "till-1", Person(1));
        longLock.Ttl = Duration.FromTimeSpan(TimeSpan.FromMinutes(5));
        await usage.LockVoucher(longLock, new TestCallContext());
        await usage.LockVoucher(LockOf(ids[2], "till-3", Person(3)), new TestCallContext());
        await usage.ConsumeVoucher(ConsumeOf(ids[2], "till-3", "red-3"), new TestCallContext());

        h.Clock.Set(end.AddMinutes(1));
        await schedule.ExpireDueAsync(CancellationToken.None);
        var lockedAtFirstPass = await StatusAsync(ids[0]);
        var unusedAtFirstPass = await StatusAsync(ids[1]);
        h.Clock.Set(end.AddMinutes(3));
        await schedule.ExpireDueAsync(CancellationToken.None);
        var lockedAtSecondPass = await StatusAsync(ids[0]);
        // The lock lapsed at end + 4 min; this pass reads only validity ends after the last one began, less the overhang.
        h.Clock.Set(end.AddMinutes(10));
        await schedule.ExpireDueAsync(CancellationToken.None);

        Assert.Equal(VoucherStatus.Locked, lockedAtFirstPass);
        Assert.Equal(VoucherStatus.Expired, unusedAtFirstPass);
        Assert.Equal(VoucherStatus.Locked, lockedAtSecondPass);
        Assert.Equal(VoucherStatus.Expired, await StatusAsync(ids[0]));
        Assert.Equal(VoucherStatus.Used, await StatusAsync(ids[2]));
    }

    [Fact]
    public async Task Two_redemptions_racing_for_one_voucher_leave_exactly_one_winner()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        var id = (await IssueAsync(h, campaign, 1))[0];
        var usage = UsageAdapter(h);

        var attempts = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            var answer = await usage.LockVoucher(LockOf(id, $"lock-{i}"), new TestCallContext());
            if (answer.ResultCase != LockVoucherResponse.ResultOneofCase.Lock)
            {
                return false;
            }

            await usage.ConsumeVoucher(ConsumeOf(id, $"lock-{i}", $"red-{i}"), new TestCallContext());
            return true;
        })).ToList();
        var results = await Task.WhenAll(attempts);

        // Consuming without the lock is refused too, whoever tries.
        var sneaky = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            StatusOf(() => usage.ConsumeVoucher(ConsumeOf(id, "lock-none", $"sneak-{i}"), new TestCallContext())))));

        Assert.Equal(1, results.Count(won => won));
        Assert.All(sneaky, code => Assert.Equal(StatusCode.FailedPrecondition, code));
        Assert.Equal(1, await h.ScalarAsync("SELECT count(*) FROM voucher_consumptions"));
        Assert.Equal(3, await h.ScalarAsync($"SELECT status FROM vouchers WHERE voucher_id = '{id}'"));
    }

    [Fact]
    public async Task Locks_are_refused_outside_daily_usage_hours_and_granted_inside_them()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        campaign.Campaign.Rounds[0].DailyUsageHours = new DailyTimeWindow
        {
            Start = new LocalTimeOfDay { Hour = 9 },
            End = new LocalTimeOfDay { Hour = 22 },
        };
        var id = (await IssueAsync(h, campaign, 1))[0];
        var usage = UsageAdapter(h);

        h.Clock.Set(new DateTimeOffset(2023, 4, 22, 22, 0, 0, TimeSpan.FromHours(8)));
        var late = await usage.LockVoucher(LockOf(id, "lock-late"), new TestCallContext());
        var usableLate = await usage.ListUsableVouchers(new ListUsableVouchersRequest { Person = Person(1) }, new TestCallContext());
        h.Clock.Set(new DateTimeOffset(2023, 4, 23, 9, 0, 0, TimeSpan.FromHours(8)));
        var usableMorning = await usage.ListUsableVouchers(new ListUsableVouchersRequest { Person = Person(1) }, new TestCallContext());
        var morning = await usage.LockVoucher(LockOf(id, "lock-morning"), new TestCallContext());

        Assert.Equal(VoucherUnavailableReason.OutsideUsageHours, late.Unavailable.Reason);
        Assert.Equal(VoucherStatus.Unused, late.Unavailable.Voucher.Status);
        Assert.Empty(usableLate.Vouchers);
        Assert.Equal(id, Assert.Single(usableMorning.Vouchers).VoucherId);
        Assert.Equal(LockVoucherResponse.ResultOneofCase.Lock, morning.ResultCase);
    }

    [Fact]
    public async Task A_lock_belongs_to_its_holder_blocks_others_until_released_or_lapsed_and_is_extended_by_its_own_retry()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        var id = (await IssueAsync(h, campaign, 1))[0];
        var usage = UsageAdapter(h);

        Assert.Equal(VoucherUnavailableReason.NotHolder, (await usage.LockVoucher(LockOf(id, "a", Person(2)), new TestCallContext())).Unavailable.Reason);
        var first = await usage.LockVoucher(LockOf(id, "a", Person(1)), new TestCallContext());
        Assert.Equal(VoucherUnavailableReason.Locked, (await usage.LockVoucher(LockOf(id, "b"), new TestCallContext())).Unavailable.Reason);
        h.Clock.Advance(TimeSpan.FromSeconds(20));
        var extended = await usage.LockVoucher(LockOf(id, "a"), new TestCallContext());
        Assert.True(extended.Lock.ExpiresAt.ToDateTimeOffset() > first.Lock.ExpiresAt.ToDateTimeOffset());

        // Releasing someone else's lock changes nothing; the holder's release frees the voucher.
        Assert.Equal(VoucherStatus.Locked, (await usage.ReleaseVoucher(new ReleaseVoucherRequest { VoucherId = id, LockId = "b" }, new TestCallContext())).Status);
        Assert.Equal(VoucherStatus.Unused, (await usage.ReleaseVoucher(new ReleaseVoucherRequest { VoucherId = id, LockId = "a" }, new TestCallContext())).Status);
        Assert.Equal(VoucherStatus.Unused, (await usage.ReleaseVoucher(new ReleaseVoucherRequest { VoucherId = id, LockId = "a" }, new TestCallContext())).Status);

        await usage.LockVoucher(LockOf(id, "b"), new TestCallContext());
        h.Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(LockVoucherResponse.ResultOneofCase.Lock, (await usage.LockVoucher(LockOf(id, "c"), new TestCallContext())).ResultCase);
        Assert.Equal(StatusCode.FailedPrecondition, await StatusOf(() => usage.ConsumeVoucher(ConsumeOf(id, "b", "red-b"), new TestCallContext())));
        Assert.Equal(VoucherStatus.Used, (await usage.ConsumeVoucher(ConsumeOf(id, "c", "red-c"), new TestCallContext())).Status);
    }

    [Fact]
    public async Task A_reinstated_voucher_is_unused_again_once_per_reversal_or_expired_when_its_validity_has_ended()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        var ids = await IssueAsync(h, campaign, 2);
        var usage = UsageAdapter(h);
        foreach (var (id, n) in ids.Select((id, n) => (id, n)))
        {
            await usage.LockVoucher(LockOf(id, $"l{n}"), new TestCallContext());
            await usage.ConsumeVoucher(ConsumeOf(id, $"l{n}", $"r{n}"), new TestCallContext());
        }

        var reinstate = new ReinstateVoucherRequest { VoucherId = ids[0], RedemptionId = "r0", ReversalId = "rev-0", Reason = "voided" };
        Assert.Equal(StatusCode.FailedPrecondition, await StatusOf(() => usage.ReinstateVoucher(new ReinstateVoucherRequest { VoucherId = ids[0], RedemptionId = "r1", ReversalId = "rev-x", Reason = "x" }, new TestCallContext())));
        var back = await usage.ReinstateVoucher(reinstate, new TestCallContext());
        var retried = await usage.ReinstateVoucher(reinstate, new TestCallContext());
        Assert.Equal(VoucherStatus.Unused, back.Status);
        Assert.Null(back.Use);
        Assert.Equal(VoucherStatus.Unused, retried.Status);

        // Used again by a new redemption after the reversal: still only one live consumption.
        await usage.LockVoucher(LockOf(ids[0], "l-again"), new TestCallContext());
        Assert.Equal(VoucherStatus.Used, (await usage.ConsumeVoucher(ConsumeOf(ids[0], "l-again", "r-again"), new TestCallContext())).Status);
        Assert.Equal(1, await h.ScalarAsync($"SELECT count(*) FROM voucher_consumptions WHERE voucher_id = '{ids[0]}' AND reversed_at IS NULL"));

        h.Clock.Set(Opens.AddDays(30));
        var late = await usage.ReinstateVoucher(new ReinstateVoucherRequest { VoucherId = ids[1], RedemptionId = "r1", ReversalId = "rev-1", Reason = "refund" }, new TestCallContext());
        Assert.Equal(VoucherStatus.Expired, late.Status);
        Assert.Equal(1, await h.ScalarAsync("SELECT count(*) FROM vouchers WHERE status = 4"));
    }

    [Fact]
    public async Task Presentation_codes_resolve_to_their_voucher_until_they_lapse_or_are_replaced()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        var id = (await IssueAsync(h, campaign, 1))[0];
        var usage = UsageAdapter(h);
        var claims = Claims(h);

        var code = await claims.CreatePresentationCode(new CreatePresentationCodeRequest { Person = Person(1), VoucherId = id }, new TestCallContext());
        Assert.Equal(id, (await usage.ResolvePresentationCode(new ResolvePresentationCodeRequest { Token = code.Token }, new TestCallContext())).VoucherId);
        var newer = await claims.CreatePresentationCode(new CreatePresentationCodeRequest { Person = Person(1), VoucherId = id }, new TestCallContext());
        Assert.Equal(StatusCode.FailedPrecondition, await StatusOf(() => usage.ResolvePresentationCode(new ResolvePresentationCodeRequest { Token = code.Token }, new TestCallContext())));
        Assert.Equal(id, (await usage.ResolvePresentationCode(new ResolvePresentationCodeRequest { Token = newer.Token }, new TestCallContext())).VoucherId);
        h.Clock.Advance(h.Options.Value.PresentationCodeLifetime);
        Assert.Equal(StatusCode.FailedPrecondition, await StatusOf(() => usage.ResolvePresentationCode(new ResolvePresentationCodeRequest { Token = newer.Token }, new TestCallContext())));
        Assert.Equal(StatusCode.NotFound, await StatusOf(() => usage.ResolvePresentationCode(new ResolvePresentationCodeRequest { Token = "nope" }, new TestCallContext())));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => usage.ResolvePresentationCode(new ResolvePresentationCodeRequest(), new TestCallContext())));
    }

    [Fact]
    public async Task Usage_calls_refuse_missing_ids_bad_ttls_and_unknown_vouchers()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        var id = (await IssueAsync(h, campaign, 1))[0];
        var usage = UsageAdapter(h);
        var ctx = new TestCallContext();

        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => usage.ListUsableVouchers(new ListUsableVouchersRequest(), ctx)));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => usage.LockVoucher(LockOf("", "l"), ctx)));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => usage.LockVoucher(LockOf(id, ""), ctx)));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => usage.LockVoucher(new LockVoucherRequest { VoucherId = id, LockId = "l", MerchantId = "m1" }, ctx)));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => usage.LockVoucher(new LockVoucherRequest { VoucherId = id, LockId = "l", MerchantId = "m1", Ttl = Duration.FromTimeSpan(TimeSpan.FromMinutes(6)) }, ctx)));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => usage.LockVoucher(LockOf(id, "l", new PersonIdentity { Phone = "13900000000" }), ctx)));
        Assert.Equal(StatusCode.NotFound, await StatusOf(() => usage.LockVoucher(LockOf("missing", "l"), ctx)));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => usage.ConsumeVoucher(ConsumeOf(id, "l", ""), ctx)));
        Assert.Equal(StatusCode.NotFound, await StatusOf(() => usage.ConsumeVoucher(ConsumeOf("missing", "l", "r"), ctx)));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => usage.ReleaseVoucher(new ReleaseVoucherRequest { VoucherId = id }, ctx)));
        Assert.Equal(StatusCode.NotFound, await StatusOf(() => usage.ReleaseVoucher(new ReleaseVoucherRequest { VoucherId = "missing", LockId = "l" }, ctx)));
        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(() => usage.ReinstateVoucher(new ReinstateVoucherRequest { VoucherId = id, RedemptionId = "r" }, ctx)));
        Assert.Equal(StatusCode.NotFound, await StatusOf(() => usage.ReinstateVoucher(new ReinstateVoucherRequest { VoucherId = "missing", RedemptionId = "r", ReversalId = "v" }, ctx)));
    }

    /// <summary>The usage service counting on a meter of its own; <paramref name="counted"/> collects the actions it counts.</summary>
    private static VoucherUsageGrpcService CountingUsage(Harness h, ServiceProvider services, MeterListener listener, ConcurrentBag<string> counted)
    {
        var metrics = new ClaimMetrics(services.GetRequiredService<IMeterFactory>());
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name == "claim.voucher.usage")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) => counted.Add(tags.ToArray().Single(t => t.Key == "action").Value!.ToString()!));
        listener.Start();
        return new(new global::Claim.Service.Usage.VoucherUsageService(new VoucherUsageStore(h.Fixture.DataSource), h.Identities, h.Clock, metrics));
    }

    private static async Task<ItemError> SingleCallError(Func<Task> call)
    {
        var status = (await Refusals.ThrowsAsync(call)).Status;
        return new ItemError { Code = (int)status.StatusCode, Message = status.Detail };
    }

    [Fact]
    public async Task A_lock_batch_answers_every_item_as_its_single_call_would_in_the_order_asked_and_changes_only_the_lockable_voucher()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        var ids = await IssueAsync(h, campaign, 3);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var listener = new MeterListener();
        var counted = new ConcurrentBag<string>();
        var usage = CountingUsage(h, services, listener, counted);
        await usage.LockVoucher(LockOf(ids[1], "other-attempt"), new TestCallContext());
        counted.Clear();

        var batch = new LockVouchersRequest
        {
            Items =
            {
                LockOf(ids[0], "lock-0", Person(1)),
                LockOf(ids[1], "lock-1"),
                LockOf(ids[2], "lock-2", Person(1)),
                LockOf("missing", "lock-3"),
                LockOf(ids[0], string.Empty),
            },
        };
        var results = (await usage.LockVouchers(batch, new TestCallContext())).Results;

        Assert.Equal(5, results.Count);
        Assert.Equal("lock-0", results[0].Answer.Lock.LockId);
        Assert.Equal(ids[0], results[0].Answer.Lock.Voucher.VoucherId);
        Assert.Equal(VoucherStatus.Locked, results[0].Answer.Lock.Voucher.Status);
        Assert.Equal(VoucherUnavailableReason.Locked, results[1].Answer.Unavailable.Reason);
        Assert.Equal(VoucherUnavailableReason.NotHolder, results[2].Answer.Unavailable.Reason);
        Assert.Equal(StatusCode.NotFound, (StatusCode)results[3].Error.Code);
        Assert.Equal(await SingleCallError(() => usage.LockVoucher(batch.Items[3], new TestCallContext())), results[3].Error);
        Assert.Equal(StatusCode.InvalidArgument, (StatusCode)results[4].Error.Code);
        Assert.Equal(await SingleCallError(() => usage.LockVoucher(batch.Items[4], new TestCallContext())), results[4].Error);
        Assert.Equal(1, await h.ScalarAsync($"SELECT count(*) FROM vouchers WHERE voucher_id = '{ids[0]}' AND lock_id = 'lock-0' AND status = 2"));
        Assert.Equal(1, await h.ScalarAsync($"SELECT count(*) FROM vouchers WHERE voucher_id = '{ids[1]}' AND lock_id = 'other-attempt'"));
        Assert.Equal(1, await h.ScalarAsync($"SELECT count(*) FROM vouchers WHERE voucher_id = '{ids[2]}' AND lock_id IS NULL AND status = 1"));
        Assert.Equal(["lock"], counted);
    }

    [Fact]
    public async Task Lock_items_naming_one_voucher_are_decided_in_order_so_another_lock_is_refused_and_the_same_lock_is_extended()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        var ids = await IssueAsync(h, campaign, 2);
        var usage = UsageAdapter(h);
        var longer = LockOf(ids[1], "lock-b");
        longer.Ttl = Duration.FromTimeSpan(TimeSpan.FromSeconds(90));

        var results = (await usage.LockVouchers(
            new LockVouchersRequest { Items = { LockOf(ids[0], "lock-a"), LockOf(ids[1], "lock-b"), LockOf(ids[0], "lock-other"), longer } },
            new TestCallContext())).Results;

        Assert.Equal("lock-a", results[0].Answer.Lock.LockId);
        Assert.Equal(VoucherUnavailableReason.Locked, results[2].Answer.Unavailable.Reason);
        Assert.Equal(results[0].Answer.Lock.Voucher.Version, results[2].Answer.Unavailable.Voucher.Version);
        Assert.Equal("lock-b", results[3].Answer.Lock.LockId);
        Assert.Equal(results[1].Answer.Lock.Voucher.Version + 1, results[3].Answer.Lock.Voucher.Version);
        Assert.Equal(h.Clock.GetUtcNow().AddSeconds(90), results[3].Answer.Lock.ExpiresAt.ToDateTimeOffset());
        Assert.Equal(1, await h.ScalarAsync($"SELECT count(*) FROM vouchers WHERE voucher_id = '{ids[0]}' AND lock_id = 'lock-a'"));
        Assert.Equal(
            h.Clock.GetUtcNow().AddSeconds(90).ToUnixTimeSeconds(),
            await h.ScalarAsync($"SELECT floor(extract(epoch FROM lock_expires_at))::bigint FROM vouchers WHERE voucher_id = '{ids[1]}'"));
        Assert.Equal(results[3].Answer.Lock.Voucher.Version, await h.ScalarAsync($"SELECT version FROM vouchers WHERE voucher_id = '{ids[1]}'"));
    }

    [Fact]
    public async Task A_consume_batch_consumes_the_held_voucher_returns_a_retried_one_and_refuses_a_wrong_lock_and_an_unknown_voucher_item_by_item()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        var ids = await IssueAsync(h, campaign, 3);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var listener = new MeterListener();
        var counted = new ConcurrentBag<string>();
        var usage = CountingUsage(h, services, listener, counted);
        foreach (var (id, n) in ids.Select((id, n) => (id, n)))
        {
            await usage.LockVoucher(LockOf(id, $"l{n}"), new TestCallContext());
        }

        var earlier = await usage.ConsumeVoucher(ConsumeOf(ids[1], "l1", "r1"), new TestCallContext());
        counted.Clear();

        var batch = new ConsumeVouchersRequest
        {
            Items = { ConsumeOf(ids[0], "l0", "r0"), ConsumeOf(ids[1], "l1", "r1"), ConsumeOf(ids[2], "not-l2", "r2"), ConsumeOf("missing", "l3", "r3") },
        };
        var results = (await usage.ConsumeVouchers(batch, new TestCallContext())).Results;

        Assert.Equal(4, results.Count);
        Assert.Equal(VoucherStatus.Used, results[0].Voucher.Status);
        Assert.Equal("r0", results[0].Voucher.Use.RedemptionId);
        Assert.Equal(VoucherStatus.Used, results[1].Voucher.Status);
        Assert.Equal("r1", results[1].Voucher.Use.RedemptionId);
        Assert.Equal(earlier.Version, results[1].Voucher.Version);
        Assert.Equal(StatusCode.FailedPrecondition, (StatusCode)results[2].Error.Code);
        Assert.Equal(await SingleCallError(() => usage.ConsumeVoucher(batch.Items[2], new TestCallContext())), results[2].Error);
        Assert.Equal(StatusCode.NotFound, (StatusCode)results[3].Error.Code);
        Assert.Equal(await SingleCallError(() => usage.ConsumeVoucher(batch.Items[3], new TestCallContext())), results[3].Error);
        Assert.Equal(2, await h.ScalarAsync("SELECT count(*) FROM voucher_consumptions"));
        Assert.Equal(1, await h.ScalarAsync($"SELECT count(*) FROM vouchers WHERE voucher_id = '{ids[2]}' AND lock_id = 'l2' AND status = 2"));
        Assert.Equal(1, await h.ScalarAsync($"SELECT count(*) FROM issuance_events WHERE voucher_id = '{ids[2]}'"));
        Assert.Equal(2, await h.ScalarAsync($"SELECT count(*) FROM issuance_events WHERE voucher_id = '{ids[0]}'"));
        Assert.Equal(["consume"], counted);
    }

    [Fact]
    public async Task A_brief_consume_batch_answers_a_consumed_item_with_only_its_id_status_and_version_and_a_refused_one_with_its_error()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        var ids = await IssueAsync(h, campaign, 2);
        var usage = UsageAdapter(h);
        var locked = await usage.LockVoucher(LockOf(ids[0], "l0"), new TestCallContext());

        var results = (await usage.ConsumeVouchers(
            new ConsumeVouchersRequest { Brief = true, Items = { ConsumeOf(ids[0], "l0", "r0"), ConsumeOf(ids[1], "l1", "r1") } }, new TestCallContext())).Results;

        Assert.Equal(new Voucher { VoucherId = ids[0], Status = VoucherStatus.Used, Version = locked.Lock.Voucher.Version + 1 }, results[0].Voucher);
        Assert.Equal(StatusCode.FailedPrecondition, (StatusCode)results[1].Error.Code);
        Assert.Equal(1, await h.ScalarAsync($"SELECT count(*) FROM voucher_consumptions WHERE redemption_id = 'r0' AND voucher_id = '{ids[0]}'"));
        Assert.Equal(locked.Lock.Voucher.Version + 1, await h.ScalarAsync($"SELECT version FROM vouchers WHERE voucher_id = '{ids[0]}'"));
    }

    [Fact]
    public async Task Consume_items_sharing_a_redemption_id_are_decided_in_order_so_only_the_first_voucher_is_consumed()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        var ids = await IssueAsync(h, campaign, 2);
        var usage = UsageAdapter(h);
        await usage.LockVoucher(LockOf(ids[0], "l0"), new TestCallContext());
        await usage.LockVoucher(LockOf(ids[1], "l1"), new TestCallContext());

        var results = (await usage.ConsumeVouchers(
            new ConsumeVouchersRequest { Items = { ConsumeOf(ids[0], "l0", "red-1"), ConsumeOf(ids[1], "l1", "red-1") } }, new TestCallContext())).Results;

        Assert.Equal(VoucherStatus.Used, results[0].Voucher.Status);
        Assert.Equal(StatusCode.FailedPrecondition, (StatusCode)results[1].Error.Code);
        Assert.Equal("redemption 'red-1' consumed another voucher", results[1].Error.Message);
        Assert.Equal(1, await h.ScalarAsync("SELECT count(*) FROM voucher_consumptions"));
    }

    [Fact]
    public async Task Batches_locking_the_same_vouchers_in_opposite_orders_at_once_give_each_voucher_to_exactly_one_lock()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 20)]);
        var ids = await IssueAsync(h, campaign, 12);
        var usage = UsageAdapter(h);

        var batches = await Task.WhenAll(Enumerable.Range(0, 8).Select(b => Task.Run(async () =>
        {
            var order = b % 2 == 0 ? ids : ids.AsEnumerable().Reverse();
            var request = new LockVouchersRequest();
            request.Items.Add(order.Select(id => LockOf(id, $"batch-{b}")));
            return (await usage.LockVouchers(request, new TestCallContext())).Results;
        })));

        var answers = batches.SelectMany(results => results).ToList();
        Assert.All(answers, result => Assert.Equal(LockVoucherResult.ResultOneofCase.Answer, result.ResultCase));
        Assert.Equal(ids.Count, answers.Count(result => result.Answer.ResultCase == LockVoucherResponse.ResultOneofCase.Lock));
        Assert.Equal(ids.Count, await h.ScalarAsync("SELECT count(*) FROM vouchers WHERE status = 2 AND lock_id LIKE 'batch-%'"));
    }

    [Fact]
    public async Task A_batch_that_the_server_picks_as_a_deadlock_victim_is_read_and_decided_again_and_its_items_still_lock()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 10)]);
        var ids = (await IssueAsync(h, campaign, 2)).Order(StringComparer.Ordinal).ToList();
        var usage = UsageAdapter(h);
        await using var other = await h.Fixture.DataSource.OpenConnectionAsync();
        await using var otherTransaction = await other.BeginTransactionAsync();
        async Task RowLockAsync(string id)
        {
            await using var command = new Npgsql.NpgsqlCommand("SELECT 1 FROM vouchers WHERE voucher_id = @id FOR UPDATE", other, otherTransaction);
            command.Parameters.AddWithValue("id", id);
            await command.ExecuteScalarAsync();
        }

        // The other writer holds the second voucher; the batch takes the first and waits for the second.
        await RowLockAsync(ids[1]);
        var batch = usage.LockVouchers(new LockVouchersRequest { Items = { LockOf(ids[1], "lock-b"), LockOf(ids[0], "lock-a") } }, new TestCallContext());
        while (await h.ScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 0)
        {
            await Task.Delay(10);
        }

        // Now the other writer wants the first: a cycle. The batch has waited longer, so it is the one the server aborts.
        await RowLockAsync(ids[0]);
        await otherTransaction.CommitAsync();
        var results = (await batch).Results;

        Assert.All(results, result => Assert.Equal(LockVoucherResponse.ResultOneofCase.Lock, result.Answer?.ResultCase));
        Assert.Equal(2, await h.ScalarAsync("SELECT count(*) FROM vouchers WHERE status = 2"));
    }

    [Fact]
    public async Task Batch_calls_refuse_no_items_and_more_than_256_with_invalid_argument()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var usage = UsageAdapter(h);
        var tooManyLocks = new LockVouchersRequest();
        tooManyLocks.Items.Add(Enumerable.Range(0, 257).Select(i => LockOf($"v{i}", "l")));
        var tooManyConsumes = new ConsumeVouchersRequest();
        tooManyConsumes.Items.Add(Enumerable.Range(0, 257).Select(i => ConsumeOf($"v{i}", "l", $"r{i}")));

        var emptyLocks = await Refusals.ThrowsAsync(() => usage.LockVouchers(new LockVouchersRequest(), new TestCallContext()));
        var emptyConsumes = await Refusals.ThrowsAsync(() => usage.ConsumeVouchers(new ConsumeVouchersRequest(), new TestCallContext()));
        var overLocks = await Refusals.ThrowsAsync(() => usage.LockVouchers(tooManyLocks, new TestCallContext()));
        var overConsumes = await Refusals.ThrowsAsync(() => usage.ConsumeVouchers(tooManyConsumes, new TestCallContext()));

        Assert.All([emptyLocks, emptyConsumes, overLocks, overConsumes], refusal => Assert.Equal(StatusCode.InvalidArgument, refusal.StatusCode));
        Assert.Equal("items must hold 1 to 256 vouchers; this request holds 0", emptyLocks.Status.Detail);
        Assert.Equal("items must hold 1 to 256 vouchers; this request holds 257", overConsumes.Status.Detail);
    }
}
