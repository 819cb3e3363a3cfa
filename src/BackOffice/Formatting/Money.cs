using System.Globalization;

namespace BackOffice.Formatting;

/// <summary>Amounts as people read them: ¥ with thousands separators and exactly two decimals, from int64 分.</summary>
public static class Money
{
    /// <summary>"¥1,570,000.00", "-¥0.05": integer arithmetic only, so no amount is ever rounded.</summary>
    public static string Yuan(long cents)
    {
        var negative = cents < 0;
        // long.MinValue has no positive counterpart: work on the unsigned magnitude.
        var magnitude = negative ? unchecked((ulong)-(cents + 1)) + 1 : (ulong)cents;
        var text = string.Create(CultureInfo.InvariantCulture, $"¥{magnitude / 100:N0}.{magnitude % 100:D2}");
        return negative ? "-" + text : text;
    }

    /// <summary>A count with thousands separators.</summary>
    public static string Count(long count) => count.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A ratio of two amounts as "5.44×", rounded half up to two decimals in integer arithmetic; "—" without a denominator.</summary>
    public static string Ratio(long numerator, long denominator)
    {
        if (denominator <= 0 || numerator < 0)
        {
            return "—";
        }

        var hundredths = (((Int128)numerator * 200) + denominator) / ((Int128)denominator * 2);
        return string.Create(CultureInfo.InvariantCulture, $"{(long)(hundredths / 100)}.{(long)(hundredths % 100):D2}×");
    }
}
