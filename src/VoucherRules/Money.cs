namespace VoucherRules;

/// <summary>
/// Money is a <see cref="long"/> count of cents (分); proportions are basis points (10000 = 100%).
/// Every operation here is checked: an overflow is a configuration error, never a silent wrap.
/// </summary>
public static class Money
{
    public const int CentsPerYuan = 100;
    public const int FullShareBasisPoints = 10_000;

    public static long Yuan(long yuan) => checked(yuan * CentsPerYuan);

    /// <summary>
    /// The part of <paramref name="amountCents"/> a share stands for, rounded half away from zero
    /// once. Callers derive the complementary part by subtraction so the two always add up.
    /// </summary>
    public static long Share(long amountCents, int basisPoints)
    {
        if (basisPoints is < 0 or > FullShareBasisPoints)
        {
            throw new ArgumentOutOfRangeException(nameof(basisPoints), basisPoints, "A share is between 0 and 10000 basis points.");
        }

        var scaled = checked(amountCents * basisPoints);
        var quotient = Math.DivRem(scaled, FullShareBasisPoints, out var remainder);
        if (Math.Abs(remainder) * 2 >= FullShareBasisPoints)
        {
            quotient += Math.Sign(scaled);
        }

        return quotient;
    }

    /// <summary>
    /// Splits <paramref name="totalCents"/> in proportion to <paramref name="weights"/> so that the
    /// parts add up to the total exactly (largest-remainder / Hamilton method). Each part first gets
    /// the floor of its exact quota; the cents left over go one each to the largest fractional
    /// remainders, ties to the earlier weight, so the result is deterministic for a given order.
    /// A negative total (a claw-back) is split like its magnitude and negated.
    /// </summary>
    public static long[] AllocateLargestRemainder(long totalCents, IReadOnlyList<long> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0)
        {
            throw new ArgumentException("At least one weight is needed to allocate an amount.", nameof(weights));
        }

        long weightSum = 0;
        foreach (var weight in weights)
        {
            if (weight < 0)
            {
                throw new ArgumentException("Weights cannot be negative.", nameof(weights));
            }

            weightSum = checked(weightSum + weight);
        }

        if (weightSum == 0)
        {
            if (totalCents == 0)
            {
                return new long[weights.Count];
            }

            throw new ArgumentException("Weights sum to zero, so a non-zero amount has nowhere to go.", nameof(weights));
        }

        var sign = Math.Sign(totalCents);
        var magnitude = Math.Abs(totalCents);
        var parts = new long[weights.Count];
        var remainders = new Int128[weights.Count];
        long assigned = 0;
        for (var i = 0; i < weights.Count; i++)
        {
            // Int128 keeps total × weight exact for any pair of realistic longs.
            var product = (Int128)magnitude * weights[i];
            parts[i] = (long)(product / weightSum);
            remainders[i] = product % weightSum;
            assigned += parts[i];
        }

        var leftover = magnitude - assigned;
        var order = Enumerable.Range(0, weights.Count)
            .OrderByDescending(i => remainders[i])
            .ThenBy(i => i)
            .Take((int)leftover);
        foreach (var index in order)
        {
            parts[index]++;
        }

        if (sign < 0)
        {
            for (var i = 0; i < parts.Length; i++)
            {
                parts[i] = -parts[i];
            }
        }

        return parts;
    }

    /// <summary>Renders cents as yuan with two decimals ("1,570,000.00") for refusal messages.</summary>
    public static string FormatYuan(long cents)
    {
        var sign = cents < 0 ? "-" : string.Empty;
        var magnitude = Int128.Abs(cents);
        var yuan = magnitude / CentsPerYuan;
        var fen = magnitude % CentsPerYuan;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{sign}{(long)yuan:#,0}.{(int)fen:00}");
    }
}
