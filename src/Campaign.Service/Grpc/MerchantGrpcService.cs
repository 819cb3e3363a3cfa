using Campaign.Service.Data;
using Campaign.Service.Domain;
using Campaign.Service.Snapshots;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;

namespace Campaign.Service.Grpc;

/// <summary>campaign.v1.MerchantService: onboarding, pledge, review, enrolment and staff binding.</summary>
public sealed class MerchantGrpcService(
    CampaignDbContext db,
    TimeProvider timeProvider,
    SnapshotCache snapshots,
    CampaignMetrics metrics,
    ILogger<MerchantGrpcService> logger) : MerchantService.MerchantServiceBase
{
    private static readonly ActorRole[] BackOffice = [ActorRole.Operator, ActorRole.Auditor, ActorRole.Finance];

    public override async Task<MerchantDetails> RegisterMerchant(RegisterMerchantRequest request, ServerCallContext context)
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

        var catalogue = await CatalogueAsync(context.CancellationToken);
        ValidateProfile(request.Profile, catalogue, problems);
        problems.ThrowIfAny();

        var fingerprint = Persistence.Fingerprint(request);
        var now = timeProvider.GetUtcNow();
        var (record, replayed) = await db.InTransactionAsync(
            async ct =>
            {
                var earlier = await db.Merchants.FirstOrDefaultAsync(m => m.RegisterRequestId == request.RequestId, ct);
                if (earlier is not null)
                {
                    return earlier.RegisterRequestHash == fingerprint
                        ? (earlier, true)
                        : throw Refusals.AlreadyExists($"request_id '{request.RequestId}' was used for a different RegisterMerchant request");
                }

                var holder = await db.Merchants.Where(m => m.UnifiedCreditCode == request.Profile.UnifiedCreditCode).Select(m => m.Id).FirstOrDefaultAsync(ct);
                if (holder is not null)
                {
                    throw Refusals.AlreadyExists($"profile.unified_credit_code: '{request.Profile.UnifiedCreditCode}' is registered already as merchant {holder}");
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
            context.CancellationToken);
        if (!replayed)
        {
            metrics.MerchantStatusChanged("registered");
            CampaignLog.MerchantChanged(logger, "RegisterMerchant", record.Id, actor.ActorId, "PENDING_PLEDGE");
        }

        return await ToProtoAsync(record, actor, context.CancellationToken);
    }

    public override async Task<MerchantDetails> GetMerchant(GetMerchantRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "GetMerchant", [.. BackOffice, ActorRole.Merchant]);
        Actors.RequireOwnMerchant(actor, request.MerchantId, "GetMerchant");
        var record = await FindMerchantAsync(request.MerchantId, tracked: false, context.CancellationToken);
        return await ToProtoAsync(record, actor, context.CancellationToken);
    }

    public override async Task<ListMerchantsResponse> ListMerchants(ListMerchantsRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "ListMerchants", ActorRole.Operator, ActorRole.Auditor);
        if (request.Statuses.Any(s => s == MerchantStatus.Unspecified))
        {
            throw Refusals.Invalid("statuses: MERCHANT_STATUS_UNSPECIFIED is not a status");
        }

        var filterKey = $"{string.Join(",", request.Statuses)}|{request.CategoryId}|{request.CampaignId}|{request.Text}";
        var (offset, size) = Paging.Read(request.Page, filterKey);
        var query = db.Merchants.AsNoTracking();
        if (request.Statuses.Count > 0)
        {
            var statuses = request.Statuses.Select(s => (int)s).ToList();
            query = query.Where(m => statuses.Contains(m.Status));
        }

        if (request.CategoryId.Length > 0)
        {
            query = query.Where(m => m.CategoryIds.Contains(request.CategoryId));
        }

        if (request.CampaignId.Length > 0)
        {
            query = query.Where(m => db.CampaignMerchants.Any(e => e.MerchantId == m.Id && e.CampaignId == request.CampaignId && e.Enrolled));
        }

        if (request.Text.Length > 0)
        {
            var pattern = "%" + request.Text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
            query = query.Where(m => EF.Functions.ILike(m.LegalName, pattern) || EF.Functions.ILike(m.TradeName, pattern) || EF.Functions.ILike(m.UnifiedCreditCode, pattern));
        }

        var total = await query.LongCountAsync(context.CancellationToken);
        var page = await query.OrderBy(m => m.Id).Skip(offset).Take(size).ToListAsync(context.CancellationToken);
        var response = new ListMerchantsResponse { Page = Paging.Next(offset, size, page.Count, total, filterKey) };
        foreach (var merchant in page)
        {
            response.Merchants.Add(await ToProtoAsync(merchant, actor, context.CancellationToken));
        }

        return response;
    }

    public override async Task<MerchantDetails> UpdateMerchantProfile(UpdateMerchantProfileRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "UpdateMerchantProfile", ActorRole.Operator, ActorRole.Merchant);
        Actors.RequireOwnMerchant(actor, request.MerchantId, "UpdateMerchantProfile");
        var problems = new FieldProblems();
        ValidateProfile(request.Profile, await CatalogueAsync(context.CancellationToken), problems);
        problems.ThrowIfAny();
        return await MerchantChangeAsync(request.MerchantId, request.ExpectedVersion, actor, "UpdateMerchantProfile", string.Empty, async (merchant, now, ct) =>
        {
            if (request.Profile.UnifiedCreditCode != merchant.UnifiedCreditCode
                && await db.Merchants.AnyAsync(m => m.UnifiedCreditCode == request.Profile.UnifiedCreditCode && m.Id != merchant.Id, ct))
            {
                throw Refusals.AlreadyExists($"profile.unified_credit_code: '{request.Profile.UnifiedCreditCode}' belongs to another merchant");
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
        }, context.CancellationToken);
    }

    public override async Task<IntegrityPledge> GetIntegrityPledge(GetIntegrityPledgeRequest request, ServerCallContext context)
    {
        var query = db.IntegrityPledges.AsNoTracking();
        var pledge = request.Version.Length > 0
            ? await query.FirstOrDefaultAsync(p => p.Version == request.Version, context.CancellationToken)
            : await query.OrderByDescending(p => p.Sequence).FirstOrDefaultAsync(context.CancellationToken);
        return pledge is null
            ? throw Refusals.NotFound(request.Version.Length > 0 ? $"pledge version '{request.Version}' does not exist" : "no integrity pledge has been published yet")
            : ToProto(pledge);
    }

    public override async Task<IntegrityPledge> PublishIntegrityPledge(PublishIntegrityPledgeRequest request, ServerCallContext context)
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
                    throw Refusals.AlreadyExists($"pledge.version: '{request.Pledge!.Version}' exists");
                }

                var sequence = (await db.IntegrityPledges.MaxAsync(p => (long?)p.Sequence, ct) ?? 0) + 1;
                var pledge = new IntegrityPledgeRecord { Version = request.Pledge!.Version, Title = request.Pledge.Title, Text = request.Pledge.Text, PublishedAt = now, Sequence = sequence };
                db.IntegrityPledges.Add(pledge);
                db.AuditEntries.Add(Persistence.Audit(actor, "PublishIntegrityPledge", AuditSubject.IntegrityPledge, pledge.Version, now, versionAfter: sequence, after: ToProto(pledge)));
                await db.SaveChangesAsync(ct);
                return pledge;
            },
            context.CancellationToken);
        metrics.ConfigurationChanged("PublishIntegrityPledge");
        return ToProto(record);
    }

    public override async Task<MerchantDetails> SignIntegrityPledge(SignIntegrityPledgeRequest request, ServerCallContext context)
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
                ?? throw Refusals.FailedPrecondition("no integrity pledge has been published yet");
            if (current.Version != request.PledgeVersion)
            {
                throw Refusals.FailedPrecondition($"pledge version '{request.PledgeVersion}' is not the current version '{current.Version}'");
            }

            var status = (MerchantStatus)merchant.Status;
            if (status == MerchantStatus.Rejected)
            {
                throw Refusals.FailedPrecondition("merchant is REJECTED: it cannot sign the pledge");
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
        }, context.CancellationToken);
    }

    public override Task<MerchantDetails> ApproveMerchant(ReviewMerchantRequest request, ServerCallContext context) =>
        ReviewAsync(request, "ApproveMerchant", MerchantStatus.PendingReview, MerchantStatus.Approved, reasonRequired: false, context);

    public override Task<MerchantDetails> RejectMerchant(ReviewMerchantRequest request, ServerCallContext context) =>
        ReviewAsync(request, "RejectMerchant", MerchantStatus.PendingReview, MerchantStatus.Rejected, reasonRequired: true, context);

    public override Task<MerchantDetails> SuspendMerchant(ReviewMerchantRequest request, ServerCallContext context) =>
        ReviewAsync(request, "SuspendMerchant", MerchantStatus.Approved, MerchantStatus.Suspended, reasonRequired: true, context);

    public override Task<MerchantDetails> ReinstateMerchant(ReviewMerchantRequest request, ServerCallContext context) =>
        ReviewAsync(request, "ReinstateMerchant", MerchantStatus.Suspended, MerchantStatus.Approved, reasonRequired: true, context);

    public override async Task<CampaignMerchant> EnrollMerchant(EnrollMerchantRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "EnrollMerchant", ActorRole.Operator);
        RequireIds(request.CampaignId, request.MerchantId);
        if (request.CategoryIds.Count == 0)
        {
            throw Refusals.Invalid("category_ids: at least one category is required");
        }

        var now = timeProvider.GetUtcNow();
        var (enrolment, merchant, snapshotVersion) = await db.InTransactionAsync(
            async ct =>
            {
                var campaign = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == request.CampaignId, ct)
                    ?? throw Refusals.NotFound($"campaign {request.CampaignId} does not exist");
                var merchantRecord = await db.Merchants.AsNoTracking().FirstOrDefaultAsync(m => m.Id == request.MerchantId, ct)
                    ?? throw Refusals.NotFound($"merchant {request.MerchantId} does not exist");
                var problems = new FieldProblems();
                var campaignCategories = CampaignValidation.CampaignCategories(CampaignAggregate.Load(campaign));
                for (var i = 0; i < request.CategoryIds.Count; i++)
                {
                    var id = request.CategoryIds[i];
                    if (!merchantRecord.CategoryIds.Contains(id))
                    {
                        problems.Add($"category_ids[{i}]", $"merchant {merchantRecord.Id} does not trade in '{id}'");
                    }

                    if (!campaignCategories.Admits(id))
                    {
                        problems.Add($"category_ids[{i}]", $"'{id}' is not one of the campaign's categories");
                    }
                }

                problems.ThrowIfAny();
                if (merchantRecord.Status != (int)MerchantStatus.Approved)
                {
                    throw Refusals.FailedPrecondition($"merchant is {StatusName((MerchantStatus)merchantRecord.Status)}: only an APPROVED merchant can be enrolled");
                }

                if (campaign.State is (int)CampaignState.Ended or (int)CampaignState.Settled or (int)CampaignState.Closed)
                {
                    throw Refusals.FailedPrecondition($"campaign is {((CampaignState)campaign.State).ToString().ToUpperInvariant()}: no more enrolments");
                }

                var existing = await db.CampaignMerchants.FirstOrDefaultAsync(e => e.CampaignId == request.CampaignId && e.MerchantId == request.MerchantId, ct);
                var before = existing is null ? null : ToProto(existing, merchantRecord);
                if (existing is null)
                {
                    existing = new CampaignMerchantRecord { CampaignId = request.CampaignId, MerchantId = request.MerchantId };
                    db.CampaignMerchants.Add(existing);
                }

                if (!existing.Enrolled)
                {
                    existing.EnrolledAt = now;
                }

                existing.Enrolled = true;
                existing.WithdrawnAt = null;
                existing.CategoryIds = request.CategoryIds.Distinct(StringComparer.Ordinal).ToList();
                db.AuditEntries.Add(Persistence.Audit(actor, "EnrollMerchant", AuditSubject.CampaignMerchant, request.MerchantId, now,
                    campaignId: request.CampaignId, merchantId: request.MerchantId, before: before, after: ToProto(existing, merchantRecord)));
                await db.SaveChangesAsync(ct);
                await db.BumpSnapshotAsync(request.CampaignId, ct);
                var version = await db.Campaigns.Where(c => c.Id == request.CampaignId).Select(c => c.SnapshotVersion).FirstAsync(ct);
                return (existing, merchantRecord, version);
            },
            context.CancellationToken);
        snapshots.Announce(request.CampaignId, snapshotVersion);
        metrics.ConfigurationChanged("EnrollMerchant");
        return ToProto(enrolment, merchant);
    }

    public override async Task<CampaignMerchant> WithdrawMerchant(WithdrawMerchantRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "WithdrawMerchant", ActorRole.Operator);
        RequireIds(request.CampaignId, request.MerchantId);
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            throw Refusals.Invalid("reason: required");
        }

        var now = timeProvider.GetUtcNow();
        var (enrolment, merchant, snapshotVersion) = await db.InTransactionAsync(
            async ct =>
            {
                if (!await db.Campaigns.AnyAsync(c => c.Id == request.CampaignId, ct))
                {
                    throw Refusals.NotFound($"campaign {request.CampaignId} does not exist");
                }

                var merchantRecord = await db.Merchants.AsNoTracking().FirstOrDefaultAsync(m => m.Id == request.MerchantId, ct)
                    ?? throw Refusals.NotFound($"merchant {request.MerchantId} does not exist");
                var existing = await db.CampaignMerchants.FirstOrDefaultAsync(e => e.CampaignId == request.CampaignId && e.MerchantId == request.MerchantId && e.Enrolled, ct)
                    ?? throw Refusals.NotFound($"merchant {request.MerchantId} is not enrolled in campaign {request.CampaignId}");
                var before = ToProto(existing, merchantRecord);
                existing.Enrolled = false;
                existing.WithdrawnAt = now;
                db.AuditEntries.Add(Persistence.Audit(actor, "WithdrawMerchant", AuditSubject.CampaignMerchant, request.MerchantId, now,
                    campaignId: request.CampaignId, merchantId: request.MerchantId, reason: request.Reason, before: before, after: ToProto(existing, merchantRecord)));
                await db.SaveChangesAsync(ct);
                await db.BumpSnapshotAsync(request.CampaignId, ct);
                var version = await db.Campaigns.Where(c => c.Id == request.CampaignId).Select(c => c.SnapshotVersion).FirstAsync(ct);
                return (existing, merchantRecord, version);
            },
            context.CancellationToken);
        snapshots.Announce(request.CampaignId, snapshotVersion);
        metrics.ConfigurationChanged("WithdrawMerchant");
        return ToProto(enrolment, merchant);
    }

    public override async Task<ListCampaignMerchantsResponse> ListCampaignMerchants(ListCampaignMerchantsRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.CampaignId))
        {
            throw Refusals.Invalid("campaign_id: required");
        }

        var filterKey = $"{request.CampaignId}|{request.CategoryId}|{request.IncludeInactive}";
        var (offset, size) = Paging.Read(request.Page, filterKey);
        if (!await db.Campaigns.AnyAsync(c => c.Id == request.CampaignId, context.CancellationToken))
        {
            throw Refusals.NotFound($"campaign {request.CampaignId} does not exist");
        }

        var approved = (int)MerchantStatus.Approved;
        var query =
            from enrolment in db.CampaignMerchants.AsNoTracking()
            join merchant in db.Merchants.AsNoTracking() on enrolment.MerchantId equals merchant.Id
            where enrolment.CampaignId == request.CampaignId
            select new { enrolment, merchant };
        if (!request.IncludeInactive)
        {
            query = query.Where(p => p.enrolment.Enrolled && p.merchant.Status == approved);
        }

        if (request.CategoryId.Length > 0)
        {
            query = query.Where(p => p.enrolment.CategoryIds.Contains(request.CategoryId));
        }

        var total = await query.LongCountAsync(context.CancellationToken);
        var page = await query.OrderBy(p => p.merchant.Id).Skip(offset).Take(size).ToListAsync(context.CancellationToken);
        var response = new ListCampaignMerchantsResponse { Page = Paging.Next(offset, size, page.Count, total, filterKey) };
        response.Merchants.AddRange(page.Select(p => ToProto(p.enrolment, p.merchant)));
        return response;
    }

    public override async Task<IssueStaffBindingCodesResponse> IssueStaffBindingCodes(IssueStaffBindingCodesRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "IssueStaffBindingCodes", ActorRole.Operator);
        var problems = new FieldProblems();
        if (request.Count is < 1 or > 100)
        {
            problems.Add("count", $"must be 1..100, got {request.Count}");
        }

        var validFor = request.ValidFor?.ToTimeSpan() ?? TimeSpan.Zero;
        if (validFor < TimeSpan.FromHours(1) || validFor > TimeSpan.FromDays(30))
        {
            problems.Add("valid_for", $"must be between 1 hour and 30 days, got {validFor}");
        }

        if (string.IsNullOrWhiteSpace(request.MerchantId))
        {
            problems.Add("merchant_id", "required");
        }

        problems.ThrowIfAny();
        var now = timeProvider.GetUtcNow();
        var expiresAt = now + validFor;
        var codes = Enumerable.Range(0, request.Count).Select(_ => BindingCodes.NewCode()).ToList();
        await db.InTransactionAsync(
            async ct =>
            {
                var merchant = await db.Merchants.AsNoTracking().FirstOrDefaultAsync(m => m.Id == request.MerchantId, ct)
                    ?? throw Refusals.NotFound($"merchant {request.MerchantId} does not exist");
                if (merchant.Status != (int)MerchantStatus.Approved)
                {
                    throw Refusals.FailedPrecondition($"merchant is {StatusName((MerchantStatus)merchant.Status)}: binding codes are issued only to APPROVED merchants");
                }

                db.StaffBindingCodes.AddRange(codes.Select(code => new StaffBindingCodeRecord { CodeHash = BindingCodes.Hash(code), MerchantId = merchant.Id, IssuedAt = now, ExpiresAt = expiresAt }));
                db.AuditEntries.Add(Persistence.Audit(actor, "IssueStaffBindingCodes", AuditSubject.Staff, merchant.Id, now, merchantId: merchant.Id,
                    reason: $"{codes.Count} code(s) valid until {expiresAt:u}"));
                await db.SaveChangesAsync(ct);
                return codes.Count;
            },
            context.CancellationToken);
        metrics.StaffBinding("codes_issued", codes.Count);
        var response = new IssueStaffBindingCodesResponse();
        response.Codes.AddRange(codes.Select(code => new StaffBindingCode { Code = code, ExpiresAt = LocalTimes.ToTimestamp(expiresAt) }));
        return response;
    }

    public override async Task<StaffMember> BindStaff(BindStaffRequest request, ServerCallContext context)
    {
        var problems = new FieldProblems();
        if (string.IsNullOrWhiteSpace(request.RequestId))
        {
            problems.Add("request_id", "required");
        }

        if (string.IsNullOrWhiteSpace(request.BindingCode))
        {
            problems.Add("binding_code", "required");
        }

        if (string.IsNullOrWhiteSpace(request.AccountId))
        {
            problems.Add("account_id", "required");
        }

        if (string.IsNullOrWhiteSpace(request.Name))
        {
            problems.Add("name", "required");
        }

        problems.ThrowIfAny();
        var fingerprint = Persistence.Fingerprint(request);
        var now = timeProvider.GetUtcNow();
        var (staff, replayed) = await db.InTransactionAsync(
            async ct =>
            {
                var earlier = await db.Staff.AsNoTracking().FirstOrDefaultAsync(s => s.BindRequestId == request.RequestId, ct);
                if (earlier is not null)
                {
                    return earlier.BindRequestHash == fingerprint
                        ? (earlier, true)
                        : throw Refusals.AlreadyExists($"request_id '{request.RequestId}' was used for a different BindStaff request");
                }

                var hash = BindingCodes.Hash(request.BindingCode);
                var code = await db.StaffBindingCodes.AsNoTracking().FirstOrDefaultAsync(c => c.CodeHash == hash, ct)
                    ?? throw Refusals.NotFound("binding_code: unknown code");
                if (code.UsedAt is not null)
                {
                    throw Refusals.FailedPrecondition("binding_code: the code has been used already");
                }

                if (now >= code.ExpiresAt)
                {
                    throw Refusals.FailedPrecondition($"binding_code: the code expired at {code.ExpiresAt:u}");
                }

                var merchant = await db.Merchants.AsNoTracking().FirstAsync(m => m.Id == code.MerchantId, ct);
                if (merchant.Status != (int)MerchantStatus.Approved)
                {
                    throw Refusals.FailedPrecondition($"merchant is {StatusName((MerchantStatus)merchant.Status)}: staff bind only to APPROVED merchants");
                }

                if (await db.Staff.AnyAsync(s => s.AccountId == request.AccountId && s.Active, ct))
                {
                    throw Refusals.AlreadyExists($"account_id: '{request.AccountId}' is bound to a merchant already");
                }

                var member = new StaffRecord
                {
                    Id = Persistence.NewId("stf-"),
                    MerchantId = merchant.Id,
                    AccountId = request.AccountId,
                    Name = request.Name,
                    Phone = request.Phone,
                    Active = true,
                    BoundAt = now,
                    BindRequestId = request.RequestId,
                    BindRequestHash = fingerprint,
                };
                // Conditional on still being unused: of two binds racing with one code, the second
                // re-checks the row after the first commits and updates nothing.
                var claimed = await db.Database.ExecuteSqlInterpolatedAsync(
                    $"UPDATE staff_binding_codes SET used_at = {now}, used_by_staff_id = {member.Id} WHERE code_hash = {hash} AND used_at IS NULL", ct);
                if (claimed != 1)
                {
                    throw Refusals.FailedPrecondition("binding_code: the code has been used already");
                }

                db.Staff.Add(member);
                var actor = new Actor { ActorId = request.AccountId, Role = ActorRole.Merchant, MerchantId = merchant.Id, DisplayName = request.Name };
                db.AuditEntries.Add(Persistence.Audit(actor, "BindStaff", AuditSubject.Staff, member.Id, now, merchantId: merchant.Id, after: ToProto(member)));
                await db.SaveChangesAsync(ct);
                await db.BumpSnapshotsOfMerchantAsync(merchant.Id, ct);
                return (member, false);
            },
            context.CancellationToken);
        if (!replayed)
        {
            metrics.StaffBinding("bound");
            await AnnounceMerchantCampaignsAsync(staff.MerchantId, context.CancellationToken);
        }

        return ToProto(staff);
    }

    public override async Task<ListStaffResponse> ListStaff(ListStaffRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "ListStaff", [.. BackOffice, ActorRole.Merchant]);
        Actors.RequireOwnMerchant(actor, request.MerchantId, "ListStaff");
        var filterKey = $"{request.MerchantId}|{request.IncludeInactive}";
        var (offset, size) = Paging.Read(request.Page, filterKey);
        await FindMerchantAsync(request.MerchantId, tracked: false, context.CancellationToken);
        var query = db.Staff.AsNoTracking().Where(s => s.MerchantId == request.MerchantId);
        if (!request.IncludeInactive)
        {
            query = query.Where(s => s.Active);
        }

        var total = await query.LongCountAsync(context.CancellationToken);
        var page = await query.OrderBy(s => s.BoundAt).ThenBy(s => s.Id).Skip(offset).Take(size).ToListAsync(context.CancellationToken);
        var response = new ListStaffResponse { Page = Paging.Next(offset, size, page.Count, total, filterKey) };
        response.Staff.AddRange(page.Select(ToProto));
        return response;
    }

    public override async Task<StaffMember> UnbindStaff(UnbindStaffRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "UnbindStaff", ActorRole.Operator, ActorRole.Merchant);
        Actors.RequireOwnMerchant(actor, request.MerchantId, "UnbindStaff");
        RequireIds(null, request.MerchantId);
        var now = timeProvider.GetUtcNow();
        var staff = await db.InTransactionAsync(
            async ct =>
            {
                await FindMerchantAsync(request.MerchantId, tracked: false, ct);
                var member = await db.Staff.FirstOrDefaultAsync(s => s.Id == request.StaffId && s.MerchantId == request.MerchantId, ct)
                    ?? throw Refusals.NotFound($"staff {request.StaffId} does not belong to merchant {request.MerchantId}");
                if (!member.Active)
                {
                    throw Refusals.FailedPrecondition($"staff {member.Id} is unbound already");
                }

                var before = ToProto(member);
                member.Active = false;
                member.UnboundAt = now;
                db.AuditEntries.Add(Persistence.Audit(actor, "UnbindStaff", AuditSubject.Staff, member.Id, now, merchantId: member.MerchantId, reason: request.Reason, before: before, after: ToProto(member)));
                await db.SaveChangesAsync(ct);
                await db.BumpSnapshotsOfMerchantAsync(member.MerchantId, ct);
                return member;
            },
            context.CancellationToken);
        metrics.StaffBinding("unbound");
        await AnnounceMerchantCampaignsAsync(staff.MerchantId, context.CancellationToken);
        return ToProto(staff);
    }

    private async Task<MerchantDetails> ReviewAsync(ReviewMerchantRequest request, string action, MerchantStatus from, MerchantStatus to, bool reasonRequired, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, action, ActorRole.Operator);
        if (reasonRequired && string.IsNullOrWhiteSpace(request.Reason))
        {
            throw Refusals.Invalid("reason: required for " + action);
        }

        var details = await MerchantChangeAsync(request.MerchantId, request.ExpectedVersion, actor, action, request.Reason, (merchant, now, _) =>
        {
            var status = (MerchantStatus)merchant.Status;
            if (status != from)
            {
                var hint = to == MerchantStatus.Approved && status == MerchantStatus.PendingPledge ? " (the integrity pledge is not signed yet)" : string.Empty;
                throw Refusals.FailedPrecondition($"merchant is {StatusName(status)}: {action} needs {StatusName(from)}{hint}");
            }

            var before = new MerchantDetails { MerchantId = merchant.Id, Status = status, StatusReason = merchant.StatusReason ?? string.Empty };
            SetStatus(merchant, to, request.Reason, actor, now);
            return Task.FromResult<(IMessage?, IMessage?)>((before, new MerchantDetails { MerchantId = merchant.Id, Status = to, StatusReason = request.Reason }));
        }, context.CancellationToken);
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
            throw Refusals.Invalid("merchant_id: required");
        }

        if (expectedVersion <= 0)
        {
            throw Refusals.Invalid("expected_version: required (the version you read)");
        }

        var now = timeProvider.GetUtcNow();
        var merchant = await db.InTransactionAsync(
            async ct =>
            {
                var record = await FindMerchantAsync(merchantId, tracked: true, ct);
                if (record.Version != expectedVersion)
                {
                    throw Refusals.Stale($"merchant {merchantId}", expectedVersion, record.Version);
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
        await AnnounceMerchantCampaignsAsync(merchant.Id, cancellationToken);
        return await ToProtoAsync(merchant, actor, cancellationToken);
    }

    private async Task AnnounceMerchantCampaignsAsync(string merchantId, CancellationToken cancellationToken)
    {
        var versions = await (
                from enrolment in db.CampaignMerchants.AsNoTracking()
                join campaign in db.Campaigns.AsNoTracking() on enrolment.CampaignId equals campaign.Id
                where enrolment.MerchantId == merchantId && enrolment.Enrolled
                select new { campaign.Id, campaign.SnapshotVersion })
            .ToListAsync(cancellationToken);
        foreach (var campaign in versions)
        {
            snapshots.Announce(campaign.Id, campaign.SnapshotVersion);
        }
    }

    private async Task<MerchantRecord> FindMerchantAsync(string merchantId, bool tracked, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(merchantId))
        {
            throw Refusals.Invalid("merchant_id: required");
        }

        var query = tracked ? db.Merchants : db.Merchants.AsNoTracking();
        return await query.FirstOrDefaultAsync(m => m.Id == merchantId, cancellationToken)
            ?? throw Refusals.NotFound($"merchant {merchantId} does not exist");
    }

    private async Task<MerchantDetails> ToProtoAsync(MerchantRecord record, Actor actor, CancellationToken cancellationToken)
    {
        var profile = ProtoJson.Parse<MerchantProfile>(record.ProfileJson);
        if (actor.Role != ActorRole.Finance && profile.PayoutAccount is { } account)
        {
            account.AccountNumber = BindingCodes.MaskAccount(account.AccountNumber);
        }

        var details = new MerchantDetails
        {
            MerchantId = record.Id,
            Version = record.Version,
            Status = (MerchantStatus)record.Status,
            Profile = profile,
            RegistrationChannel = (RegistrationChannel)record.RegistrationChannel,
            StatusReason = record.StatusReason ?? string.Empty,
            StatusChangedBy = record.StatusChangedByJson is null ? null : ProtoJson.Parse<Actor>(record.StatusChangedByJson),
            StatusChangedAt = record.StatusChangedAt is { } changed ? LocalTimes.ToTimestamp(changed) : null,
            RegisteredAt = LocalTimes.ToTimestamp(record.RegisteredAt),
            UpdatedAt = LocalTimes.ToTimestamp(record.UpdatedAt),
        };
        if (record.PledgeVersion is not null)
        {
            details.Pledge = new PledgeSignature
            {
                PledgeVersion = record.PledgeVersion,
                SignedAt = LocalTimes.ToTimestamp(record.PledgeSignedAt!.Value),
                SignatoryName = record.PledgeSignatory ?? string.Empty,
                EvidenceReference = record.PledgeEvidence ?? string.Empty,
            };
        }

        details.EnrolledCampaignIds.AddRange(await db.CampaignMerchants.AsNoTracking()
            .Where(e => e.MerchantId == record.Id && e.Enrolled).OrderBy(e => e.CampaignId).Select(e => e.CampaignId).ToListAsync(cancellationToken));
        return details;
    }

    private async Task<IReadOnlyDictionary<string, bool>> CatalogueAsync(CancellationToken cancellationToken) =>
        await db.Categories.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Active, StringComparer.Ordinal, cancellationToken);

    private static void ValidateProfile(MerchantProfile? profile, IReadOnlyDictionary<string, bool> catalogue, FieldProblems problems)
    {
        if (profile is null)
        {
            problems.Add("profile", "required");
            return;
        }

        if (string.IsNullOrWhiteSpace(profile.LegalName))
        {
            problems.Add("profile.legal_name", "required");
        }

        if (UnifiedCreditCode.Problem(profile.UnifiedCreditCode) is { } codeProblem)
        {
            problems.Add("profile.unified_credit_code", codeProblem);
        }

        if (string.IsNullOrWhiteSpace(profile.Address))
        {
            problems.Add("profile.address", "required");
        }

        if (string.IsNullOrWhiteSpace(profile.ContactName))
        {
            problems.Add("profile.contact_name", "required");
        }

        if (profile.ContactPhone.Length is < 7 or > 20 || !profile.ContactPhone.All(c => char.IsAsciiDigit(c) || c == '-'))
        {
            problems.Add("profile.contact_phone", $"'{profile.ContactPhone}' is not a phone number (7-20 digits)");
        }

        if (profile.CategoryIds.Count == 0)
        {
            problems.Add("profile.category_ids", "at least one category is required");
        }

        for (var i = 0; i < profile.CategoryIds.Count; i++)
        {
            if (!catalogue.TryGetValue(profile.CategoryIds[i], out var active) || !active)
            {
                problems.Add($"profile.category_ids[{i}]", $"unknown or retired category '{profile.CategoryIds[i]}'");
            }
        }

        for (var i = 0; i < profile.Terminals.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(profile.Terminals[i].ChannelId))
            {
                problems.Add($"profile.terminals[{i}].channel_id", "required");
            }

            if (string.IsNullOrWhiteSpace(profile.Terminals[i].ChannelMerchantNumber))
            {
                problems.Add($"profile.terminals[{i}].channel_merchant_number", "required");
            }
        }

        if (profile.Location is { } location && (location.Latitude is < -90 or > 90 || location.Longitude is < -180 or > 180))
        {
            problems.Add("profile.location", "latitude must be -90..90 and longitude -180..180");
        }
    }

    private static void ApplyProfile(MerchantRecord merchant, MerchantProfile profile, DateTimeOffset now)
    {
        var stored = profile.Clone();
        if (stored.TradeName.Length == 0)
        {
            stored.TradeName = stored.LegalName;
        }

        merchant.UnifiedCreditCode = stored.UnifiedCreditCode;
        merchant.LegalName = stored.LegalName;
        merchant.TradeName = stored.TradeName;
        merchant.CategoryIds = stored.CategoryIds.Distinct(StringComparer.Ordinal).ToList();
        merchant.ProfileJson = ProtoJson.Format(stored);
        merchant.UpdatedAt = now;
    }

    private static void SetStatus(MerchantRecord merchant, MerchantStatus status, string reason, Actor actor, DateTimeOffset now)
    {
        merchant.Status = (int)status;
        merchant.StatusReason = reason;
        merchant.StatusChangedAt = now;
        merchant.StatusChangedByJson = ProtoJson.Format(actor);
    }

    /// <summary>The audit log keeps no account numbers or phones in clear.</summary>
    private static MerchantProfile Redacted(MerchantProfile profile)
    {
        var copy = profile.Clone();
        copy.ContactPhone = BindingCodes.MaskPhone(copy.ContactPhone);
        if (copy.PayoutAccount is { } account)
        {
            account.AccountNumber = BindingCodes.MaskAccount(account.AccountNumber);
        }

        return copy;
    }

    private static void RequireIds(string? campaignId, string merchantId)
    {
        if (campaignId is not null && string.IsNullOrWhiteSpace(campaignId))
        {
            throw Refusals.Invalid("campaign_id: required");
        }

        if (string.IsNullOrWhiteSpace(merchantId))
        {
            throw Refusals.Invalid("merchant_id: required");
        }
    }

    private static string StatusName(MerchantStatus status) => status switch
    {
        MerchantStatus.PendingPledge => "PENDING_PLEDGE",
        MerchantStatus.PendingReview => "PENDING_REVIEW",
        _ => status.ToString().ToUpperInvariant(),
    };

    private static IntegrityPledge ToProto(IntegrityPledgeRecord record) => new()
    {
        Version = record.Version,
        Title = record.Title,
        Text = record.Text,
        PublishedAt = LocalTimes.ToTimestamp(record.PublishedAt),
    };

    private static CampaignMerchant ToProto(CampaignMerchantRecord enrolment, MerchantRecord merchant)
    {
        var result = new CampaignMerchant
        {
            CampaignId = enrolment.CampaignId,
            MerchantId = enrolment.MerchantId,
            TradeName = merchant.TradeName,
            Address = ProtoJson.Parse<MerchantProfile>(merchant.ProfileJson).Address,
            MerchantStatus = (MerchantStatus)merchant.Status,
            Enrolled = enrolment.Enrolled,
            EnrolledAt = LocalTimes.ToTimestamp(enrolment.EnrolledAt),
            WithdrawnAt = enrolment.WithdrawnAt is { } withdrawn ? LocalTimes.ToTimestamp(withdrawn) : null,
        };
        result.CategoryIds.AddRange(enrolment.CategoryIds);
        return result;
    }

    private static StaffMember ToProto(StaffRecord staff) => new()
    {
        StaffId = staff.Id,
        MerchantId = staff.MerchantId,
        AccountId = staff.AccountId,
        Name = staff.Name,
        Phone = BindingCodes.MaskPhone(staff.Phone),
        Active = staff.Active,
        BoundAt = LocalTimes.ToTimestamp(staff.BoundAt),
        UnboundAt = staff.UnboundAt is { } unbound ? LocalTimes.ToTimestamp(unbound) : null,
    };
}
