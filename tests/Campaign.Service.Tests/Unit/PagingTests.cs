using VoucherRules;

namespace Campaign.Service.Tests.Unit;

/// <summary>The one keyset paging model and page-size limits every list call uses.</summary>
public class PagingTests
{
    [Theory]
    [InlineData(0, PageSize.Default)]
    [InlineData(3, 3)]
    [InlineData(5000, PageSize.Max)]
    public void Page_sizes_default_and_cap(int requested, int expected) => Assert.Equal(expected, PageSize.Resolve(requested));

    [Fact]
    public void A_negative_page_size_is_a_field_violation()
    {
        var refusal = Assert.Throws<InvalidArgumentException>(() => PageSize.Resolve(-1));
        Assert.Equal("page.page_size: cannot be negative", refusal.Message);
    }

    [Fact]
    public void A_token_carries_the_last_key_and_only_fits_its_filters()
    {
        var at = new DateTimeOffset(2023, 3, 1, 2, 0, 0, TimeSpan.Zero);
        var token = PageToken.Create("campaigns|x", PageToken.Key(at), "cmp-1");
        var key = PageToken.Read(token, "campaigns|x", keyParts: 2);
        Assert.NotNull(key);
        Assert.Equal(at, PageToken.ReadInstant(key[0]));
        Assert.Equal("cmp-1", key[1]);
        Assert.Null(PageToken.Read(string.Empty, "campaigns|x", keyParts: 2));

        Assert.Equal("page.page_token: not a token from this list with these filters", Assert.Throws<InvalidArgumentException>(() => PageToken.Read(token, "campaigns|y", keyParts: 2)).Message);
        Assert.Throws<InvalidArgumentException>(() => PageToken.Read(token, "campaigns|x", keyParts: 1));
        Assert.Throws<InvalidArgumentException>(() => PageToken.Read("not base64!", "campaigns|x", keyParts: 2));
    }

    [Fact]
    public void A_page_has_a_next_token_only_when_more_rows_were_fetched_than_asked_for()
    {
        var (items, next) = PageToken.Page([1L, 2L, 3L], 2, "f", n => [PageToken.Key(n)]);
        Assert.Equal([1L, 2L], items);
        Assert.Equal(2, PageToken.ReadLong(PageToken.Read(next, "f", 1)![0]));

        var (last, none) = PageToken.Page([4L], 2, "f", n => [PageToken.Key(n)]);
        Assert.Single(last);
        Assert.Empty(none);
    }
}
