using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;

namespace RedisClient;

/// <summary>
/// One socket to one server for one connection lifetime. Commands are appended to the pending
/// queue and encoded into the output buffer under a single lock, so queue order is wire order; a
/// single read loop completes the oldest pending command with each reply. When anything goes wrong
/// the socket is closed for good and every command still waiting fails as "outcome unknown";
/// <see cref="RedisConnection"/> then opens a new one.
/// </summary>
internal sealed class PhysicalConnection
{
    private const int InitialReadBufferSize = 64 * 1024;
    private const int RetainedReadBufferSize = 1024 * 1024;

    private readonly Socket _socket;
    private readonly Action<PhysicalConnection, RedisConnectionException> _onLost;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _writeLock = new();
    private readonly ConcurrentQueue<PendingCommand> _pending = new();
    private OutputBuffer _output = new();
    private OutputBuffer _spare = new();
    private ITimer? _timeoutTimer;
    private bool _flushing;
    private bool _closed;
    private int _pendingCount;
    private long _flushCount;

    private PhysicalConnection(Socket socket, RedisEndPoint endPoint, TimeProvider timeProvider, Action<PhysicalConnection, RedisConnectionException> onLost)
    {
        _socket = socket;
        EndPoint = endPoint;
        _timeProvider = timeProvider;
        _onLost = onLost;
    }

    public RedisEndPoint EndPoint { get; }

    /// <summary>2 or 3, as negotiated by the handshake.</summary>
    public int ProtocolVersion { get; set; } = 2;

    public int PendingCount => Volatile.Read(ref _pendingCount);

    public long FlushCount => Interlocked.Read(ref _flushCount);

    public bool IsClosed
    {
        get
        {
            lock (_writeLock)
            {
                return _closed;
            }
        }
    }

    public static async Task<PhysicalConnection> OpenAsync(
        RedisEndPoint endPoint,
        TimeProvider timeProvider,
        TimeSpan timeoutCheckInterval,
        Action<PhysicalConnection, RedisConnectionException> onLost,
        CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint.Host, endPoint.Port, cancellationToken);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new PhysicalConnection(socket, endPoint, timeProvider, onLost);
        connection._timeoutTimer = timeProvider.CreateTimer(
            static state => ((PhysicalConnection)state!).ReleaseTimedOutCommands(), connection, timeoutCheckInterval, timeoutCheckInterval);
        _ = Task.Run(connection.ReadLoopAsync, CancellationToken.None);
        return connection;
    }

    /// <summary>Queues and encodes one command; false if this connection is already closed (nothing sent).</summary>
    public bool TryEnqueue(PendingCommand command, ReadOnlySpan<RedisValue> arguments)
    {
        lock (_writeLock)
        {
            if (_closed)
            {
                return false;
            }

            command.Deadline = DeadlineFor(command.Timeout);
            _pending.Enqueue(command);
            Interlocked.Increment(ref _pendingCount);
            _output.WriteCommand(arguments);
            RequestFlush();
        }

        return true;
    }

    /// <summary>Queues all commands of a batch so they leave in one write; all or none are queued.</summary>
    public bool TryEnqueueBatch(IReadOnlyList<BatchEntry> entries)
    {
        lock (_writeLock)
        {
            if (_closed)
            {
                return false;
            }

            foreach (var entry in entries)
            {
                entry.Command.Deadline = DeadlineFor(entry.Command.Timeout);
                _pending.Enqueue(entry.Command);
                Interlocked.Increment(ref _pendingCount);
                _output.WriteCommand(entry.Arguments);
            }

            RequestFlush();
        }

        return true;
    }

    /// <summary>Closes the socket and fails every waiting command; safe to call more than once.</summary>
    public void Close(ConnectionFailureType failureType, string reason, Exception? cause = null)
    {
        lock (_writeLock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
        }

        _timeoutTimer?.Dispose();
        _socket.Dispose();
        while (_pending.TryDequeue(out var command))
        {
            Interlocked.Decrement(ref _pendingCount);
            var error = new RedisConnectionException(
                failureType,
                CommandStatus.OutcomeUnknown,
                $"{command.Name}: the connection to {EndPoint} was lost ({reason}); the command was sent, its outcome is unknown.",
                cause);
            if (command.TrySetException(error))
            {
                RedisTelemetry.CountError(command.Name, "connection");
            }
        }

        _onLost(this, new RedisConnectionException(failureType, CommandStatus.NotSent, $"The connection to {EndPoint} was lost: {reason}", cause));
    }

    private long DeadlineFor(TimeSpan timeout) =>
        timeout == System.Threading.Timeout.InfiniteTimeSpan
            ? long.MaxValue
            : _timeProvider.GetTimestamp() + (long)(timeout.TotalSeconds * _timeProvider.TimestampFrequency);

    private void RequestFlush()
    {
        if (_flushing)
        {
            return;
        }

        _flushing = true;

        // Flushing from the thread pool rather than inline lets every caller that arrives meanwhile
        // join the same socket write.
        ThreadPool.UnsafeQueueUserWorkItem(static connection => _ = connection.FlushLoopAsync(), this, preferLocal: false);
    }

    private async Task FlushLoopAsync()
    {
        try
        {
            while (true)
            {
                OutputBuffer toSend;
                lock (_writeLock)
                {
                    if (_closed || _output.Length == 0)
                    {
                        _flushing = false;
                        return;
                    }

                    toSend = _output;
                    _output = _spare;
                }

                var remaining = toSend.WrittenMemory;
                while (!remaining.IsEmpty)
                {
                    var sent = await _socket.SendAsync(remaining, SocketFlags.None);
                    remaining = remaining[sent..];
                }

                Interlocked.Increment(ref _flushCount);
                toSend.Reset();
                _spare = toSend;
            }
        }
        catch (Exception ex)
        {
            Close(ConnectionFailureType.SocketClosed, ex.Message, ex);
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[InitialReadBufferSize];
        var start = 0;
        var end = 0;
        try
        {
            while (true)
            {
                if (end == buffer.Length)
                {
                    if (start > 0)
                    {
                        buffer.AsSpan(start, end - start).CopyTo(buffer);
                        end -= start;
                        start = 0;
                    }
                    else
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }
                }

                var read = await _socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None);
                if (read == 0)
                {
                    Close(ConnectionFailureType.SocketClosed, "the server closed the connection");
                    return;
                }

                end += read;
                while (start < end && RespParser.TryParse(buffer.AsSpan(start, end - start), out var reply, out var used))
                {
                    start += used;
                    Dispatch(reply!);
                }

                if (start == end)
                {
                    start = end = 0;
                    if (buffer.Length > RetainedReadBufferSize)
                    {
                        buffer = new byte[InitialReadBufferSize];
                    }
                }
            }
        }
        catch (RedisProtocolException ex)
        {
            Close(ConnectionFailureType.ProtocolFailure, "protocol error: " + ex.Message, ex);
        }
        catch (Exception ex)
        {
            Close(ConnectionFailureType.SocketClosed, ex.Message, ex);
        }
    }

    private void Dispatch(RedisResult reply)
    {
        // RESP3 out-of-band messages (pub/sub, tracking) answer no command.
        if (reply.Type == ResultType.Push)
        {
            return;
        }

        if (!_pending.TryDequeue(out var command))
        {
            throw new RedisProtocolException("A reply arrived while no command was waiting for one.");
        }

        Interlocked.Decrement(ref _pendingCount);
        if (reply.Type == ResultType.Error)
        {
            // A timed-out command's late reply lands here too: TrySet fails and the reply is dropped.
            if (command.TrySetException(new RedisServerException(reply.ToStringOrNull() ?? "ERR")))
            {
                RedisTelemetry.CountError(command.Name, "server");
            }
        }
        else
        {
            command.TrySetResult(reply);
        }
    }

    private void ReleaseTimedOutCommands()
    {
        var now = _timeProvider.GetTimestamp();
        var waiting = PendingCount;
        foreach (var command in _pending)
        {
            if (now < command.Deadline || command.Task.IsCompleted)
            {
                continue;
            }

            var error = new RedisTimeoutException(string.Create(
                CultureInfo.InvariantCulture,
                $"Timeout awaiting the reply to {command.Name} from {EndPoint} after {command.Timeout.TotalMilliseconds:0} ms ({waiting} commands pending). The command may still run on the server."));
            if (command.TrySetException(error))
            {
                RedisTelemetry.CountError(command.Name, "timeout");
            }
        }
    }
}

/// <summary>A command of a batch with its encoded arguments.</summary>
internal sealed record BatchEntry(RedisValue[] Arguments, PendingCommand Command);
