using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServiceDefaults;

namespace ServiceDefaults.Tests;

public sealed class CachingJsonWebTokenHandlerTests
{
    private static readonly SymmetricSecurityKey Key = new(Encoding.UTF8.GetBytes("caching handler tests, a key of more than 32 bytes"));
    private static readonly SymmetricSecurityKey OtherKey = new(Encoding.UTF8.GetBytes("another key that signed nothing we were given here"));

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    private static string Token(string subject, TimeSpan lifetime) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "test-issuer",
        Audience = TokenClaims.Audience,
        Subject = new ClaimsIdentity([new Claim(TokenClaims.Subject, subject), new Claim(TokenClaims.Role, Roles.Channel)]),
        Expires = DateTime.UtcNow + lifetime,
        SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
    });

    private static TokenValidationParameters Parameters(SecurityKey key) => new()
    {
        ValidIssuer = "test-issuer",
        ValidAudience = TokenClaims.Audience,
        IssuerSigningKey = key,
    };

    [Fact]
    public async Task An_accepted_token_is_remembered_and_answered_without_validating_again_until_the_maximum_age()
    {
        var handler = new CachingJsonWebTokenHandler(_clock);
        var token = Token("channel-a", TimeSpan.FromHours(1));
        Assert.True((await handler.ValidateTokenAsync(token, Parameters(Key))).IsValid);
        Assert.Equal(1, handler.Count);

        // Parameters that would refuse it now are not consulted while the remembered answer is young...
        Assert.True((await handler.ValidateTokenAsync(token, Parameters(OtherKey))).IsValid);

        // ...and are once it is older than the maximum age.
        _clock.Advance(CachingJsonWebTokenHandler.MaximumAge + TimeSpan.FromSeconds(1));
        Assert.False((await handler.ValidateTokenAsync(token, Parameters(OtherKey))).IsValid);
        Assert.Equal(0, handler.Count);
    }

    [Fact]
    public async Task A_remembered_token_is_not_answered_from_memory_past_its_own_expiry()
    {
        var handler = new CachingJsonWebTokenHandler(_clock);
        var token = Token("channel-a", TimeSpan.FromMinutes(2));
        Assert.True((await handler.ValidateTokenAsync(token, Parameters(Key))).IsValid);
        _clock.Advance(TimeSpan.FromMinutes(3));
        Assert.False((await handler.ValidateTokenAsync(token, Parameters(OtherKey))).IsValid);
    }

    [Fact]
    public async Task A_refused_token_is_never_remembered()
    {
        var handler = new CachingJsonWebTokenHandler(_clock);
        var token = Token("channel-a", TimeSpan.FromHours(1));
        Assert.False((await handler.ValidateTokenAsync(token, Parameters(OtherKey))).IsValid);
        Assert.Equal(0, handler.Count);
        Assert.False((await handler.ValidateTokenAsync(token + "x", Parameters(Key))).IsValid);
        Assert.Equal(0, handler.Count);
    }

    [Fact]
    public async Task Each_caller_gets_its_own_copy_of_the_claims()
    {
        var handler = new CachingJsonWebTokenHandler(_clock);
        var token = Token("channel-a", TimeSpan.FromHours(1));
        var first = await handler.ValidateTokenAsync(token, Parameters(Key));
        first.ClaimsIdentity.AddClaim(new Claim("added-by-one-request", "x"));
        var second = await handler.ValidateTokenAsync(token, Parameters(Key));
        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.Null(second.ClaimsIdentity.FindFirst("added-by-one-request"));
        Assert.Equal("channel-a", second.ClaimsIdentity.FindFirst(TokenClaims.Subject)?.Value);
    }

    [Fact]
    public async Task A_remembered_token_answers_from_memory_with_its_own_copy_only_while_fresh_and_an_unknown_one_does_not()
    {
        var handler = new CachingJsonWebTokenHandler(_clock);
        var token = Token("channel-a", TimeSpan.FromMinutes(2));
        Assert.Null(handler.Remembered(token));
        Assert.True((await handler.ValidateTokenAsync(token, Parameters(Key))).IsValid);

        var first = handler.Remembered(token);
        Assert.Equal("channel-a", first?.FindFirst(TokenClaims.Subject)?.Value);
        first!.AddClaim(new Claim("added-by-one-request", "x"));
        Assert.Null(handler.Remembered(token)?.FindFirst("added-by-one-request"));
        Assert.Null(handler.Remembered(token + "x"));

        _clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Null(handler.Remembered(token));
    }

    [Fact]
    public async Task A_full_memory_starts_over_instead_of_growing()
    {
        var handler = new CachingJsonWebTokenHandler(_clock, capacity: 2);
        foreach (var subject in new[] { "a", "b", "c", "d", "e" })
        {
            Assert.True((await handler.ValidateTokenAsync(Token(subject, TimeSpan.FromHours(1)), Parameters(Key))).IsValid);
            Assert.InRange(handler.Count, 1, 2);
        }
    }
}
