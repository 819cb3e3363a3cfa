namespace VoucherRules.Tests;

/// <summary>The five seed campaigns of DOMAIN.md, exactly as written, in cents.</summary>
internal static class Seeds
{
    public static long Y(long yuan) => Money.Yuan(yuan);

    public static readonly string[] S2Categories = ["lodging", "catering", "fuel", "produce", "books"];

    /// <summary>S2 (乾安 2022) quantities: face value in yuan → quantity per category, blanks as 0.</summary>
    public static readonly (long Face, long[] Quantities)[] S2Table =
    [
        (20, [0, 0, 0, 2500, 1000]),
        (50, [4000, 0, 4000, 1400, 400]),
        (100, [2000, 500, 2000, 500, 100]),
        (200, [1000, 250, 500, 0, 0]),
        (500, [0, 100, 200, 0, 0]),
    ];

    public static List<AllocationCell> S2Cells() =>
        S2Table.SelectMany(row => row.Quantities
                .Select((quantity, column) => (quantity, column))
                .Where(x => x.quantity > 0)
                .Select(x => new AllocationCell("", row.Face.ToString(), Y(row.Face), S2Categories[x.column], "", x.quantity)))
            .ToList();

    /// <summary>S1 (华亭 2023): (minimum spend, face value, quantity) in yuan.</summary>
    public static readonly (long MinimumSpend, long Face, long Quantity)[] S1Tiers =
        [(30, 10, 2000), (60, 20, 1500), (150, 50, 3000), (400, 100, 1000), (800, 200, 200), (1200, 300, 200)];

    public static readonly (long MinimumSpend, long Face, long Quantity)[] S3Tiers =
        [(100, 20, 4000), (200, 40, 4000), (300, 80, 2000)];

    /// <summary>S4 (乾安 2020): the local-products tier then the general tiers.</summary>
    public static readonly (string TierId, long MinimumSpend, long Face, long Quantity)[] S4Tiers =
    [
        ("local-100", 200, 100, 4000),
        ("20", 100, 20, 250),
        ("50", 200, 50, 500),
        ("100", 500, 100, 900),
        ("200", 1000, 200, 1400),
        ("400", 2000, 400, 3000),
    ];

    /// <summary>S5 (张店 2023): per batch, (qualifying item amount, face value, quantity).</summary>
    public static readonly (long ItemMinimum, long Face, long Quantity)[] S5BatchTiers = [(2000, 200, 500), (1000, 100, 1500)];

    public static TimeZoneInfo Shanghai => TimeZones.Resolve(TimeZones.DefaultZoneId);
}
