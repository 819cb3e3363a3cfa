using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ServiceDefaults;

/// <summary>
/// JWT validation that remembers the tokens it has accepted. A channel sends the same access token with thousands of
/// calls; parsing it and checking its RSA signature again on each one was the largest single cost of a call through the
/// gateway. An accepted token is remembered by the SHA-256 of its text until its own expiry (never longer, so a token
/// stops passing exactly when a fresh validation would refuse it, less the clock skew); a refused token is never
/// remembered and is checked in full every time. At most <see cref="Capacity"/> tokens are held: when more arrive the
/// expired ones go, and if that is not enough all of them (the next call of each token is then validated in full).
/// One instance belongs to one bearer scheme, whose validation parameters do not change for an accepted token.
/// </summary>
public sealed class AcceptedTokenCache : JsonWebTokenHandler
{
    public const int DefaultCapacity = 10_000;

    // Token lifetimes are wall-clock time for every peer, whatever business clock the service runs on.
    private readonly TimeProvider _wallClock;
    private readonly ConcurrentDictionary<string, Accepted> _accepted = new(StringComparer.Ordinal);
    private readonly Lock _pruning = new();
    private int _count;

    public AcceptedTokenCache(TimeProvider? wallClock = null, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _wallClock = wallClock ?? TimeProvider.System;
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>Tokens held now (for tests and diagnostics).</summary>
    public int Count => Volatile.Read(ref _count);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (string.IsNullOrEmpty(token))
        {
            return await base.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false);
        }

        var key = KeyOf(token);
        var now = _wallClock.GetUtcNow();
        if (_accepted.TryGetValue(key, out var hit))
        {
            if (now < hit.Until)
            {
                return hit.Result();
            }

            Forget(key);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt && result.ClaimsIdentity is { } identity
            && jwt.ValidTo > now.UtcDateTime)
        {
            Remember(key, new Accepted(jwt, identity.Clone(), result.Issuer, result.TokenType, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero)), now);
        }

        return result;
    }

    private static string KeyOf(string token)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var length = Encoding.UTF8.GetMaxByteCount(token.Length);
        var bytes = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(token, bytes);
            SHA256.HashData(bytes.AsSpan(0, written), hash);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(bytes);
        }

        return Convert.ToBase64String(hash);
    }

    private void Remember(string key, Accepted accepted, DateTimeOffset now)
    {
        if (!_accepted.TryAdd(key, accepted))
        {
            return;
        }

        if (Interlocked.Increment(ref _count) <= Capacity)
        {
            return;
        }

        lock (_pruning)
        {
            if (Volatile.Read(ref _count) <= Capacity)
            {
                return;
            }

            foreach (var entry in _accepted)
            {
                if (entry.Value.Until <= now)
                {
                    Forget(entry.Key);
                }
            }

            if (Volatile.Read(ref _count) > Capacity)
            {
                _accepted.Clear();
                Volatile.Write(ref _count, 0);
            }
        }
    }

    private void Forget(string key)
    {
        if (_accepted.TryRemove(key, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>What a full validation established; each call gets its own copy of the identity, which callers may change.</summary>
    private sealed record Accepted(JsonWebToken Token, System.Security.Claims.ClaimsIdentity Identity, string? Issuer, string? TokenType, DateTimeOffset Until)
    {
        public TokenValidationResult Result() => new()
        {
            IsValid = true,
            SecurityToken = Token,
            ClaimsIdentity = Identity.Clone(),
            Issuer = Issuer,
            TokenType = TokenType,
        };
    }
}
