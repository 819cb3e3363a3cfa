namespace VoucherRules;

/// <summary>What is left of one tier in the category a person chose to draw in.</summary>
public sealed record DrawStock(string TierId, long FaceValueCents, long Remaining);

public enum DrawWeighting
{
    /// <summary>Every remaining voucher is equally likely, so tiers weigh by remaining quantity.</summary>
    ByRemainingStock,
    /// <summary>Every tier that still has stock is equally likely.</summary>
    UniformOverTiers,
}

/// <summary>
/// The lucky-draw wheel (幸运大转盘): the person picks a category, the draw picks a denomination
/// from what that category has left. A tier with nothing left has weight zero and can never come up.
/// </summary>
public static class LuckyDraw
{
    /// <summary>
    /// Picks a tier using <paramref name="random"/>; null when the whole category is sold out.
    /// Tests pass a seeded <see cref="Random"/>; the service passes one it owns.
    /// </summary>
    public static DrawStock? Choose(IReadOnlyList<DrawStock> categoryStock, Random random, DrawWeighting weighting = DrawWeighting.ByRemainingStock)
    {
        ArgumentNullException.ThrowIfNull(random);
#pragma warning disable CA5394 // The draw needs a fair spread, not secrecy: the outcome is shown to the person at once.
        return ChooseWithRoll(categoryStock, upperBound => random.NextInt64(upperBound), weighting);
#pragma warning restore CA5394
    }

    /// <summary>
    /// Picks a tier from a roll: <paramref name="rollBelow"/> is asked for a uniform integer in
    /// [0, n) and the tiers are laid end to end in list order, each as wide as its weight.
    /// </summary>
    public static DrawStock? ChooseWithRoll(IReadOnlyList<DrawStock> categoryStock, Func<long, long> rollBelow, DrawWeighting weighting = DrawWeighting.ByRemainingStock)
    {
        ArgumentNullException.ThrowIfNull(categoryStock);
        ArgumentNullException.ThrowIfNull(rollBelow);
        if (categoryStock.Any(s => s.Remaining < 0))
        {
            throw new ArgumentException("Remaining stock cannot be negative.", nameof(categoryStock));
        }

        long Weight(DrawStock stock) => stock.Remaining == 0 ? 0 : weighting == DrawWeighting.ByRemainingStock ? stock.Remaining : 1;
        var total = categoryStock.Aggregate(0L, (sum, s) => checked(sum + Weight(s)));
        if (total == 0)
        {
            return null;
        }

        var roll = rollBelow(total);
        if (roll < 0 || roll >= total)
        {
            throw new InvalidOperationException($"The roll {roll} is outside [0, {total}).");
        }

        foreach (var stock in categoryStock)
        {
            var weight = Weight(stock);
            if (roll < weight)
            {
                return stock;
            }

            roll -= weight;
        }

        throw new InvalidOperationException("A roll inside the total always lands on a tier.");
    }
}
