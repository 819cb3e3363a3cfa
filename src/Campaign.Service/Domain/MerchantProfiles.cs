using Campaign.Service.Data;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;

namespace Campaign.Service.Domain;

/// <summary>Merchant profile checks, the status a review sets, and what the audit log may show of a profile.</summary>
public static class MerchantProfiles
{
    public static void ValidateProfile(MerchantProfile? profile, IReadOnlyDictionary<string, bool> catalogue, FieldProblems problems)
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

    public static void ApplyProfile(MerchantRecord merchant, MerchantProfile profile, DateTimeOffset now)
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

    public static void SetStatus(MerchantRecord merchant, MerchantStatus status, string reason, Actor actor, DateTimeOffset now)
    {
        merchant.Status = (int)status;
        merchant.StatusReason = reason;
        merchant.StatusChangedAt = now;
        merchant.StatusChangedByJson = ProtoJson.Format(actor);
    }

    /// <summary>The audit log keeps no account numbers or phones in clear.</summary>
    public static MerchantProfile Redacted(MerchantProfile profile)
    {
        var copy = profile.Clone();
        copy.ContactPhone = BindingCodes.MaskPhone(copy.ContactPhone);
        if (copy.PayoutAccount is { } account)
        {
            account.AccountNumber = BindingCodes.MaskAccount(account.AccountNumber);
        }

        return copy;
    }

    public static void RequireIds(string? campaignId, string merchantId)
    {
        if (campaignId is not null && string.IsNullOrWhiteSpace(campaignId))
        {
            throw new InvalidArgumentException("campaign_id", "required");
        }

        if (string.IsNullOrWhiteSpace(merchantId))
        {
            throw new InvalidArgumentException("merchant_id", "required");
        }
    }

    public static string StatusName(MerchantStatus status) => status switch
    {
        MerchantStatus.PendingPledge => "PENDING_PLEDGE",
        MerchantStatus.PendingReview => "PENDING_REVIEW",
        _ => status.ToString().ToUpperInvariant(),
    };
}
