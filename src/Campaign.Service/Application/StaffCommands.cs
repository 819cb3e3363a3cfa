using Campaign.Service.Data;
using Campaign.Service.Domain;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;
using static Campaign.Service.Application.MerchantMapping;
using static Campaign.Service.Domain.MerchantProfiles;

namespace Campaign.Service.Application;

/// <summary>Staff binding: one-time codes from the operator, binding with a code, unbinding.</summary>
public sealed class StaffCommands(
    CampaignDbContext db,
    MerchantStore store,
    TimeProvider timeProvider,
    CampaignMetrics metrics)
{
    public async Task<IssueStaffBindingCodesResponse> IssueStaffBindingCodesAsync(IssueStaffBindingCodesRequest request, CancellationToken cancellationToken)
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
                    ?? throw new NotFoundException($"merchant {request.MerchantId} does not exist");
                if (merchant.Status != (int)MerchantStatus.Approved)
                {
                    throw new FailedPreconditionException($"merchant is {StatusName((MerchantStatus)merchant.Status)}: binding codes are issued only to APPROVED merchants");
                }

                db.StaffBindingCodes.AddRange(codes.Select(code => new StaffBindingCodeRecord { CodeHash = BindingCodes.Hash(code), MerchantId = merchant.Id, IssuedAt = now, ExpiresAt = expiresAt }));
                db.AuditEntries.Add(Persistence.Audit(actor, "IssueStaffBindingCodes", AuditSubject.Staff, merchant.Id, now, merchantId: merchant.Id,
                    reason: $"{codes.Count} code(s) valid until {expiresAt:u}"));
                await db.SaveChangesAsync(ct);
                return codes.Count;
            },
            cancellationToken);
        metrics.StaffBinding("codes_issued", codes.Count);
        var response = new IssueStaffBindingCodesResponse();
        response.Codes.AddRange(codes.Select(code => new StaffBindingCode { Code = code, ExpiresAt = LocalTimes.ToTimestamp(expiresAt) }));
        return response;
    }

    /// <param name="caller">Who presents the code: a person not yet bound to any merchant, or a merchant's account,
    /// which may only bind staff to its own merchant (the code is a secret, but a merchant holding another's code
    /// must not be able to place people there).</param>
    public async Task<StaffMember> BindStaffAsync(BindStaffRequest request, Actor caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
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
                if (earlier is not null && Persistence.IsRetry(earlier.BindRequestHash, fingerprint, request.RequestId, "BindStaff"))
                {
                    return (earlier, true);
                }

                var hash = BindingCodes.Hash(request.BindingCode);
                var code = await db.StaffBindingCodes.AsNoTracking().FirstOrDefaultAsync(c => c.CodeHash == hash, ct)
                    ?? throw new NotFoundException("binding_code: unknown code");
                if (code.UsedAt is not null)
                {
                    throw new FailedPreconditionException("binding_code: the code has been used already");
                }

                if (now >= code.ExpiresAt)
                {
                    throw new FailedPreconditionException($"binding_code: the code expired at {code.ExpiresAt:u}");
                }

                if (caller.Role == ActorRole.Merchant && caller.MerchantId.Length > 0 && caller.MerchantId != code.MerchantId)
                {
                    throw new PermissionDeniedException($"binding_code: the code belongs to another merchant than '{caller.MerchantId}', for which this account acts");
                }

                var merchant = await db.Merchants.AsNoTracking().FirstAsync(m => m.Id == code.MerchantId, ct);
                if (merchant.Status != (int)MerchantStatus.Approved)
                {
                    throw new FailedPreconditionException($"merchant is {StatusName((MerchantStatus)merchant.Status)}: staff bind only to APPROVED merchants");
                }

                if (await db.Staff.AnyAsync(s => s.AccountId == request.AccountId && s.Active, ct))
                {
                    throw new AlreadyExistsException($"account_id: '{request.AccountId}' is bound to a merchant already");
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
                    throw new FailedPreconditionException("binding_code: the code has been used already");
                }

                db.Staff.Add(member);
                var actor = new Actor { ActorId = request.AccountId, Role = ActorRole.Merchant, MerchantId = merchant.Id, DisplayName = request.Name };
                db.AuditEntries.Add(Persistence.Audit(actor, "BindStaff", AuditSubject.Staff, member.Id, now, merchantId: merchant.Id, after: ToProto(member)));
                await db.SaveChangesAsync(ct);
                await db.BumpSnapshotsOfMerchantAsync(merchant.Id, ct);
                return (member, false);
            },
            cancellationToken);
        if (!replayed)
        {
            metrics.StaffBinding("bound");
            await store.AnnounceMerchantCampaignsAsync(staff.MerchantId, cancellationToken);
        }

        return ToProto(staff);
    }

    public async Task<StaffMember> UnbindStaffAsync(UnbindStaffRequest request, CancellationToken cancellationToken)
    {
        var actor = Actors.Require(request.Actor, "UnbindStaff", ActorRole.Operator, ActorRole.Merchant);
        Actors.RequireOwnMerchant(actor, request.MerchantId, "UnbindStaff");
        RequireIds(null, request.MerchantId);
        var now = timeProvider.GetUtcNow();
        var staff = await db.InTransactionAsync(
            async ct =>
            {
                await store.FindMerchantAsync(request.MerchantId, tracked: false, ct);
                var member = await db.Staff.FirstOrDefaultAsync(s => s.Id == request.StaffId && s.MerchantId == request.MerchantId, ct)
                    ?? throw new NotFoundException($"staff {request.StaffId} does not belong to merchant {request.MerchantId}");
                if (!member.Active)
                {
                    throw new FailedPreconditionException($"staff {member.Id} is unbound already");
                }

                var before = ToProto(member);
                member.Active = false;
                member.UnboundAt = now;
                db.AuditEntries.Add(Persistence.Audit(actor, "UnbindStaff", AuditSubject.Staff, member.Id, now, merchantId: member.MerchantId, reason: request.Reason, before: before, after: ToProto(member)));
                await db.SaveChangesAsync(ct);
                await db.BumpSnapshotsOfMerchantAsync(member.MerchantId, ct);
                return member;
            },
            cancellationToken);
        metrics.StaffBinding("unbound");
        await store.AnnounceMerchantCampaignsAsync(staff.MerchantId, cancellationToken);
        return ToProto(staff);
    }
}
