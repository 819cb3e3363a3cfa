using System.CommandLine;
using Grpc.Core;
using Spectre.Console;

namespace VoucherCtl;

/// <summary>The command tree; <see cref="RunAsync"/> is the whole program, so tests run it in-process against a console they read back.</summary>
public static class VoucherCtlApp
{
    /// <summary>Where the Claim service is found when <c>--address</c> is not given (the variable the app host sets for its services).</summary>
    public const string ClaimAddressVariable = "services__claim__grpc__0";

    /// <summary>Where the operator's access token is found when <c>--token</c> is not given (README: getting a token).</summary>
    public const string TokenVariable = "VOUCHER_ACCESS_TOKEN";

    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        var root = Build(console);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {error.Message}");
            }

            console.WriteLine("Run 'voucherctl --help' for usage.");
            return ExitCodes.UsageError;
        }

        var output = new StringWriter();
        var exit = await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = output }, cancellationToken);
        if (output.GetStringBuilder().Length > 0)
        {
            // Help text is laid out by System.CommandLine already; written as is, not re-wrapped.
            console.Profile.Out.Writer.Write(output.ToString());
        }

        return exit;
    }

    private static RootCommand Build(IAnsiConsole console)
    {
        var address = new Option<string>("--address")
        {
            Description = $"The Claim service's gRPC address, e.g. http://127.0.0.1:5081 (default: ${ClaimAddressVariable})",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ClaimAddressVariable) ?? string.Empty,
        };
        var campaign = new Option<string>("--campaign") { Description = "The campaign id", Required = true };
        var actor = new Option<string>("--actor")
        {
            Description = "Operator id recorded as the actor of the call; it must be the token's own (default: the token's subject)",
            DefaultValueFactory = _ => string.Empty,
        };
        var accessToken = new Option<string>("--token")
        {
            Description = $"An operator's (or auditor's, for reading) access token from the gateway's token endpoint (default: ${TokenVariable})",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(TokenVariable) ?? string.Empty,
        };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for the service's answer",
            DefaultValueFactory = _ => 120,
        };
        var repair = new Option<bool>("--repair") { Description = "Also repair what can be repaired (needs an operator actor)" };
        var round = new Option<string>("--round") { Description = "Only this round (default: all rounds)" };

        var reconcile = new Command("reconcile", "Compare Redis counters, the issued stream and claimdb for one campaign; exit 1 when they differ")
        {
            address, campaign, repair, actor, accessToken, timeout,
        };
        reconcile.SetAction((parse, token) => ClaimCommands.ReconcileAsync(
            console,
            new ClaimTarget(parse.GetValue(address)!, parse.GetValue(campaign)!, parse.GetValue(actor)!, parse.GetValue(accessToken)!, parse.GetValue(timeout)),
            parse.GetValue(repair),
            token));

        var stock = new Command("stock", "Stock per allocation cell (total, claimed, remaining, returned) and issuance per channel")
        {
            address, campaign, round, actor, accessToken, timeout,
        };
        stock.SetAction((parse, token) => ClaimCommands.StockAsync(
            console,
            new ClaimTarget(parse.GetValue(address)!, parse.GetValue(campaign)!, parse.GetValue(actor)!, parse.GetValue(accessToken)!, parse.GetValue(timeout)),
            parse.GetValue(round) ?? string.Empty,
            token));

        var claim = new Command("claim", "Claim service operations") { reconcile, stock };
        return new RootCommand("voucherctl: operator commands for the consumption-voucher services") { claim };
    }
}

/// <summary>Where a claim command goes and as whom.</summary>
public sealed record ClaimTarget(string Address, string CampaignId, string ActorId, string AccessToken, int TimeoutSeconds)
{
    public DateTime Deadline => DateTime.UtcNow.AddSeconds(Math.Max(1, TimeoutSeconds));

    /// <summary>The actor the request names: none (the service takes the token's) unless --actor said one.</summary>
    public Vouchers.Common.V1.Actor? Actor =>
        string.IsNullOrWhiteSpace(ActorId) ? null : new() { ActorId = ActorId, Role = Vouchers.Common.V1.ActorRole.Operator, DisplayName = ActorId };

    public Metadata Headers => new() { { "Authorization", "Bearer " + AccessToken } };

    /// <summary>The reason the target cannot be used, or null.</summary>
    public string? Problem() =>
        string.IsNullOrWhiteSpace(Address) ? $"--address is required (or set {VoucherCtlApp.ClaimAddressVariable})"
        : !Uri.TryCreate(Address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") ? $"--address '{Address}' is not an http:// or https:// address"
        : string.IsNullOrWhiteSpace(CampaignId) ? "--campaign must not be empty"
        : string.IsNullOrWhiteSpace(AccessToken) ? $"--token is required (or set {VoucherCtlApp.TokenVariable}): every call needs an operator's access token"
        : null;

    public static int ExitCodeFor(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.StatusCode switch
        {
            StatusCode.Unavailable or StatusCode.DeadlineExceeded => ExitCodes.Unreachable,
            StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.PermissionDenied or StatusCode.Unauthenticated or StatusCode.FailedPrecondition => ExitCodes.UsageError,
            _ => ExitCodes.ServiceError,
        };
    }
}
