using Vouchers.Common.V1;
using VoucherRules;

namespace Campaign.Service.Application;

/// <summary>List calls: voucher.v1 paging on top of the shared keyset model (<see cref="PageSize"/>, <see cref="PageToken"/>).</summary>
public static class KeysetPages
{
    /// <summary>The page size to fetch and the sort key to continue after (null on the first page).</summary>
    public static (int Size, IReadOnlyList<string>? After) Read(PageRequest? page, string filterKey, int keyParts) =>
        (PageSize.Resolve(page?.PageSize ?? 0), PageToken.Read(page?.PageToken, filterKey, keyParts));

    public static PageResponse Response(string nextToken, long total) => new() { NextPageToken = nextToken, TotalSize = total };

    /// <summary>A list filter may not name the UNSPECIFIED value of its enum.</summary>
    public static void RequireSpecified<T>(IEnumerable<T> values, T unspecified, string field, string problem)
        where T : struct, Enum
    {
        if (values.Contains(unspecified))
        {
            throw new InvalidArgumentException(field, problem);
        }
    }
}
