using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;
using ServiceDefaults;
using Vouchers.Common.V1;

namespace ServiceDefaults.Tests;

/// <summary>The bearer scheme's validation with remembered tokens: the same answers as a full validation, only cheaper.</summary>
public sealed class AcceptedTokenCacheTests
{
    private static readonly SymmetricSecurityKey Key = new(Convert.FromBase64String(Convert.ToBase64String("accepted-token-cache tests key, 32+ bytes long"u8)));
    private static readonly SymmetricSecurityKey OtherKey = new(Convert.FromBase64String(Convert.ToBase64String("another key that signed nothing we trust here"u8)));

    private static TokenValidationParameters Parameters() => new()
    {
        ValidAudience = TokenClaims.Audience,
        ValidateIssuer = false,
        IssuerSigningKey = Key,
        ClockSkew = TimeSpan.Zero,
        NameClaimType = TokenClaims.Subject,
        RoleClaimType = TokenClaims.Role,
    };

    private static string Token(string subject, TimeSpan lifetime, SecurityKey? key = null) => SharedKeyTokens.Mint(
        new Actor { ActorId = subject, Role = ActorRole.Channel, ChannelId = "unionpay", DisplayName = subject },
        key ?? Key, issuer: null, DateTimeOffset.UtcNow.AddSeconds(-1), lifetime);

    [Fact]
    public async Task A_remembered_token_gives_each_caller_its_own_copy_of_the_same_identity()
    {
        var cache = new AcceptedTokenCache();
        var token = Token("channel-user", TimeSpan.FromMinutes(5));

        var first = await cache.ValidateTokenAsync(token, Parameters());
        var second = await cache.ValidateTokenAsync(token, Parameters());

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal(1, cache.Count);
        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.Equal(
            first.ClaimsIdentity.Claims.Select(c => (c.Type, c.Value)),
            second.ClaimsIdentity.Claims.Select(c => (c.Type, c.Value)));
        Assert.Equal("unionpay", second.ClaimsIdentity.FindFirst(TokenClaims.ChannelId)?.Value);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused_every_time_and_never_remembered()
    {
        var cache = new AcceptedTokenCache();
        var forged = Token("forger", TimeSpan.FromMinutes(5), OtherKey);

        var first = await cache.ValidateTokenAsync(forged, Parameters());
        var second = await cache.ValidateTokenAsync(forged, Parameters());

        Assert.False(first.IsValid);
        Assert.False(second.IsValid);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task A_remembered_token_stops_passing_when_it_expires()
    {
        var cache = new AcceptedTokenCache();
        var token = Token("short-lived", TimeSpan.FromSeconds(2));
        Assert.True((await cache.ValidateTokenAsync(token, Parameters())).IsValid);

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var afterExpiry = await cache.ValidateTokenAsync(token, Parameters());

        Assert.False(afterExpiry.IsValid);
        Assert.IsType<SecurityTokenExpiredException>(afterExpiry.Exception);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task The_cache_never_holds_more_tokens_than_its_capacity()
    {
        var cache = new AcceptedTokenCache(capacity: 2);

        foreach (var subject in new[] { "a", "b", "c", "d", "e" })
        {
            Assert.True((await cache.ValidateTokenAsync(Token(subject, TimeSpan.FromMinutes(5)), Parameters())).IsValid);
            Assert.InRange(cache.Count, 0, cache.Capacity);
        }
    }
}
