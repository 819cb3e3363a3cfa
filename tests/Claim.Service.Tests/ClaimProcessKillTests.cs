extern alias campaigntests;

using System.Collections.Concurrent;
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

        ServiceProcess? first = null, second = null;
        try
        {
            first = Start(campaigns);
            var channels = new ClaimService.ClaimServiceClient(first.Channel.WithActorTokens());
            var answers = new ClaimOutcome?[Claims];
            answers[0] = await RetryUntilAnsweredAsync(first, requests[0]);

            var cutOff = new ConcurrentDictionary<StatusCode, int>();
            var pendingAtKill = 0L;
            var answered = 1;
            var next = 0;
            var stream = fixture.Connection.GetDatabase();
            var killer = Task.Run(async () =>
            {
                // Killed mid-flight: after a third of the answers, at a moment when the persister holds entries it read
                // from the stream and has not acknowledged (they are on their way to claimdb, or just written).
                while (Volatile.Read(ref answered) < Claims / 3
                    || (pendingAtKill = (await stream.StreamPendingAsync(Defaults.IssuedStreamKey, Defaults.PersisterGroup)).PendingMessageCount) == 0)
                {
                    await Task.Delay(1);
                }

                first.Kill();
            });
            await Task.WhenAll(Enumerable.Range(0, Channels).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < Claims)
                {
                    try
                    {
                        answers[i] = await channels.ClaimVoucherAsync(requests[i], deadline: DateTime.UtcNow.AddSeconds(20));
                        Interlocked.Increment(ref answered);
                    }
                    catch (RpcException ex)
                    {
                        cutOff.AddOrUpdate(ex.StatusCode, 1, (_, n) => n + 1);
                    }
                }
            })));
            await killer;
            var beforeKill = answers.Count(a => a is not null);
            var storedAtKill = await StoredAsync(campaign.Id);
            output.WriteLine($"answered before the kill: {beforeKill}; cut off or refused by the dead process: {string.Join(", ", cutOff.Select(c => $"{c.Key}={c.Value}"))}; "
                + $"stream entries read but not acknowledged: {pendingAtKill}; vouchers in claimdb: {storedAtKill}");
            Assert.True(beforeKill < Claims, "the kill came after every claim was answered");
            Assert.True(cutOff.Values.Sum() > 0, "no call was cut off by the kill");

            second = Start(campaigns);
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

            Assert.Equal(0, (await stream.StreamPendingAsync(Defaults.IssuedStreamKey, Defaults.PersisterGroup)).PendingMessageCount);
        }
        catch when (first is not null || second is not null)
        {
            output.WriteLine($"first process:\n{first?.Tail}\nsecond process:\n{second?.Tail}");
            throw;
        }
        finally
        {
            first?.Dispose();
            second?.Dispose();
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

    private Task<long> StoredAsync(string campaignId) =>
        ScalarAsync("SELECT count(*) FROM vouchers WHERE campaign_id = @c", campaignId);

    private async Task<long> ScalarAsync(string sql, string campaignId)
    {
        await using var command = fixture.DataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("c", campaignId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A channel retrying with the same request id, as the contract tells it to, while the new copy starts and learns the campaign.</summary>
    private static async Task<ClaimOutcome> RetryUntilAnsweredAsync(ServiceProcess process, ClaimVoucherRequest request)
    {
        var claims = new ClaimService.ClaimServiceClient(process.Channel.WithActorTokens());
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return await claims.ClaimVoucherAsync(request, deadline: DateTime.UtcNow.AddSeconds(20));
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.NotFound && DateTime.UtcNow < deadline)
            {
                Assert.False(process.HasExited, $"the Claim process exited:\n{process.Tail}");
                await Task.Delay(100);
            }
        }
    }
}
