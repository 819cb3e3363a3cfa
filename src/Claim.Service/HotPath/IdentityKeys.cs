using Microsoft.Extensions.Options;
using Vouchers.Common.V1;
using Rules = VoucherRules;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;

namespace Claim.Service.HotPath;

/// <summary>A person's keys as the service keeps them: HMAC hashes with masked display forms, never the raw values.</summary>
public sealed record HashedPerson(
    string AccountHash,
    IReadOnlyList<Rules.HashedIdentityKey> CountedKeys,
    IReadOnlyList<MaskedIdentityKey> MaskedKeys)
{
    /// <summary>Block-list members ("kind:hash") of every key the person supplied.</summary>
    public IEnumerable<string> BlockMembers => MaskedKeys.Select(k => BlockMember(CampaignPlan.ToRules(k.Kind), k.KeyHash));

    public static string BlockMember(Rules.IdentityKeyKind kind, string hash) => $"{(int)kind}:{hash}";
}

/// <summary>Hashes identity keys with the configured secret (see <see cref="Rules.IdentityHashing"/>).</summary>
public sealed class IdentityKeys(IOptions<ClaimOptions> options)
{
    private static readonly Rules.IdentityKeyKind[] AllKinds =
        [Rules.IdentityKeyKind.ChannelAccount, Rules.IdentityKeyKind.Phone, Rules.IdentityKeyKind.NationalId, Rules.IdentityKeyKind.DeviceId];

    private readonly byte[] _secret = options.Value.IdentitySecretBytes();

    public static Rules.PersonIdentity ToRules(PersonIdentity person)
    {
        ArgumentNullException.ThrowIfNull(person);
        return new Rules.PersonIdentity(person.ChannelId, person.ChannelAccountId, person.Phone, person.NationalId, person.DeviceId);
    }

    /// <summary>
    /// The wallet key (channel + account) and the keys that count as the person in <paramref name="countedKinds"/>.
    /// Null when the channel account is missing: without it there is no wallet to put a voucher in.
    /// </summary>
    public HashedPerson? Hash(PersonIdentity? person, IReadOnlyCollection<Rules.IdentityKeyKind> countedKinds)
    {
        if (person is null || string.IsNullOrWhiteSpace(person.ChannelId) || string.IsNullOrWhiteSpace(person.ChannelAccountId))
        {
            return null;
        }

        var rules = ToRules(person);
        var all = Rules.IdentityHashing.Hash(rules, AllKinds, _secret);
        var account = string.Empty;
        var counted = new List<Rules.HashedIdentityKey>(all.Count);
        var masked = new List<MaskedIdentityKey>(all.Count);
        foreach (var key in all)
        {
            if (key.Kind == Rules.IdentityKeyKind.ChannelAccount)
            {
                account = key.Hash;
            }

            if (countedKinds.Contains(key.Kind))
            {
                counted.Add(key);
            }

            masked.Add(new MaskedIdentityKey
            {
                Kind = CampaignPlan.ToProto(key.Kind),
                KeyHash = key.Hash,
                MaskedValue = Rules.IdentityHashing.Mask(rules, key.Kind),
            });
        }

        return new HashedPerson(account, counted, masked);
    }

    /// <summary>The hash of one raw key, as an operator types it for the block list.</summary>
    public string HashOne(Rules.IdentityKeyKind kind, string value, string channelId)
    {
        var person = kind switch
        {
            Rules.IdentityKeyKind.ChannelAccount => new Rules.PersonIdentity(channelId, value),
            Rules.IdentityKeyKind.Phone => new Rules.PersonIdentity(string.Empty, string.Empty, Phone: value),
            Rules.IdentityKeyKind.NationalId => new Rules.PersonIdentity(string.Empty, string.Empty, NationalId: value),
            _ => new Rules.PersonIdentity(string.Empty, string.Empty, DeviceId: value),
        };
        return Rules.IdentityHashing.Hash(person, [kind], _secret).Select(k => k.Hash).FirstOrDefault()
            ?? throw InvalidArgumentException.ForField("person", $"the {kind} key is empty");
    }

    public static string MaskOne(Rules.IdentityKeyKind kind, string value, string channelId) => Rules.IdentityHashing.Mask(
        kind switch
        {
            Rules.IdentityKeyKind.ChannelAccount => new Rules.PersonIdentity(channelId, value),
            Rules.IdentityKeyKind.Phone => new Rules.PersonIdentity(string.Empty, string.Empty, Phone: value),
            Rules.IdentityKeyKind.NationalId => new Rules.PersonIdentity(string.Empty, string.Empty, NationalId: value),
            _ => new Rules.PersonIdentity(string.Empty, string.Empty, DeviceId: value),
        },
        kind);
}
