using Campaign.Service.Data;
using Campaign.Service.Domain;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;
using static Campaign.Service.Domain.MerchantProfiles;

namespace Campaign.Service.Application;

/// <summary>Stored merchant rows to campaign.v1 messages.</summary>
public static class MerchantMapping
{
    public static IntegrityPledge ToProto(IntegrityPledgeRecord record) => new()
    {
        Version = record.Version,
        Title = record.Title,
        Text = record.Text,
        PublishedAt = LocalTimes.ToTimestamp(record.PublishedAt),
    };

    public static CampaignMerchant ToProto(CampaignMerchantRecord enrolment, MerchantRecord merchant)
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

    public static StaffMember ToProto(StaffRecord staff) => new()
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
