namespace RedisClient;

/// <summary>Server-level commands (StackExchange.Redis's IServer): INFO, SCRIPT, FLUSHDB, PING.</summary>
public sealed class RedisServer
{
    private readonly RedisDatabase _database;

    internal RedisServer(RedisConnection connection)
    {
        _database = connection.GetDatabase();
    }

    public Task<TimeSpan> PingAsync() => _database.PingAsync();

    /// <summary>INFO as the server sends it.</summary>
    public async Task<string> InfoRawAsync(string? section = null)
    {
        var reply = section is null ? await _database.ExecuteAsync("INFO") : await _database.ExecuteAsync("INFO", section);
        return reply.ToStringOrNull() ?? string.Empty;
    }

    /// <summary>INFO parsed into field → value (section headers dropped).</summary>
    public async Task<IReadOnlyDictionary<string, string>> InfoAsync(string? section = null)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in (await InfoRawAsync(section)).Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
            if (trimmed.Length == 0 || trimmed[0] == '#' || colon < 0)
            {
                continue;
            }

            fields[trimmed[..colon]] = trimmed[(colon + 1)..];
        }

        return fields;
    }

    /// <summary>SCRIPT LOAD; returns the SHA1 the server computed.</summary>
    public async Task<string> ScriptLoadAsync(string script) =>
        (await _database.ExecuteAsync("SCRIPT", "LOAD", script)).ToStringOrNull() ?? string.Empty;

    public async Task<bool> ScriptExistsAsync(RedisScript script)
    {
        ArgumentNullException.ThrowIfNull(script);
        return (await _database.ExecuteAsync("SCRIPT", "EXISTS", script.Sha1))[0].ToBoolean();
    }

    public Task ScriptFlushAsync() => _database.ExecuteAsync("SCRIPT", "FLUSH");

    /// <summary>FLUSHDB on the configured database.</summary>
    public Task FlushDatabaseAsync() => _database.ExecuteAsync("FLUSHDB");
}
