using System.Security.Claims;
using BackOffice.SignIn;
using Vouchers.Common.V1;

namespace BackOffice.Tests;

public sealed class SignInTests
{
    private static ClaimsPrincipal User(string role, string? merchant = null)
    {
        List<Claim> claims = [new(BackOfficeClaims.Subject, "u-1"), new(BackOfficeClaims.Name, "张三"), new(BackOfficeClaims.Role, role)];
        if (merchant is not null)
        {
            claims.Add(new(BackOfficeClaims.MerchantId, merchant));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, "test", BackOfficeClaims.Name, BackOfficeClaims.Role));
    }

    [Theory]
    [InlineData("operator", ActorRole.Operator)]
    [InlineData("finance", ActorRole.Finance)]
    [InlineData("auditor", ActorRole.Auditor)]
    [InlineData("merchant", ActorRole.Merchant)]
    [InlineData("channel", ActorRole.Unspecified)]
    public void The_actor_carries_the_role_the_claims_name_and_an_unknown_role_is_no_role(string role, ActorRole expected)
    {
        var actor = BackOfficeClaims.ToActor(User(role, "m-1"));
        Assert.Equal(expected, actor.Role);
        Assert.Equal("u-1", actor.ActorId);
        Assert.Equal("张三", actor.DisplayName);
        Assert.Equal(expected == ActorRole.Merchant ? "m-1" : string.Empty, actor.MerchantId);
    }

    [Fact]
    public void A_merchant_may_open_only_its_own_pages_and_the_bureau_every_merchant()
    {
        Assert.True(BackOfficeClaims.MayOpenMerchant(User("merchant", "m-1"), "m-1"));
        Assert.False(BackOfficeClaims.MayOpenMerchant(User("merchant", "m-1"), "m-2"));
        Assert.False(BackOfficeClaims.MayOpenMerchant(User("merchant"), "m-2"));
        Assert.True(BackOfficeClaims.MayOpenMerchant(User("operator"), "m-2"));
        Assert.True(BackOfficeClaims.MayOpenMerchant(User("auditor"), "m-2"));
        Assert.False(BackOfficeClaims.MayOpenMerchant(User("channel"), "m-2"));
    }

    [Theory]
    [InlineData("/campaigns/1", "/campaigns/1")]
    [InlineData("//evil.example/x", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    public void Sign_in_and_language_switch_only_return_to_pages_of_the_site(string? returnUrl, string expected) =>
        Assert.Equal(expected, SignInSetup.LocalOnly(returnUrl));

    [Fact]
    public void A_stored_token_is_found_by_its_session_until_it_expires()
    {
        var clock = new TestSupport.TestClock(DateTimeOffset.UnixEpoch);
        var store = new AccessTokenStore(clock);
        store.Store("s-1", "token-1", clock.Now.AddMinutes(5));
        Assert.Equal("token-1", store.Find("s-1"));
        Assert.Null(store.Find("s-2"));
        Assert.Null(store.Find(null));
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(store.Find("s-1"));
    }
}
