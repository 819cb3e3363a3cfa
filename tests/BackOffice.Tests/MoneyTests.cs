using BackOffice.Formatting;

namespace BackOffice.Tests;

public sealed class MoneyTests
{
    [Theory]
    [InlineData(157_000_000L, "¥1,570,000.00")]
    [InlineData(5L, "¥0.05")]
    [InlineData(0L, "¥0.00")]
    [InlineData(100L, "¥1.00")]
    [InlineData(-12_345L, "-¥123.45")]
    [InlineData(601_636_217L, "¥6,016,362.17")]
    [InlineData(long.MaxValue, "¥92,233,720,368,547,758.07")]
    [InlineData(long.MinValue, "-¥92,233,720,368,547,758.08")]
    public void Yuan_shows_every_cent_with_thousands_separators(long cents, string expected) =>
        Assert.Equal(expected, Money.Yuan(cents));

    [Theory]
    [InlineData(601_636_217L, 110_543_000L, "5.44×")]
    [InlineData(1L, 3L, "0.33×")]
    [InlineData(2L, 3L, "0.67×")]
    [InlineData(5L, 1L, "5.00×")]
    [InlineData(1L, 0L, "—")]
    [InlineData(-1L, 10L, "—")]
    public void Ratio_rounds_half_up_to_two_decimals_and_has_no_value_without_a_denominator(long numerator, long denominator, string expected) =>
        Assert.Equal(expected, Money.Ratio(numerator, denominator));
}
