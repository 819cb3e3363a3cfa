using Campaign.Service.Data;
using Campaign.Service.Domain;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;
using static Campaign.Service.Application.MerchantMapping;
using static Campaign.Service.Domain.MerchantProfiles;

namespace Campaign.Service.Application;

/// <summary>Merchant onboarding: registration, profile, the integrity pledge and the operator's review.</summary>
public sealed class MerchantCommands(
    CampaignDbContext db,
    MerchantStore store,
    TimeProvider timeProvider,
    CampaignMetrics metrics,
    ILogger<MerchantCommands> logger)
{
    public async Task<MerchantDetails> RegisterMerchantAsync(RegisterMerchantRequest request, CancellationToken cancellationToken)
    {
        var actor = request.RegistrationChannel == RegistrationChannel.Online
            ? Actors.Require(request.Actor, "RegisterMerchant (online)", ActorRole.Merchant, ActorRole.Operator)
            : Actors.Require(request.Actor, "RegisterMerchant (on site)", ActorRole.Operator);
        var problems = new FieldProblems();
        if (string.IsNullOrWhiteSpace(request.RequestId))
        {
            problems.Add("request_id", "required");
        }

        if (request.RegistrationChannel == RegistrationChannel.Unspecified)
        {
            problems.Add("registration_channel", "required (ON_SITE or ONLINE)");
        }

        var catalogue = await store.CatalogueAsync(cancellationToken);
        ValidateProfile(request.Profile, catalogue, problems);
        problems.ThrowIfAny();

        var fingerprint = Persistence.Fingerprint(request);
        var now = timeProvider.GetUtcNow();
        var (record, replayed) = await db.InTransactionAsync(
            async ct =>
            {
                var earlier = await db.Merchants.FirstOrDefaultAsync(m => m.RegisterRequestId == request.RequestId, ct);
                if (earlier is not null && Persistence.IsRetry(earlier.RegisterRequestHash, fingerprint, request.RequestId, "RegisterMerchant"))
                {
                    return (earlier, true);
                }

                var holder = await db.Merchants.Where(m => m.UnifiedCreditCode == request.Profile.UnifiedCreditCode).Select(m => m.Id).FirstOrDefaultAsync(ct);
                if (holder is not null)
                {
                    throw new AlreadyExistsException($"profile.unified_credit_code: '{request.Profile.UnifiedCreditCode}' is registered already as merchant {holder}");
                }

                var merchant = new MerchantRecord
                {
                    Id = Persistence.NewId("mch-"),
                    UnifiedCreditCode = request.Profile.UnifiedCreditCode,
                    RegisterRequestId = request.RequestId,
                    RegisterRequestHash = fingerprint,
                    Status = (int)MerchantStatus.PendingPledge,
                    Version = 1,
                    LegalName = string.Empty,
                    TradeName = string.Empty,
                    ProfileJson = "{}",
                    RegistrationChannel = (int)request.RegistrationChannel,
                    RegisteredAt = now,
                    StatusChangedAt = now,
                    StatusChangedByJson = ProtoJson.Format(actor),
                };
                ApplyProfile(merchant, request.Profile, now);
                db.Merchants.Add(merchant);
                db.AuditEntries.Add(Persistence.Audit(actor, "RegisterMerchant", AuditSubject.Merchant, merchant.Id, now, merchantId: merchant.Id, versionAfter: 1, after: Redacted(request.Profile)));
                await db.SaveChangesAsync(ct);
                return (merchant, false);
            },
            cancellationToken);
        if (!replayed)
        {
            metrics.MerchantStatusChanged("registered");
            CampaignLog.MerchantChanged(logger, "RegisterMerchant", record.Id, actor.ActorId, "PENDING_PLEDGE");
        }

        return await store.ToDetailsAsync(record, actor, cancellationToken);
    }

    public async Task<MerchantDetails> UpdateMerchantProfileAsync(UpdateMerchantProfileRequest request, CancellationToken cancellationToken)
    {
        var actor = Actors.Require(request.Actor, "UpdateMerchantProfile", ActorRole.Operator, ActorRole.Merchant);
        Actors.RequireOwnMerchant(actor, request.MerchantId, "UpdateMerchantProfile");
        var problems = new FieldProblems();
        ValidateProfile(request.Profile, await store.CatalogueAsync(cancellationToken), problems);
        problems.ThrowIfAny();
        return await MerchantChangeAsync(request.MerchantId, request.ExpectedVersion, actor, "UpdateMerchantProfile", string.Empty, async (merchant, now, ct) =>
        {
            if (request.Profile.UnifiedCreditCode != merchant.UnifiedCreditCode
                && await db.Merchants.AnyAsync(m => m.UnifiedCreditCode == request.Profile.UnifiedCreditCode && m.Id != merchant.Id, ct))
            {
                throw new AlreadyExistsException($"profile.unified_credit_code: '{request.Profile.UnifiedCreditCode}' belongs to another merchant");
            }

            var before = ProtoJson.Parse<MerchantProfile>(merchant.ProfileJson);
            var needsReview = merchant.Status == (int)MerchantStatus.Approved
                && (request.Profile.UnifiedCreditCode != merchant.UnifiedCreditCode || !request.Profile.CategoryIds.OrderBy(c => c, StringComparer.Ordinal).SequenceEqual(merchant.CategoryIds.OrderBy(c => c, StringComparer.Ordinal)));
            ApplyProfile(merchant, request.Profile, now);
            if (needsReview)
            {
                SetStatus(merchant, MerchantStatus.PendingReview, "categories or credit code changed: review again", actor, now);
            }

            return ((IMessage?)Redacted(before), (IMessage?)Redacted(request.Profile));
        }, cancellationToken);
    }

    public async Task<IntegrityPledge> PublishIntegrityPledgeAsync(PublishIntegrityPledgeRequest request, CancellationToken cancellationToken)
    {
        var actor = Actors.Require(request.Actor, "PublishIntegrityPledge", ActorRole.Operator);
        var problems = new FieldProblems();
        if (string.IsNullOrWhiteSpace(request.Pledge?.Version))
        {
            problems.Add("pledge.version", "required");
        }

        if (string.IsNullOrWhiteSpace(request.Pledge?.Title))
        {
            problems.Add("pledge.title", "required");
        }

        if (string.IsNullOrWhiteSpace(request.Pledge?.Text))
        {
            problems.Add("pledge.text", "required");
        }

        problems.ThrowIfAny();
        var now = timeProvider.GetUtcNow();
        var record = await db.InTransactionAsync(
            async ct =>
            {
                if (await db.IntegrityPledges.AnyAsync(p => p.Version == request.Pledge!.Version, ct))
                {
                    throw new AlreadyExistsException($"pledge.version: '{request.Pledge!.Version}' exists");
                }

                var sequence = (await db.IntegrityPledges.MaxAsync(p => (long?)p.Sequence, ct) ?? 0) + 1;
                var pledge = new IntegrityPledgeRecord { Version = request.Pledge!.Version, Title = request.Pledge.Title, Text = request.Pledge.Text, PublishedAt = now, Sequence = sequence };
                db.IntegrityPledges.Add(pledge);
                db.AuditEntries.Add(Persistence.Audit(actor, "PublishIntegrityPledge", AuditSubject.IntegrityPledge, pledge.Version, now, versionAfter: sequence, after: ToProto(pledge)));
                await db.SaveChangesAsync(ct);
                return pledge;
            },
            cancellationToken);
        metrics.ConfigurationChanged("PublishIntegrityPledge");
        return ToProto(record);
    }

    public async Task<MerchantDetails> SignIntegrityPledgeAsync(SignIntegrityPledgeRequest request, CancellationToken cancellationToken)
    {
        var actor = Actors.Require(request.Actor, "SignIntegrityPledge", ActorRole.Merchant, ActorRole.Operator);
        Actors.RequireOwnMerchant(actor, request.MerchantId, "SignIntegrityPledge");
        var problems = new FieldProblems();
        if (string.IsNullOrWhiteSpace(request.SignatoryName))
        {
            problems.Add("signatory_name", "required");
        }

        if (string.IsNullOrWhiteSpace(request.PledgeVersion))
        {
            problems.Add("pledge_version", "required");
        }

        problems.ThrowIfAny();
        return await MerchantChangeAsync(request.MerchantId, request.ExpectedVersion, actor, "SignIntegrityPledge", string.Empty, async (merchant, now, ct) =>
        {
            var current = await db.IntegrityPledges.AsNoTracking().OrderByDescending(p => p.Sequence).FirstOrDefaultAsync(ct)
                ?? throw new FailedPreconditionException("no integrity pledge has been published yet");
            if (current.Version != request.PledgeVersion)
            {
                throw new FailedPreconditionException($"pledge version '{request.PledgeVersion}' is not the current version '{current.Version}'");
            }

            var status = (MerchantStatus)merchant.Status;
            if (status == MerchantStatus.Rejected)
            {
                throw new FailedPreconditionException("merchant is REJECTED: it cannot sign the pledge");
            }

            var before = new PledgeSignature { PledgeVersion = merchant.PledgeVersion ?? string.Empty, SignatoryName = merchant.PledgeSignatory ?? string.Empty };
            merchant.PledgeVersion = current.Version;
            merchant.PledgeSignedAt = now;
            merchant.PledgeSignatory = request.SignatoryName;
            merchant.PledgeEvidence = request.EvidenceReference;
            if (status == MerchantStatus.PendingPledge)
            {
                SetStatus(merchant, MerchantStatus.PendingReview, string.Empty, actor, now);
            }

            return ((IMessage?)before, (IMessage?)new PledgeSignature { PledgeVersion = current.Version, SignedAt = LocalTimes.ToTimestamp(now), SignatoryName = request.SignatoryName, EvidenceReference = request.EvidenceReference });
        }, cancellationToken);
    }

    public Task<MerchantDetails> ApproveMerchantAsync(ReviewMerchantRequest request, CancellationToken cancellationToken) =>
        ReviewAsync(request, "ApproveMerchant", MerchantStatus.PendingReview, MerchantStatus.Approved, reasonRequired: false, cancellationToken);

    public Task<MerchantDetails> RejectMerchantAsync(ReviewMerchantRequest request, CancellationToken cancellationToken) =>
        ReviewAsync(request, "RejectMerchant", MerchantStatus.PendingReview, MerchantStatus.Rejected, reasonRequired: true, cancellationToken);

    public Task<MerchantDetails> SuspendMerchantAsync(ReviewMerchantRequest request, CancellationToken cancellationToken) =>
        ReviewAsync(request, "SuspendMerchant", MerchantStatus.Approved, MerchantStatus.Suspended, reasonRequired: true, cancellationToken);

    public Task<MerchantDetails> ReinstateMerchantAsync(ReviewMerchantRequest request, CancellationToken cancellationToken) =>
        ReviewAsync(request, "ReinstateMerchant", MerchantStatus.Suspended, MerchantStatus.Approved, reasonRequired: true, cancellationToken);

    private async Task<MerchantDetails> ReviewAsync(ReviewMerchantRequest request, string action, MerchantStatus from, MerchantStatus to, bool reasonRequired, CancellationToken cancellationToken)
    {
        var actor = Actors.Require(request.Actor, action, ActorRole.Operator);
        if (reasonRequired && string.IsNullOrWhiteSpace(request.Reason))
        {
            throw new InvalidArgumentException("reason", "required for " + action);
        }

        var details = await MerchantChangeAsync(request.MerchantId, request.ExpectedVersion, actor, action, request.Reason, (merchant, now, _) =>
        {
            var status = (MerchantStatus)merchant.Status;
            if (status != from)
            {
                var hint = to == MerchantStatus.Approved && status == MerchantStatus.PendingPledge ? " (the integrity pledge is not signed yet)" : string.Empty;
                throw new FailedPreconditionException($"merchant is {StatusName(status)}: {action} needs {StatusName(from)}{hint}");
            }

            var before = new MerchantDetails { MerchantId = merchant.Id, Status = status, StatusReason = merchant.StatusReason ?? string.Empty };
            SetStatus(merchant, to, request.Reason, actor, now);
            return Task.FromResult<(IMessage?, IMessage?)>((before, new MerchantDetails { MerchantId = merchant.Id, Status = to, StatusReason = request.Reason }));
        }, cancellationToken);
        metrics.MerchantStatusChanged(StatusName(to).ToLowerInvariant());
        return details;
    }

    /// <summary>Load, check the version, apply, audit, bump the snapshots of the merchant's campaigns, commit, announce.</summary>
    private async Task<MerchantDetails> MerchantChangeAsync(
        string merchantId,
        long expectedVersion,
        Actor actor,
        string action,
        string reason,
        Func<MerchantRecord, DateTimeOffset, CancellationToken, Task<(IMessage? Before, IMessage? After)>> apply,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(merchantId))
        {
            throw new InvalidArgumentException("merchant_id", "required");
        }

        if (expectedVersion <= 0)
        {
            throw new InvalidArgumentException("expected_version", "required (the version you read)");
        }

        var now = timeProvider.GetUtcNow();
        var merchant = await db.InTransactionAsync(
            async ct =>
            {
                var record = await store.FindMerchantAsync(merchantId, tracked: true, ct);
                if (record.Version != expectedVersion)
                {
                    throw ConflictException.StaleVersion($"merchant {merchantId}", expectedVersion, record.Version);
                }

                var (before, after) = await apply(record, now, ct);
                var versionBefore = record.Version;
                record.Version++;
                record.UpdatedAt = now;
                db.AuditEntries.Add(Persistence.Audit(actor, action, AuditSubject.Merchant, record.Id, now, merchantId: record.Id,
                    versionBefore: versionBefore, versionAfter: record.Version, reason: reason, before: before, after: after));
                await db.SaveChangesAsync(ct);
                await db.BumpSnapshotsOfMerchantAsync(record.Id, ct);
                return record;
            },
            cancellationToken);
        CampaignLog.MerchantChanged(logger, action, merchant.Id, actor.ActorId, StatusName((MerchantStatus)merchant.Status));
        await store.AnnounceMerchantCampaignsAsync(merchant.Id, cancellationToken);
        return await store.ToDetailsAsync(merchant, actor, cancellationToken);
    }
}
