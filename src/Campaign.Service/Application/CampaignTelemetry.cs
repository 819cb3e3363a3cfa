using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using VoucherRules;

namespace Campaign.Service.Application;

/// <summary>Business events of the Campaign service on the "Campaign.Service" meter.</summary>
public sealed class CampaignMetrics : IDisposable
{
    public const string MeterName = "Campaign.Service";

    private readonly Meter _meter;
    private readonly Counter<long> _campaignTransitions;
    private readonly Counter<long> _configurationChanges;
    private readonly Counter<long> _budgetChecks;
    private readonly Counter<long> _merchantDecisions;
    private readonly Counter<long> _staffBindings;
    private readonly Counter<long> _snapshotReads;

    public CampaignMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _campaignTransitions = _meter.CreateCounter<long>("campaign.lifecycle.transitions", "{transition}", "Campaign lifecycle steps (published, started, paused, resumed, ended, settled, closed)");
        _configurationChanges = _meter.CreateCounter<long>("campaign.configuration.changes", "{change}", "Committed configuration changes by action");
        _budgetChecks = _meter.CreateCounter<long>("campaign.budget.checks", "{check}", "Budget checks by outcome");
        _merchantDecisions = _meter.CreateCounter<long>("campaign.merchant.status_changes", "{change}", "Merchant registrations, approvals, rejections, suspensions, reinstatements");
        _staffBindings = _meter.CreateCounter<long>("campaign.staff.bindings", "{binding}", "Staff bound and unbound, binding codes issued");
        _snapshotReads = _meter.CreateCounter<long>("campaign.snapshot.reads", "{read}", "Snapshot reads by source (memory or database)");
    }

    public void CampaignTransition(string transition) => _campaignTransitions.Add(1, new KeyValuePair<string, object?>("transition", transition));

    public void ConfigurationChanged(string action) => _configurationChanges.Add(1, new KeyValuePair<string, object?>("action", action));

    public void BudgetChecked(bool balanced) => _budgetChecks.Add(1, new KeyValuePair<string, object?>("balanced", balanced));

    public void MerchantStatusChanged(string status) => _merchantDecisions.Add(1, new KeyValuePair<string, object?>("status", status));

    public void StaffBinding(string change, long count = 1) => _staffBindings.Add(count, new KeyValuePair<string, object?>("change", change));

    public void SnapshotRead(bool fromMemory) => _snapshotReads.Add(1, new KeyValuePair<string, object?>("source", fromMemory ? "memory" : "database"));

    public void Dispose() => _meter.Dispose();
}

internal static partial class CampaignLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Action} on campaign {CampaignId} by {ActorId}: version {VersionBefore} -> {VersionAfter}")]
    public static partial void CampaignChanged(ILogger logger, string action, string campaignId, string actorId, long versionBefore, long versionAfter);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Action} on merchant {MerchantId} by {ActorId}: status {Status}")]
    public static partial void MerchantChanged(ILogger logger, string action, string merchantId, string actorId, string status);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Campaign {CampaignId} moved to {State} by the schedule")]
    public static partial void ScheduledTransition(ILogger logger, string campaignId, string state);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Snapshot notifications are not being received; serving snapshots from the database until the listener reconnects")]
    public static partial void ListenerLost(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Listening for snapshot notifications on {Channel}")]
    public static partial void Listening(ILogger logger, string channel);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Lifecycle schedule pass failed; retrying")]
    public static partial void SchedulerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Publish of campaign {CampaignId} refused: budget does not balance ({Count} discrepancies)")]
    public static partial void PublishRefused(ILogger logger, string campaignId, int count);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Scheduled move of campaign {CampaignId} not made ({Kind}: {Detail}); the next pass looks again")]
    public static partial void ScheduledTransitionSkipped(ILogger logger, string campaignId, DomainErrorKind kind, string detail);
}
