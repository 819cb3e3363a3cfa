using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VoucherRules;

/// <summary>
/// The page-size limits of every list call (voucher.v1.PageRequest): 0 means the default, larger
/// values are lowered to the maximum, negative values are refused.
/// </summary>
public static class PageSize
{
    public const int Default = 50;
    public const int Max = 1000;

    public static int Resolve(int requested) => requested switch
    {
        < 0 => throw new InvalidArgumentException("page.page_size", "cannot be negative"),
        0 => Default,
        _ => Math.Min(requested, Max),
    };
}

/// <summary>
/// Keyset page tokens: the sort key of the last item returned, bound to the request's filters. A
/// token is opaque to callers (base64url); reading it with other filters, or a token that is not
/// ours, is INVALID_ARGUMENT. Keyset rather than offset, so pages stay stable while rows are added
/// and the database seeks instead of skipping.
/// </summary>
public static class PageToken
{
    private const char Separator = '\u001f';
    private const string Refusal = "not a token from this list with these filters";

    /// <summary>The token that continues after the item whose sort key is <paramref name="lastKey"/>.</summary>
    public static string Create(string filterKey, params string[] lastKey)
    {
        ArgumentNullException.ThrowIfNull(lastKey);
        var text = string.Join(Separator, [FilterHash(filterKey), .. lastKey]);
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The sort key a token continues after; null for an empty token (the first page).</summary>
    public static IReadOnlyList<string>? Read(string? token, string filterKey, int keyParts)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(base64)).Split(Separator);
            if (parts.Length == keyParts + 1 && string.Equals(parts[0], FilterHash(filterKey), StringComparison.Ordinal))
            {
                return parts[1..];
            }
        }
        catch (FormatException)
        {
            // Falls through to the refusal: a token that is not ours.
        }

        throw new InvalidArgumentException("page.page_token", Refusal);
    }

    /// <summary>Reads a numeric key part written by <see cref="Key(long)"/>.</summary>
    public static long ReadLong(string part) =>
        long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidArgumentException("page.page_token", Refusal);

    /// <summary>Reads an instant key part written by <see cref="Key(DateTimeOffset)"/>.</summary>
    public static DateTimeOffset ReadInstant(string part) => new(ReadLong(part), TimeSpan.Zero);

    public static string Key(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>UTC ticks: exact, so the keyset comparison sees the same value the row holds.</summary>
    public static string Key(DateTimeOffset value) => Key(value.UtcTicks);

    /// <summary>
    /// One page from rows fetched with one more than <paramref name="size"/>: the extra row only tells
    /// that a next page exists, and the token continues after the last row returned.
    /// </summary>
    public static (IReadOnlyList<T> Items, string NextToken) Page<T>(IReadOnlyList<T> fetched, int size, string filterKey, Func<T, string[]> keyOf)
    {
        ArgumentNullException.ThrowIfNull(fetched);
        ArgumentNullException.ThrowIfNull(keyOf);
        if (fetched.Count <= size)
        {
            return (fetched, string.Empty);
        }

        var items = fetched.Take(size).ToList();
        return (items, Create(filterKey, keyOf(items[^1])));
    }

    private static string FilterHash(string filterKey) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(filterKey ?? string.Empty)))[..16];
}
