using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace RedisClient;

/// <summary>The wire protocol to speak. RESP3 is negotiated with HELLO and falls back to RESP2.</summary>
public enum RedisProtocol
{
    Resp2,
    Resp3,
}

/// <summary>A server address.</summary>
public sealed record RedisEndPoint(string Host, int Port)
{
    public override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>
/// Connection settings. <see cref="Parse"/> reads the StackExchange.Redis configuration string
/// (<c>host:port,password=…,defaultDatabase=N,connectTimeout=…,syncTimeout=…,name=…</c>), which is
/// the form Aspire passes in <c>ConnectionStrings__redis</c>.
/// </summary>
public sealed class RedisOptions
{
    public const int DefaultPort = 6379;

    /// <summary>Servers to try in order when connecting; the first that answers is used.</summary>
    public IList<RedisEndPoint> EndPoints { get; } = [];

    public string? User { get; set; }

    public string? Password { get; set; }

    /// <summary>Sent with CLIENT SETNAME (or HELLO … SETNAME) on every connect.</summary>
    public string? ClientName { get; set; }

    /// <summary>Selected with SELECT on every connect.</summary>
    public int DefaultDatabase { get; set; }

    /// <summary>Bound on opening the socket plus the handshake (AUTH, SELECT…).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Default per-command timeout (syncTimeout / asyncTimeout in the configuration string).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// When false, <see cref="RedisConnection.ConnectAsync(RedisOptions)"/> returns even if the server is
    /// unreachable and keeps retrying in the background.
    /// </summary>
    public bool AbortOnConnectFail { get; set; } = true;

    public RedisProtocol Protocol { get; set; } = RedisProtocol.Resp3;

    /// <summary>How long a new command waits for a reconnect before failing while disconnected.</summary>
    public TimeSpan DisconnectedWaitTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>First reconnect delay; it doubles per failed attempt, with jitter, up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectBaseDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Kept short because a refused connect costs the server nothing, while every extra moment
    /// disconnected fails callers.
    /// </summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Parses a StackExchange.Redis-style configuration string.</summary>
    public static RedisOptions Parse(string configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        var options = new RedisOptions();
        foreach (var rawPart in configuration.Split(','))
        {
            var part = rawPart.Trim();
            if (part.Length == 0)
            {
                continue;
            }

            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                options.EndPoints.Add(ParseEndPoint(part));
                continue;
            }

            var key = part[..equals].Trim();
            var value = part[(equals + 1)..].Trim();
            options.Apply(key, value);
        }

        if (options.EndPoints.Count == 0)
        {
            throw new ArgumentException("The Redis configuration names no server (expected host:port).", nameof(configuration));
        }

        return options;
    }

    /// <summary>A copy, so a connection is not affected by later changes to the caller's instance.</summary>
    public RedisOptions Clone()
    {
        var copy = new RedisOptions
        {
            User = User,
            Password = Password,
            ClientName = ClientName,
            DefaultDatabase = DefaultDatabase,
            ConnectTimeout = ConnectTimeout,
            CommandTimeout = CommandTimeout,
            AbortOnConnectFail = AbortOnConnectFail,
            Protocol = Protocol,
            DisconnectedWaitTimeout = DisconnectedWaitTimeout,
            ReconnectBaseDelay = ReconnectBaseDelay,
            ReconnectMaxDelay = ReconnectMaxDelay,
            TimeProvider = TimeProvider,
            LoggerFactory = LoggerFactory,
        };
        foreach (var endPoint in EndPoints)
        {
            copy.EndPoints.Add(endPoint);
        }

        return copy;
    }

    /// <summary>The configuration string, with the password left out.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(string.Join(',', EndPoints));
        if (User is not null)
        {
            text.Append(",user=").Append(User);
        }

        if (Password is not null)
        {
            text.Append(",password=*****");
        }

        if (ClientName is not null)
        {
            text.Append(",name=").Append(ClientName);
        }

        text.Append(CultureInfo.InvariantCulture, $",defaultDatabase={DefaultDatabase}");
        text.Append(CultureInfo.InvariantCulture, $",connectTimeout={(long)ConnectTimeout.TotalMilliseconds}");
        text.Append(CultureInfo.InvariantCulture, $",syncTimeout={(long)CommandTimeout.TotalMilliseconds}");
        text.Append(CultureInfo.InvariantCulture, $",abortConnect={(AbortOnConnectFail ? "true" : "false")}");
        text.Append(",protocol=").Append(Protocol == RedisProtocol.Resp3 ? "resp3" : "resp2");
        return text.ToString();
    }

    private static RedisEndPoint ParseEndPoint(string text)
    {
        string host;
        var portText = string.Empty;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ArgumentException($"Malformed endpoint '{text}'.");
            }

            host = text[1..close];
            if (close + 1 < text.Length)
            {
                portText = text[(close + 1)..].TrimStart(':');
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            host = colon < 0 ? text : text[..colon];
            portText = colon < 0 ? string.Empty : text[(colon + 1)..];
        }

        var port = DefaultPort;
        if (portText.Length > 0 && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw new ArgumentException($"Invalid port in endpoint '{text}'.");
        }

        return host.Length == 0 ? throw new ArgumentException($"Missing host in endpoint '{text}'.") : new RedisEndPoint(host, port);
    }

    private void Apply(string key, string value)
    {
        switch (key.ToUpperInvariant())
        {
            case "PASSWORD":
                Password = value;
                break;
            case "USER":
                User = value;
                break;
            case "NAME":
                ClientName = value;
                break;
            case "DEFAULTDATABASE":
                DefaultDatabase = ParseInt(key, value);
                break;
            case "CONNECTTIMEOUT":
                ConnectTimeout = TimeSpan.FromMilliseconds(ParseInt(key, value));
                break;
            case "SYNCTIMEOUT" or "ASYNCTIMEOUT":
                CommandTimeout = TimeSpan.FromMilliseconds(ParseInt(key, value));
                break;
            case "ABORTCONNECT":
                AbortOnConnectFail = ParseBool(key, value);
                break;
            case "PROTOCOL":
                Protocol = value.ToUpperInvariant() switch
                {
                    "RESP2" or "2" => RedisProtocol.Resp2,
                    "RESP3" or "3" => RedisProtocol.Resp3,
                    _ => throw new ArgumentException($"Unknown protocol '{value}' (expected resp2 or resp3)."),
                };
                break;
            case "SSL":
                if (ParseBool(key, value))
                {
                    throw new NotSupportedException("TLS connections to Redis are not supported by this client.");
                }

                break;

            // Accepted for compatibility with existing configuration strings; they change nothing here.
            case "ALLOWADMIN" or "KEEPALIVE" or "CONNECTRETRY" or "RESOLVEDNS" or "TIEBREAKER" or "VERSION" or "CONFIGCHECKSECONDS":
                break;
            default:
                throw new ArgumentException($"Unknown Redis configuration option '{key}'.");
        }
    }

    private static int ParseInt(string key, string value) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) && parsed >= 0
            ? parsed
            : throw new ArgumentException($"Option '{key}' needs a non-negative integer, got '{value}'.");

    private static bool ParseBool(string key, string value) =>
        bool.TryParse(value, out var parsed) ? parsed : throw new ArgumentException($"Option '{key}' needs true or false, got '{value}'.");
}
