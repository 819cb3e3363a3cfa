using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;
using Vouchers.Claim.V1;

namespace VoucherCtl;

/// <summary>The <c>voucherctl claim …</c> commands: one admin call each, printed for an operator.</summary>
public static class ClaimCommands
{
    private const int ListedIssues = 50;

    public static async Task<int> ReconcileAsync(IAnsiConsole console, ClaimTarget target, bool repair, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(target);
        var report = await CallAsync(console, target, (client, deadline) => client.ReconcileCampaignAsync(
            new ReconcileCampaignRequest { Actor = target.Actor, CampaignId = target.CampaignId, Repair = repair },
            target.Headers,
            deadline,
            cancellationToken).ResponseAsync);
        if (report.Value is not { } found)
        {
            return report.ExitCode;
        }

        PrintReconciliation(console, found, repair);
        return found.IssueCount == 0 ? ExitCodes.Clean : ExitCodes.DifferencesFound;
    }

    public static async Task<int> StockAsync(IAnsiConsole console, ClaimTarget target, string roundId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(target);
        var status = await CallAsync(console, target, (client, deadline) => client.GetStockStatusAsync(
            new GetStockStatusRequest { Actor = target.Actor, CampaignId = target.CampaignId, RoundId = roundId ?? string.Empty },
            target.Headers,
            deadline,
            cancellationToken).ResponseAsync);
        if (status.Value is not { } found)
        {
            return status.ExitCode;
        }

        PrintStock(console, found);
        return ExitCodes.Clean;
    }

    private static async Task<(T? Value, int ExitCode)> CallAsync<T>(
        IAnsiConsole console, ClaimTarget target, Func<ClaimAdminService.ClaimAdminServiceClient, DateTime, Task<T>> call)
        where T : class
    {
        if (target.Problem() is { } problem)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {problem}");
            return (null, ExitCodes.UsageError);
        }

        using var channel = GrpcChannel.ForAddress(target.Address);
        try
        {
            return (await call(new ClaimAdminService.ClaimAdminServiceClient(channel), target.Deadline), ExitCodes.Clean);
        }
        catch (RpcException ex)
        {
            var exit = ClaimTarget.ExitCodeFor(ex);
            var what = exit == ExitCodes.Unreachable ? $"the Claim service at {target.Address} cannot be reached" : "the Claim service refused the call";
            console.MarkupLineInterpolated($"[red]error:[/] {what}: {ex.StatusCode} {ex.Status.Detail}");
            return (null, exit);
        }
    }

    private static void PrintReconciliation(IAnsiConsole console, ReconciliationReport report, bool repair)
    {
        console.MarkupLineInterpolated($"Reconciliation of campaign [bold]{report.CampaignId}[/] as of {Stamp(report.AsOf)}{(repair ? " (repair)" : string.Empty)}");
        var cells = new Table().AddColumns("round", "tier", "category", "channel", "armed", "Redis claimed", "Redis left", "in stream", "in claimdb");
        foreach (var cell in report.Cells)
        {
            cells.AddRow(
                Markup.Escape(cell.RoundId), Markup.Escape(cell.TierId), Markup.Escape(Dash(cell.CategoryId)), Markup.Escape(Dash(cell.ChannelId)),
                Number(cell.Armed), Number(cell.RedisClaimed), Number(cell.RedisRemaining), Number(cell.StreamEntries), Number(cell.Stored));
        }

        console.Write(cells);
        if (report.IssueCount == 0)
        {
            console.MarkupLine("[green]Clean:[/] Redis, the issued stream and claimdb agree.");
            return;
        }

        var kinds = new Table().AddColumns("difference", "count", "repaired");
        foreach (var kind in report.Issues.GroupBy(i => i.Kind).OrderBy(g => g.Key))
        {
            kinds.AddRow(KindName(kind.Key), Number(kind.Count()), Number(kind.Count(i => i.Repaired)));
        }

        console.Write(kinds);
        foreach (var issue in report.Issues.Take(ListedIssues))
        {
            console.MarkupLineInterpolated($"  {(issue.Repaired ? "[green]repaired[/]" : "[yellow]open[/]    ")}  {KindName(issue.Kind)}: {issue.Detail}");
        }

        var unlisted = report.IssueCount - Math.Min(report.Issues.Count, ListedIssues);
        if (unlisted > 0)
        {
            console.MarkupLineInterpolated($"  … and {unlisted} more");
        }

        var repaired = report.Issues.Count(i => i.Repaired);
        console.MarkupLineInterpolated(
            $"[red]{report.IssueCount} difference(s) found[/]; {(repair ? $"{repaired} repaired, run again to confirm" : "run with --repair to repair them")}.");
    }

    private static void PrintStock(IAnsiConsole console, StockStatus status)
    {
        var paused = status.Claiming is { } claiming && (claiming.CampaignPaused || claiming.PausedRoundIds.Count > 0);
        console.MarkupLineInterpolated($"Stock of campaign [bold]{status.CampaignId}[/] as of {Stamp(status.AsOf)}{(paused ? " — claiming paused" : string.Empty)}");
        var lines = new Table().AddColumns("round", "tier", "category", "channel", "face value", "total", "claimed", "remaining", "returned");
        foreach (var line in status.Lines)
        {
            lines.AddRow(
                Markup.Escape(line.RoundId), Markup.Escape(line.TierId), Markup.Escape(Dash(line.CategoryId)), Markup.Escape(Dash(line.ChannelId)),
                Money(line.FaceValueCents), Number(line.Total), Number(line.Claimed), Number(line.Remaining), Number(line.Returned));
        }

        console.Write(lines);
        if (status.Channels.Count > 0)
        {
            var channels = new Table().AddColumns("channel", "issued value", "allocation");
            foreach (var channel in status.Channels)
            {
                channels.AddRow(Markup.Escape(channel.ChannelId), Money(channel.IssuedCents), channel.AllocationCents > 0 ? Money(channel.AllocationCents) : "-");
            }

            console.Write(channels);
        }
    }

    private static string KindName(ReconciliationIssueKind kind) => kind switch
    {
        ReconciliationIssueKind.NotStored => "not in claimdb",
        ReconciliationIssueKind.CounterBehind => "issuance counter behind",
        ReconciliationIssueKind.CounterAhead => "issuance counter ahead",
        ReconciliationIssueKind.StockMismatch => "stock mismatch",
        ReconciliationIssueKind.LimitBehind => "limit counter behind",
        _ => kind.ToString(),
    };

    private static string Dash(string value) => value.Length == 0 ? "-" : value;

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Money(long cents) => (cents / 100m).ToString("N2", CultureInfo.InvariantCulture);

    private static string Stamp(Google.Protobuf.WellKnownTypes.Timestamp? at) =>
        at is null ? "-" : at.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
