using System.Buffers;
using System.Text;

namespace VoucherRules;

/// <summary>
/// Ids as segments of Redis keys, the one escaping every key builder uses (claim limits here, stock, request and
/// stats keys in the Claim service). Every character with a meaning in a key is escaped: ':' and '|' separate
/// segments, '{' '}' mark the hash tag that keeps a campaign's keys in one slot, '%' is the escape itself. So two
/// different ids never give one key, and a campaign's hash tag is the same whichever builder made the key.
/// </summary>
public static class KeySegments
{
    private static readonly SearchValues<char> Reserved = SearchValues.Create("%:{}|");

    public static string Escape(string id)
    {
        ArgumentNullException.ThrowIfNull(id);

        // Ids almost never hold a reserved character; the common case returns the id itself rather than a copy built
        // one character at a time (this runs several times per claim).
        if (id.AsSpan().IndexOfAny(Reserved) < 0)
        {
            return id;
        }

        var builder = new StringBuilder(id.Length + 8);
        foreach (var c in id)
        {
            _ = c switch
            {
                '%' => builder.Append("%25"),
                ':' => builder.Append("%3A"),
                '{' => builder.Append("%7B"),
                '}' => builder.Append("%7D"),
                '|' => builder.Append("%7C"),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }
}
