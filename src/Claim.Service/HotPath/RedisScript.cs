using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Claim.Service.HotPath;

/// <summary>
/// A Lua script called by its SHA1 (EVALSHA), so the body crosses the wire only when Redis does not know it yet. The
/// SHA1 is computed here rather than asked of Redis, so no call waits for a load. A Redis that restarted, failed over
/// or ran SCRIPT FLUSH answers NOSCRIPT, which means the script did not run; it is then loaded again and run once
/// with its body, and later calls go by SHA1 once more.
/// </summary>
public sealed class RedisScript
{
    private readonly byte[] _sha1;

    public RedisScript(string body)
    {
        ArgumentException.ThrowIfNullOrEmpty(body);
        Body = body;
#pragma warning disable CA5350 // SHA1 is how Redis names a script: an identifier here, not a security measure.
        _sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(body));
#pragma warning restore CA5350
    }

    public string Body { get; }

    /// <summary>Lower-case hex SHA1 of the UTF-8 body, as SCRIPT LOAD answers it.</summary>
    public string Sha1 => Convert.ToHexStringLower(_sha1);

    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync redis, RedisKey[] keys, RedisValue[]? values = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        try
        {
            return await redis.ScriptEvaluateAsync(_sha1, keys, values);
        }
        catch (RedisServerException ex) when (ex.Kind == RedisErrorKind.NoScript)
        {
            // Given the body, the client sends SCRIPT LOAD before EVAL: a loaded script stays in Redis's cache,
            // whereas one only sent with EVAL may be evicted again.
            return await redis.ScriptEvaluateAsync(Body, keys, values);
        }
    }

    public override string ToString() => Sha1;
}
