using System.Diagnostics;
using Claim.Service.HotPath;
using Microsoft.Extensions.DependencyInjection;
using TestCampaigns = Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace Gateway.Tests;

/// <summary>An outside channel on another gRPC stack (Debian's python3-grpcio, tests/interop/channel_claim.py) claims through the gateway.</summary>
public sealed class PythonChannelTests(GatewayWorld world) : IClassFixture<GatewayWorld>
{
    [Fact]
    public async Task A_grpcio_channel_gets_a_token_from_the_token_endpoint_and_claims_a_voucher_through_the_gateway()
    {
        var campaign = TestCampaigns.Campaign([TestCampaigns.Tier("t20", 2000, 6000)], [TestCampaigns.Cell("t20", 3)]);
        world.ClaimApp.Services.GetRequiredService<CampaignCatalog>().Apply(campaign);

        var (exit, output) = await RunAsync(
            "channel_claim.py",
            "--gateway", world.Gateway.Address.ToString(),
            "--client_id", "channel-unionpay",
            "--client_secret", GatewayHost.Secret,
            "--campaign", campaign.CampaignId,
            "--tier", "t20",
            "--account", "py-acct-1",
            "--phone", "13900000777");

        Assert.True(exit == 0, output);
        Assert.Matches(@"^voucher \S+ 2000 unionpay$", output.Trim());
    }

    internal static async Task<(int Exit, string Output)> RunAsync(string script, params string[] arguments)
    {
        var directory = Path.Combine(RepositoryRoot(), "tests", "interop");
        var start = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(directory, script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Microservices.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (Microservices.sln) is not above the test binaries");
    }
}
