extern alias campaigntests;

using Grpc.Core;
using Redemption.Service.Tests.Infrastructure;
using TestSupport;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using Xunit.Abstractions;
using static Redemption.Service.Tests.Infrastructure.Scenes;
using Seeds = campaigntests::Campaign.Service.Tests.Seeds;

namespace Redemption.Service.Tests;

/// <summary>
/// The Redemption process killed with SIGKILL while it redeems for sixteen tills and channels at once (named vouchers,
/// auto-pick and presentation codes in turn), then started again: every
/// voucher ends up redeemed exactly once with the answer its till was given (a retry with the same key gets that answer),
/// or was never redeemed and redeems on the retry; none stays locked, none is consumed twice or lost.
/// </summary>
public sealed class RedemptionProcessKillTests(ITestOutputHelper output)
{
    private const int Vouchers = 240;
    private const int Tills = 16;

    [Fact]
    public async Task A_Redemption_process_killed_mid_load_leaves_every_voucher_redeemed_once_with_its_answer_or_usable_and_retries_converge()
    {
        var world = new RedemptionWorld { WithSettlement = false };
        await world.InitializeAsync();
        using var copies = new KilledAndRestarted();
        try
        {
            // Campaign and Claim run on the world's clock, the killed process on the wall clock: the campaign runs now.
            var now = DateTimeOffset.UtcNow;
            var (campaignId, shop) = await RunningCampaignAsync(world, now);
            var holders = new (PersonIdentity Person, Voucher Voucher)[Vouchers];
            await Parallel.ForEachAsync(Enumerable.Range(0, Vouchers), new ParallelOptions { MaxDegreeOfParallelism = Tills }, async (i, _) =>
            {
                var person = Person(RedemptionWorld.NextSeed());
                holders[i] = (person, await ClaimAsync(world, campaignId, person, "t-20"));
            });
            // Every way a voucher reaches the till, in turn: a channel naming it, a channel applying the person's voucher
            // by itself (auto-pick), a cashier scanning the person's presentation code.
            var requests = new RedeemRequest[Vouchers];
            for (var i = 0; i < Vouchers; i++)
            {
                var (person, voucher) = holders[i];
                requests[i] = (i % 3) switch
                {
                    0 => Named(shop, person, voucher.VoucherId, 15000, "supermarket"),
                    1 => ThroughChannel(shop, person, 15000, "supermarket", campaignId),
                    _ => AtTill(shop, await CodeAsync(world, person, voucher.VoucherId), 15000, "supermarket"),
                };
            }

            // Only the process under test may finish or undo attempts: the world's own copy stops here.
            await world.Redemption.DisposeAsync();
            var first = copies.Killed = RedemptionProcess.Start(world);
            await WaitUntilRedeemingAsync(first, requests[0]);
            var tills = first.Redemptions();

            // Killed mid-flight: after a third of the answers, at a moment when several attempts are open in redemptiondb
            // (begun, maybe recorded, not yet ended), so recovery has work the dead process left.
            var load = await MidFlightKill.RunAsync(
                Vouchers,
                Tills,
                i => tills.RedeemAsync(requests[i], deadline: DateTime.UtcNow.AddSeconds(20)).ResponseAsync,
                async () => await world.ScalarAsync("SELECT count(*) FROM redemption_attempts") >= 4,
                first.Kill);
            var answers = load.Answers;
            var beforeKill = load.Answered;
            var stranded = await world.ScalarAsync("SELECT count(*) FROM redemption_attempts");
            var recorded = await world.ScalarAsync("SELECT count(*) FROM redemptions WHERE campaign_id = @c", ("c", campaignId));
            output.WriteLine($"{load.Describe()}; attempts left open by the kill: {stranded}, redemptions recorded: {recorded}");
            Assert.True(beforeKill < Vouchers, "the kill came after every redemption was answered");
            Assert.True(load.Failed.Values.Sum() > 0, "no call was cut off by the kill");
            Assert.True(stranded > 0, "the kill left no attempt open, so recovery had nothing to finish or undo");

            var second = copies.Restarted = RedemptionProcess.Start(world);
            var replayed = 0;
            for (var i = 0; i < Vouchers; i++)
            {
                if (answers[i] is null)
                {
                    var request = requests[i];
                    answers[i] = await MidFlightKill.RetryUntilAnsweredAsync(
                        second, () => second.Redemptions().RedeemAsync(request, deadline: DateTime.UtcNow.AddSeconds(20)).ResponseAsync, StatusCode.Unavailable);
                    replayed += answers[i]!.Replayed ? 1 : 0;
                }
            }

            output.WriteLine($"retried after the restart: {Vouchers - beforeKill}, of which {replayed} had been recorded before the kill (replayed)");
            for (var i = 0; i < Vouchers; i++)
            {
                Assert.True(answers[i]!.ResultCase == RedeemOutcome.ResultOneofCase.Redemption, $"voucher {holders[i].Voucher.VoucherId} ({requests[i].VoucherSourceCase}) was refused on retry: {answers[i]!.Refusal}");
                Assert.Equal(holders[i].Voucher.VoucherId, answers[i]!.Redemption.VoucherId);
            }

            // Recovery consumes what was recorded before the kill; nothing stays pending or locked.
            await MidFlightKill.EventuallyAsync(async () => await world.ScalarAsync("SELECT count(*) FROM redemption_attempts") == 0, "attempts left after recovery");
            Assert.Equal(Vouchers, await world.ScalarAsync("SELECT count(*) FROM redemptions WHERE campaign_id = @c AND status <> 2", ("c", campaignId)));
            Assert.Equal(Vouchers, await world.ScalarAsync("SELECT count(DISTINCT voucher_id) FROM redemptions WHERE campaign_id = @c AND status <> 2", ("c", campaignId)));
            for (var i = 0; i < Vouchers; i++)
            {
                var (person, voucher) = holders[i];
                var expected = answers[i]!.Redemption.RedemptionId;
                Voucher seen = null!;
                await MidFlightKill.EventuallyAsync(
                    async () => (seen = await world.Claims.GetVoucherAsync(new GetVoucherRequest { Person = person, VoucherId = voucher.VoucherId }, deadline: RedemptionWorld.Deadline)).Status == VoucherStatus.Used,
                    $"voucher {voucher.VoucherId} never became USED");
                Assert.Equal(expected, seen.Use.RedemptionId);
                Assert.Equal(1, await world.ScalarAsync("SELECT count(*) FROM redemptions WHERE redemption_id = @r AND voucher_id = @v AND status <> 2", ("r", expected), ("v", voucher.VoucherId)));
            }
        }
        catch
        {
            output.WriteLine(copies.Tails);
            throw;
        }
        finally
        {
            // The copies hold connections to the world's databases, which go with the world.
            copies.Dispose();
            await world.DisposeAsync();
        }
    }

    /// <summary>A campaign running now on the wall clock (the killed process reads it), with a shop enrolled.</summary>
    private static async Task<(string CampaignId, Shop Shop)> RunningCampaignAsync(RedemptionWorld world, DateTimeOffset now)
    {
        var campaign = await Seeds.ConfigureRunningAtAsync(world.Campaign.Campaigns, world.Clock, now, Vouchers + 10, "supermarket");
        await world.WaitForRedemptionToSeeAsync(campaign.Id, view => view.Terms.Running);
        return (campaign.Id, await ShopAsync(world, campaign.Id, "supermarket"));
    }

    /// <summary>The new process answers once it has the campaign's snapshot and the shop: a quote picks the voucher.</summary>
    private static async Task WaitUntilRedeemingAsync(ServiceProcess process, RedeemRequest sample)
    {
        var quote = new QuoteRedemptionRequest { Actor = sample.Actor, MerchantId = sample.MerchantId, Order = sample.Order, VoucherId = sample.VoucherId, Person = sample.Person };
        await MidFlightKill.EventuallyAsync(
            async () =>
            {
                Assert.False(process.HasExited, $"the Redemption process exited:\n{process.Tail}");
                try
                {
                    return (await process.Redemptions().QuoteRedemptionAsync(quote, deadline: DateTime.UtcNow.AddSeconds(5))).Best is not null;
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.NotFound or StatusCode.FailedPrecondition or StatusCode.DeadlineExceeded)
                {
                    return false;
                }
            },
            "the Redemption process never became ready");
    }

}
