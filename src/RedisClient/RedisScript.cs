using System.Security.Cryptography;
using System.Text;

namespace RedisClient;

/// <summary>
/// A Lua script sent by SHA1 (EVALSHA). The SHA1 is computed locally, so no round trip is needed
/// to learn it; when the server answers NOSCRIPT (script cache flushed, server restarted) the
/// client sends the body with EVAL, which also caches it again.
/// </summary>
public sealed class RedisScript
{
    public RedisScript(string body)
    {
        ArgumentException.ThrowIfNullOrEmpty(body);
        Body = body;
#pragma warning disable CA5350 // SHA1 is what Redis names scripts by; it is an identifier here, not security.
        Sha1 = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(body)));
#pragma warning restore CA5350
    }

    public string Body { get; }

    /// <summary>Lower-case hex SHA1 of the UTF-8 body, as Redis computes it.</summary>
    public string Sha1 { get; }

    public override string ToString() => Sha1;
}
