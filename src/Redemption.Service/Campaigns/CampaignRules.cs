using System.Collections.Concurrent;
using Redemption.Service.Domain;
using Vouchers.Campaign.V1;

namespace Redemption.Service.Campaigns;

/// <summary>A merchant as one campaign's snapshot lists it.</summary>
public sealed record CampaignMerchant(string MerchantId, string TradeName, MerchantTerms Terms);

/// <summary>One campaign's snapshot read into the terms the redemption rules take.</summary>
public sealed record CampaignView(string CampaignId, long Version, CampaignTerms Terms, IReadOnlyDictionary<string, CampaignMerchant> Merchants, CampaignSnapshot Snapshot)
{
    public static CampaignView From(CampaignSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var details = snapshot.Campaign ?? new CampaignDetails();
        var settings = details.Settings ?? new CampaignSettings();
        var policy = settings.RedemptionPolicy ?? new RedemptionPolicy();
        var zone = VoucherRules.TimeZones.Resolve(string.IsNullOrWhiteSpace(settings.TimeZone) ? null : settings.TimeZone);
        var terms = new CampaignTerms(
            details.State == CampaignState.Running,
            details.PeriodEndUtc?.ToDateTimeOffset(),
            policy.MaxVoucherValuePerTransactionCents,
            policy.RequiredDetails.Where(d => d != RedemptionDetail.Unspecified).Select(d => (RequiredDetail)(int)d).ToList(),
            policy.MissingDetailHandling == MissingDetailHandling.Refuse,
            policy.RefundPolicy == RefundPolicy.VoucherReturned,
            policy.VoidWindowMinutes,
            zone);
        var merchants = snapshot.Merchants.ToDictionary(
            m => m.MerchantId,
            m => new CampaignMerchant(m.MerchantId, m.TradeName, new MerchantTerms(
                m.Status switch
                {
                    MerchantStatus.Approved => MerchantStanding.Approved,
                    MerchantStatus.Suspended => MerchantStanding.Suspended,
                    _ => MerchantStanding.NotEnrolled,
                },
                m.CategoryIds.ToList(),
                m.ActiveStaffIds.ToHashSet(StringComparer.Ordinal))),
            StringComparer.Ordinal);
        return new CampaignView(snapshot.CampaignId, snapshot.SnapshotVersion, terms, merchants, snapshot);
    }

    /// <summary>The merchant's standing in this campaign; not enrolled when the snapshot does not list it.</summary>
    public CampaignMerchant MerchantOrAbsent(string merchantId) =>
        Merchants.TryGetValue(merchantId, out var merchant)
            ? merchant
            : new CampaignMerchant(merchantId, string.Empty, new MerchantTerms(MerchantStanding.NotEnrolled, [], new HashSet<string>()));
}

/// <summary>
/// The newest snapshot of every campaign this copy knows, from the Campaign service's watch stream: a pause, an end or
/// a merchant suspension reaches the rules as soon as the snapshot arrives. An older or equal version never replaces
/// a newer one.
/// </summary>
public sealed class CampaignRules(ServiceDefaults.CampaignSnapshotFollowing? following = null)
{
    // Without a follower (tests that feed snapshots themselves) the rules are complete by definition.
    private readonly ServiceDefaults.CampaignSnapshotFollowing _following = following ?? new();

    private readonly ConcurrentDictionary<string, CampaignView> _campaigns = new(StringComparer.Ordinal);

    public IReadOnlyCollection<CampaignView> All => _campaigns.Values.ToList();

    public bool Apply(CampaignSnapshot snapshot)
    {
        var view = CampaignView.From(snapshot);
        while (true)
        {
            if (_campaigns.TryGetValue(view.CampaignId, out var current))
            {
                if (current.Version >= view.Version)
                {
                    return false;
                }

                if (_campaigns.TryUpdate(view.CampaignId, view, current))
                {
                    return true;
                }
            }
            else if (_campaigns.TryAdd(view.CampaignId, view))
            {
                return true;
            }
        }
    }

    public CampaignView? Find(string campaignId) => _campaigns.TryGetValue(campaignId, out var view) ? view : null;

    /// <summary>Whether this copy holds every campaign's snapshot: until then, something it does not know may still exist.</summary>
    public bool Complete => _following.CaughtUp;

    /// <summary>What a lookup that found nothing answers: NOT_FOUND once every snapshot is in, UNAVAILABLE before.</summary>
    public Exception Missing(string notFound) => _following.Missing(notFound);

    /// <summary>Whether any campaign lists the merchant (enrolled, suspended or not): an unknown merchant is NOT_FOUND.</summary>
    public bool KnowsMerchant(string merchantId) => _campaigns.Values.Any(c => c.Merchants.ContainsKey(merchantId));

    /// <summary>Known versions, for reconnecting the watch without receiving them again.</summary>
    public IReadOnlyDictionary<string, long> Versions => _campaigns.ToDictionary(p => p.Key, p => p.Value.Version, StringComparer.Ordinal);
}
