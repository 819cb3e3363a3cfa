using TestSupport;
using System.Net;
using System.Net.Sockets;
using Claim.Service.HotPath;
using Spectre.Console;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace VoucherCtl.Tests;

/// <summary>voucherctl run in-process against a real Claim service (real Redis, real PostgreSQL) hosted in the test.</summary>
public sealed class ClaimReconcileCommandTests(ClaimServiceFixture fixture) : IClassFixture<ClaimServiceFixture>
{
    private static readonly string OperatorToken = TestTokens.For(new Vouchers.Common.V1.Actor { ActorId = "op-7", Role = Vouchers.Common.V1.ActorRole.Operator });

    private static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 240;
        // Every command goes with an operator's token (op-7), as an operator's shell would have it.
        var exit = await VoucherCtlApp.RunAsync([.. args, "--token", OperatorToken], console, CancellationToken.None);
        return (exit, writer.ToString());
    }

    /// <summary>A campaign of 20 vouchers, 5 claimed and stored in claimdb by the service's persister.</summary>
    private static async Task<Vouchers.Campaign.V1.CampaignSnapshot> ClaimFiveAsync(ClaimServiceHost host)
    {
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 20)]);
        host.Catalog.Apply(campaign);
        for (var i = 1; i <= 5; i++)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    Assert.NotNull((await host.Engine.ClaimAsync(ClaimFor(campaign, Person(i), "t50", requestId: $"req-{i}"))).Voucher);
                    break;
                }
                catch (global::Grpc.Core.RpcException ex) when (ex.StatusCode == global::Grpc.Core.StatusCode.Unavailable && attempt < 100)
                {
                    await Task.Delay(100);
                }
            }
        }

        await host.WaitForStoredAsync(5);
        return campaign;
    }

    [Fact]
    public async Task A_consistent_campaign_reports_clean_and_exits_0()
    {
        await using var host = await fixture.StartAsync(Opens.AddMinutes(1));
        var campaign = await ClaimFiveAsync(host);

        var (exit, output) = await RunAsync("claim", "reconcile", "--address", host.Address, "--campaign", campaign.CampaignId);

        Assert.Equal(ExitCodes.Clean, exit);
        Assert.Contains("Clean", output, StringComparison.Ordinal);
        Assert.Contains(campaign.CampaignId, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_voucher_missing_from_claimdb_is_reported_then_repaired_and_the_next_run_is_clean()
    {
        await using var host = await fixture.StartAsync(Opens.AddMinutes(1));
        var campaign = await ClaimFiveAsync(host);
        await using (var delete = fixture.DataSource.CreateCommand("DELETE FROM vouchers WHERE request_id = 'req-3'"))
        {
            Assert.Equal(1, await delete.ExecuteNonQueryAsync());
        }

        var report = await RunAsync("claim", "reconcile", "--address", host.Address, "--campaign", campaign.CampaignId);
        var repair = await RunAsync("claim", "reconcile", "--address", host.Address, "--campaign", campaign.CampaignId, "--repair", "--actor", "op-7");
        var again = await RunAsync("claim", "reconcile", "--address", host.Address, "--campaign", campaign.CampaignId);

        Assert.Equal(ExitCodes.DifferencesFound, report.Exit);
        Assert.Contains("not in claimdb", report.Output, StringComparison.Ordinal);
        Assert.Contains("1 difference(s) found", report.Output, StringComparison.Ordinal);
        Assert.Contains("run with --repair", report.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.DifferencesFound, repair.Exit);
        Assert.Contains("1 repaired", repair.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Clean, again.Exit);
        Assert.Equal(5, await host.ScalarAsync("SELECT count(*) FROM vouchers"));
    }

    [Fact]
    public async Task A_lowered_limit_counter_and_issuance_counter_are_reported_and_raised_by_repair()
    {
        await using var host = await fixture.StartAsync(Opens.AddMinutes(1));
        var campaign = await ClaimFiveAsync(host);
        var cell = RedisKeys.Cell("r1", "t50", string.Empty, string.Empty);
        await host.Redis.HashSetAsync(RedisKeys.Stats(campaign.CampaignId), cell, 3);
        await host.Redis.StringIncrementAsync(RedisKeys.Stock(campaign.CampaignId, cell), 2);
        await host.Redis.ScriptEvaluateAsync("local k = redis.call('KEYS', ARGV[1]) redis.call('DEL', k[1]) return #k", [], ["lim:*"]);

        var report = await RunAsync("claim", "reconcile", "--address", host.Address, "--campaign", campaign.CampaignId);
        var repair = await RunAsync("claim", "reconcile", "--address", host.Address, "--campaign", campaign.CampaignId, "--repair");
        var again = await RunAsync("claim", "reconcile", "--address", host.Address, "--campaign", campaign.CampaignId);
        var stock = await RunAsync("claim", "stock", "--address", host.Address, "--campaign", campaign.CampaignId);

        Assert.Equal(ExitCodes.DifferencesFound, report.Exit);
        Assert.Contains("issuance counter behind", report.Output, StringComparison.Ordinal);
        Assert.Contains("limit counter behind", report.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.DifferencesFound, repair.Exit);
        Assert.Equal(ExitCodes.Clean, again.Exit);
        Assert.Equal(ExitCodes.Clean, stock.Exit);
        Assert.Matches(@"r1\s*│\s*t50\s*│\s*-\s*│\s*-\s*│\s*50\.00\s*│\s*20\s*│\s*5\s*│\s*15\s*│\s*0", stock.Output);
    }

    [Fact]
    public async Task Usage_errors_exit_2_and_an_unreachable_service_exits_3()
    {
        await using var host = await fixture.StartAsync(Opens.AddMinutes(1));
        var closedPort = FreePorts.Next();

        var noCampaign = await RunAsync("claim", "reconcile", "--address", host.Address);
        var badAddress = await RunAsync("claim", "reconcile", "--address", "not-an-address", "--campaign", "c1");
        var unknownCampaign = await RunAsync("claim", "reconcile", "--address", host.Address, "--campaign", "no-such-campaign");
        var unreachable = await RunAsync("claim", "reconcile", "--address", $"http://127.0.0.1:{closedPort}", "--campaign", "c1", "--timeout", "10");

        Assert.Equal(ExitCodes.UsageError, noCampaign.Exit);
        Assert.Contains("--campaign", noCampaign.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, badAddress.Exit);
        Assert.Equal(ExitCodes.UsageError, unknownCampaign.Exit);
        Assert.Contains("NotFound", unknownCampaign.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Unreachable, unreachable.Exit);
        Assert.Contains("cannot be reached", unreachable.Output, StringComparison.Ordinal);
    }
}
