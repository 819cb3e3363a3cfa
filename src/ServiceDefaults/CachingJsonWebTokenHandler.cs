using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ServiceDefaults;

/// <summary>
/// JWT validation that remembers tokens it has already accepted, until they expire. A channel or a peer service
/// presents the same access token on thousands of calls an hour; checking its RSA signature and parsing its claims
/// again on each one cost more CPU than a sold-out claim itself. Only successful validations are kept, keyed by the
/// whole token text (nothing a caller could collide with), never past the token's own expiry nor longer than
/// <see cref="MaximumAge"/> (so a change of the validation settings — a new issuer, a withdrawn key — takes effect
/// within that time; the bearer handler hands over fresh parameters on each request, so they cannot be compared),
/// and each caller gets its own copy of the claims, so nothing one request adds leaks into another.
/// </summary>
public sealed class CachingJsonWebTokenHandler(TimeProvider? wallClock = null, int capacity = CachingJsonWebTokenHandler.DefaultCapacity) : JsonWebTokenHandler
{
    public const int DefaultCapacity = 4096;

    public static readonly TimeSpan MaximumAge = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _wallClock = wallClock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Accepted> _accepted = new(StringComparer.Ordinal);

    /// <summary>How many accepted tokens are remembered now.</summary>
    public int Count => _accepted.Count;

    /// <summary>
    /// A copy of the identity of <paramref name="token"/> when it was accepted before and may still be answered from
    /// memory; null otherwise. The bearer handler's MessageReceived event asks this first (see
    /// <see cref="ServiceAuthentication"/>), so a known token skips the per-request validation set-up altogether: the
    /// copied validation parameters, the result, the validated-token event and its properties. The token is looked up
    /// as it stands in the Authorization header, without copying its kilobyte out.
    /// </summary>
    public ClaimsIdentity? Remembered(ReadOnlySpan<char> token)
    {
        var lookup = _accepted.GetAlternateLookup<ReadOnlySpan<char>>();
        return lookup.TryGetValue(token, out var accepted) && _wallClock.GetUtcNow() < accepted.Until
            ? accepted.Result.ClaimsIdentity.Clone()
            : null;
    }

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(token);
        var now = _wallClock.GetUtcNow();
        if (_accepted.TryGetValue(token, out var accepted))
        {
            if (now < accepted.Until)
            {
                return Detached(accepted.Result);
            }

            _accepted.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false);
        if (result.IsValid && result.SecurityToken is { } validated && result.ClaimsIdentity is not null)
        {
            var expires = new DateTimeOffset(DateTime.SpecifyKind(validated.ValidTo, DateTimeKind.Utc));
            var until = expires == DateTimeOffset.MinValue ? now + MaximumAge : Min(expires, now + MaximumAge);
            if (until > now)
            {
                if (_accepted.Count >= capacity)
                {
                    // Crude, but a full table means tokens churn faster than they expire; starting over is cheaper than LRU
                    // bookkeeping on every call, and the next calls simply validate once more.
                    _accepted.Clear();
                }

                // The caller may add to the identity it was given; the remembered one stays as validated.
                _accepted[token] = new Accepted(Detached(result), until);
            }
        }

        return result;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static TokenValidationResult Detached(TokenValidationResult result) => new()
    {
        IsValid = true,
        ClaimsIdentity = result.ClaimsIdentity.Clone(),
        SecurityToken = result.SecurityToken,
        TokenType = result.TokenType,
        Issuer = result.Issuer,
        TokenContext = result.TokenContext,
    };

    private sealed record Accepted(TokenValidationResult Result, DateTimeOffset Until);
}
