using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Settlement.Service.Data;
using Settlement.Service.Domain;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using Vouchers.Settlement.V1;
using VoucherRules;

namespace Settlement.Service.Application;

public sealed class SchedulerOptions
{
    public const string SectionName = "Settlement:Scheduler";

    /// <summary>How often the schedule is checked.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    public bool Enabled { get; set; } = true;
}

/// <summary>
/// Makes the runs the campaigns' cadences call for: every closed week (WEEKLY) and the final run after the end and
/// audit delay (AFTER_CAMPAIGN). The schedule lives in the data, not in memory: each pass derives what is due from
/// the snapshots and the runs table, so it survives restarts. Every copy of the service runs the same passes; a due
/// run is requested with an idempotency key derived from (campaign, period), and RunSettlement's per-campaign lock
/// and unique (campaign, period) key let exactly one of them make it — the others get the same run back.
/// </summary>
public sealed partial class SettlementScheduler(
    CampaignDirectory campaigns,
    SettlementRuns runs,
    IDbContextFactory<SettlementDbContext> contexts,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<SettlementScheduler> logger) : BackgroundService
{
    public static readonly Actor SchedulerActor = new() { ActorId = "settlement-scheduler", Role = ActorRole.System, DisplayName = "Settlement schedule" };

    /// <summary>One pass: makes every run that is due and possible now; returns the runs answered (made or found).</summary>
    public async Task<IReadOnlyList<SettlementRun>> RunDueAsync(CancellationToken cancellationToken)
    {
        var answered = new List<SettlementRun>();
        var now = time.GetUtcNow();
        foreach (var snapshot in await campaigns.AllAsync(cancellationToken))
        {
            foreach (var request in await DueAsync(snapshot, now, cancellationToken))
            {
                try
                {
                    answered.Add(await runs.RunAsync(request, cancellationToken));
                }
                catch (FailedPreconditionException ex)
                {
                    // Feeds not there yet, or an operator's run overlaps: the next pass looks again.
                    LogNotYet(logger, snapshot.CampaignId, ex.Message);
                    break;
                }
            }
        }

        return answered;
    }

    private async Task<IReadOnlyList<RunSettlementRequest>> DueAsync(CampaignSnapshot snapshot, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var policy = snapshot.Campaign.Settings?.SettlementPolicy;
        if (policy is null || snapshot.Campaign.PeriodStartUtc is null || snapshot.Campaign.PeriodEndUtc is null)
        {
            return [];
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var done = await db.Runs.Where(r => r.CampaignId == snapshot.CampaignId).Select(r => new { r.PeriodStart, r.PeriodEnd, r.Kind }).ToListAsync(cancellationToken);
        var start = SnapshotFacts.Start(snapshot);
        var end = SnapshotFacts.End(snapshot);
        var zone = SnapshotFacts.Zone(snapshot);
        switch (policy.Cadence)
        {
            case SettlementCadence.Weekly:
                var closingDay = policy.WeekClosingDay is >= 1 and <= 7 ? policy.WeekClosingDay : 7;
                return Cadence.ClosedWeeklyPeriods(start, end, zone, closingDay, now)
                    .Where(p => !done.Exists(d => new Period(d.PeriodStart, d.PeriodEnd).Overlaps(p)))
                    .Select(p => new RunSettlementRequest
                    {
                        RequestId = KeyFor(snapshot.CampaignId, p.Start.UtcTicks, p.End.UtcTicks),
                        Actor = SchedulerActor,
                        CampaignId = snapshot.CampaignId,
                        Kind = SettlementRunKind.Periodic,
                        Period = Requests.ToWindow(p.Start, p.End),
                    })
                    .ToList();
            case SettlementCadence.AfterCampaign:
                var due = Cadence.FinalRunDue(end, zone, Math.Max(0, policy.DaysAfterEnd));
                return now >= due && !done.Exists(d => d.Kind == (short)SettlementRunKind.Final)
                    ? [new RunSettlementRequest { RequestId = KeyFor(snapshot.CampaignId, 0, end.UtcTicks), Actor = SchedulerActor, CampaignId = snapshot.CampaignId, Kind = SettlementRunKind.Final }]
                    : [];
            default:
                return [];
        }
    }

    /// <summary>The same idempotency key in every copy for the same campaign and period.</summary>
    internal static string KeyFor(string campaignId, long startTicks, long endTicks)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"settlement-schedule|{campaignId}|{startTicks}|{endTicks}"));
        return new Guid(hash.AsSpan(0, 16)).ToString("D");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.Interval, time, stoppingToken);
                await RunDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DbUpdateException or Npgsql.NpgsqlException or InvalidOperationException or DomainException)
            {
                LogPassFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled settlement of campaign {CampaignId} not made yet: {Reason}")]
    private static partial void LogNotYet(ILogger logger, string campaignId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settlement schedule pass failed; the next pass retries")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
