extern alias campaigntests;

using Claim.Service.HotPath;
using Claim.Service.Tests.Infrastructure;
using Grpc.Core;
using TestSupport;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Xunit.Abstractions;
using CampaignServiceHost = campaigntests::Campaign.Service.Tests.CampaignServiceHost;
using Seeds = campaigntests::Campaign.Service.Tests.Seeds;

namespace Claim.Service.Tests;

/// <summary>
/// The Claim process killed with SIGKILL while sixteen channels claim at once and its persister is between reading a
/// batch from the issued stream and acknowledging it, then started again: every voucher granted before the kill reaches
/// claimdb (the new copy takes over what the dead one had read), a retry with the same request id gets the voucher
/// first granted, and no request id holds two vouchers.
/// </summary>
[Collection(ClaimCollection.Name)]
public sealed class ClaimProcessKillTests(ClaimFixture fixture, ITestOutputHelper output)
{
    private const int Claims = 600;
    private const int Channels = 16;
    private const string IdentitySecret = "claim-kill-identity-secret-0123";
    private static readonly ClaimOptions Defaults = new();

    [Fact]
    public async Task A_Claim_process_killed_mid_load_loses_no_granted_voucher_and_retries_get_the_first_answer()
    {
        var now = DateTimeOffset.UtcNow;
        await fixture.ResetAsync(now);
        var clock = new TestClock(now);
        await using var campaignDatabase = await SharedPostgres.CreateDatabaseAsync("claim_kill_campaign");
        await using var campaigns = await CampaignServiceHost.StartAsync(campaignDatabase.ConnectionString, clock);
        var campaign = await Seeds.ConfigureRunningAtAsync(campaigns.Campaigns, clock, now, Claims + 10, "supermarket");
        var requests = Enumerable.Range(0, Claims).Select(n => new ClaimVoucherRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            CampaignId = campaign.Id,
            TierId = "t-20",
            Person = new PersonIdentity { ChannelId = "unionpay", ChannelAccountId = $"kill-{n}", Phone = $"139{n:00000000}", DisplayName = "张*" },
        }).ToArray();

        using var copies = new KilledAndRestarted();
        try
        {
            var first = copies.Killed = Start(campaigns);
            var channels = new ClaimService.ClaimServiceClient(first.Channel.WithActorTokens());
            var answers = new ClaimOutcome?[Claims];
            answers[0] = await RetryUntilAnsweredAsync(first, requests[0]);

            // The persister is at work (it wrote the first voucher) before the load starts, so the kill can find it mid-batch.
            await MidFlightKill.EventuallyAsync(async () => await StoredAsync(campaign.Id) == 1, "the first voucher never reached claimdb");

            var stream = fixture.Connection.GetDatabase();
            var pendingAtKill = 0L;

            // Killed mid-flight: after a third of the answers, at a moment when the persister holds entries it read from
            // the stream and has not acknowledged (they are on their way to claimdb, or just written).
            var load = await MidFlightKill.RunAsync(
                Claims - 1,
                Channels,
                i => channels.ClaimVoucherAsync(requests[i + 1], deadline: DateTime.UtcNow.AddSeconds(20)).ResponseAsync,
                async () => (pendingAtKill = await PendingAsync(stream)) > 0,
                first.Kill);
            load.Answers.CopyTo(answers, 1);
            var beforeKill = load.Answered + 1;
            var storedAtKill = await StoredAsync(campaign.Id);
            output.WriteLine($"{load.Describe()}; stream entries read but not acknowledged: {pendingAtKill}; vouchers in claimdb: {storedAtKill}");
            Assert.True(beforeKill < Claims, "the kill came after every claim was answered");
            Assert.True(load.Failed.Values.Sum() > 0, "no call was cut off by the kill");

            var second = copies.Restarted = Start(campaigns);
            var replayed = 0;
            for (var i = 0; i < Claims; i++)
            {
                if (answers[i] is null)
                {
                    answers[i] = await RetryUntilAnsweredAsync(second, requests[i]);
                    replayed += answers[i]!.Replayed ? 1 : 0;
                }
            }

            output.WriteLine($"retried after the restart: {Claims - beforeKill}, of which {replayed} had been granted before the kill (replayed)");
            for (var i = 0; i < Claims; i++)
            {
                Assert.True(answers[i]!.Voucher is not null, $"request {i} was refused: {answers[i]!.Refusal}");
            }

            // What the dead copy read and never acknowledged is taken over by the new one; claimdb ends with exactly the
            // vouchers the channels were given, one per request id.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (await StoredAsync(campaign.Id) < Claims && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            var stored = new Dictionary<string, string>(StringComparer.Ordinal);
            await using (var command = fixture.DataSource.CreateCommand("SELECT request_id, voucher_id FROM vouchers WHERE campaign_id = @c"))
            {
                command.Parameters.AddWithValue("c", campaign.Id);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    Assert.True(stored.TryAdd(reader.GetString(0), reader.GetString(1)), $"request id {reader.GetString(0)} holds two vouchers");
                }
            }

            Assert.Equal(Claims, stored.Count);
            for (var i = 0; i < Claims; i++)
            {
                Assert.Equal(answers[i]!.Voucher.VoucherId, stored[requests[i].RequestId]);
            }

            Assert.Equal(0, await PendingAsync(stream));
        }
        catch
        {
            output.WriteLine(copies.Tails);
            throw;
        }
    }

    /// <summary>Claim as its own process on the fixture's Redis and claimdb; a dead consumer's entries are taken over after 2 s (15 s in production).</summary>
    private ServiceProcess Start(CampaignServiceHost campaigns) => ServiceProcess.Start("Claim.Service", new Dictionary<string, string?>
    {
        ["ConnectionStrings:claimdb"] = fixture.Database.ConnectionString,
        ["ConnectionStrings:redis"] = fixture.Redis.EndPoint,
        ["services:campaign:grpc:0"] = campaigns.Address,
        ["Claim:IdentitySecret"] = IdentitySecret,
        ["Claim:PersisterTakeoverIdle"] = "00:00:02",
    });

    /// <summary>Stream entries a persister read and has not acknowledged; none while the persister has not created its group yet.</summary>
    private static async Task<long> PendingAsync(StackExchange.Redis.IDatabase stream)
    {
        try
        {
            return (await stream.StreamPendingAsync(Defaults.IssuedStreamKey, Defaults.PersisterGroup)).PendingMessageCount;
        }
        catch (StackExchange.Redis.RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
        {
            return 0;
        }
    }

    private Task<long> StoredAsync(string campaignId) =>
        ScalarAsync("SELECT count(*) FROM vouchers WHERE campaign_id = @c", campaignId);

    private async Task<long> ScalarAsync(string sql, string campaignId)
    {
        await using var command = fixture.DataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("c", campaignId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A channel retrying with the same request id while the copy answers UNAVAILABLE (starting, or still loading the campaigns).</summary>
    private static Task<ClaimOutcome> RetryUntilAnsweredAsync(ServiceProcess process, ClaimVoucherRequest request) =>
        MidFlightKill.RetryUntilAnsweredAsync(
            process,
            () => new ClaimService.ClaimServiceClient(process.Channel.WithActorTokens()).ClaimVoucherAsync(request, deadline: DateTime.UtcNow.AddSeconds(20)).ResponseAsync,
            StatusCode.Unavailable);

}
