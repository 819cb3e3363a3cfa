using System.Collections.Concurrent;

namespace BackOffice.SignIn;

/// <summary>
/// The access tokens of signed-in sessions, kept on the server: an interactive page runs in a SignalR circuit
/// without the HTTP request that carried the cookie, so the token the services need is looked up by the
/// session claim instead of being read from the cookie (and never reaches the browser).
/// </summary>
public sealed class AccessTokenStore(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset ExpiresAt)> _tokens = new(StringComparer.Ordinal);

    public void Store(string session, string token, DateTimeOffset expiresAt)
    {
        _tokens[session] = (token, expiresAt);
        foreach (var expired in _tokens.Where(t => t.Value.ExpiresAt <= time.GetUtcNow()).Select(t => t.Key).ToList())
        {
            _tokens.TryRemove(expired, out _);
        }
    }

    /// <summary>The session's token, or null when it expired or the server restarted since the sign-in.</summary>
    public string? Find(string? session) =>
        session is not null && _tokens.TryGetValue(session, out var entry) && entry.ExpiresAt > time.GetUtcNow() ? entry.Token : null;

    public void Remove(string? session)
    {
        if (session is not null)
        {
            _tokens.TryRemove(session, out _);
        }
    }
}
