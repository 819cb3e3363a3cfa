namespace RedisClient;

/// <summary>Base type of the errors this client raises.</summary>
public class RedisException : Exception
{
    public RedisException()
    {
    }

    public RedisException(string message)
        : base(message)
    {
    }

    public RedisException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The server answered the command with an error reply; only this command failed.</summary>
public sealed class RedisServerException : RedisException
{
    public RedisServerException()
    {
    }

    public RedisServerException(string message)
        : base(message)
    {
        var space = message.IndexOf(' ', StringComparison.Ordinal);
        Prefix = space > 0 ? message[..space] : message;
    }

    public RedisServerException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The error code the server put first (ERR, WRONGTYPE, NOSCRIPT, NOAUTH, BUSY…).</summary>
    public string Prefix { get; } = string.Empty;
}

/// <summary>Why a connection could not carry a command.</summary>
public enum ConnectionFailureType
{
    UnableToConnect,
    AuthenticationFailure,
    SocketClosed,
    ProtocolFailure,
    ConnectionDisposed,
    NotConnected,
}

/// <summary>Whether the server may have executed a command that failed with a connection error.</summary>
public enum CommandStatus
{
    /// <summary>Never written to the socket: safe to retry.</summary>
    NotSent,

    /// <summary>Written (or being written) when the connection broke: it may or may not have run.</summary>
    OutcomeUnknown,
}

/// <summary>The connection could not carry the command (not connected, broken, unusable).</summary>
public sealed class RedisConnectionException : RedisException
{
    public RedisConnectionException()
    {
    }

    public RedisConnectionException(string message)
        : base(message)
    {
    }

    public RedisConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public RedisConnectionException(ConnectionFailureType failureType, CommandStatus commandStatus, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        FailureType = failureType;
        CommandStatus = commandStatus;
    }

    public ConnectionFailureType FailureType { get; }

    public CommandStatus CommandStatus { get; }
}

/// <summary>
/// No reply arrived within the command's timeout. The command keeps its place in the pipeline and
/// its late reply is discarded, so later commands still get their own replies.
/// </summary>
public sealed class RedisTimeoutException : TimeoutException
{
    public RedisTimeoutException()
    {
    }

    public RedisTimeoutException(string message)
        : base(message)
    {
    }

    public RedisTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The byte stream from the server is not valid RESP; the connection is reset.</summary>
public sealed class RedisProtocolException : RedisException
{
    public RedisProtocolException()
    {
    }

    public RedisProtocolException(string message)
        : base(message)
    {
    }

    public RedisProtocolException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
