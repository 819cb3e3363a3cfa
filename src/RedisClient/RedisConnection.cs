using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RedisClient;

/// <summary>Raised when the connection is lost or restored.</summary>
public sealed class RedisConnectionEventArgs(RedisEndPoint endPoint, Exception? exception) : EventArgs
{
    public RedisEndPoint EndPoint { get; } = endPoint;

    public Exception? Exception { get; } = exception;
}

/// <summary>
/// The multiplexer: one connection to the server shared by every caller, who pipeline their
/// commands through it. Create one per server at start-up and keep it for the process lifetime,
/// as with StackExchange.Redis's ConnectionMultiplexer.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable, IDisposable
{
    private readonly RedisOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _stateLock = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly ConcurrentDictionary<string, RedisScript> _preloadedScripts = new(StringComparer.Ordinal);
    private readonly TimeSpan _timeoutCheckInterval;
    private PhysicalConnection? _current;
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RedisConnectionException? _lastFailure;
    private int _reconnecting;

    private RedisConnection(RedisOptions options)
    {
        _options = options;
        _timeProvider = options.TimeProvider;
        _logger = options.LoggerFactory?.CreateLogger<RedisConnection>() ?? NullLogger<RedisConnection>.Instance;
        var checkTicks = Math.Clamp(options.CommandTimeout.Ticks / 10, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromMilliseconds(100).Ticks);
        _timeoutCheckInterval = TimeSpan.FromTicks(checkTicks);
        RedisTelemetry.Track(this);
    }

    public event EventHandler<RedisConnectionEventArgs>? ConnectionFailed;

    public event EventHandler<RedisConnectionEventArgs>? ConnectionRestored;

    /// <summary>The configuration in use, without the password.</summary>
    public string Configuration => _options.ToString();

    public bool IsConnected => Volatile.Read(ref _current) is { IsClosed: false };

    /// <summary>2 or 3: the protocol negotiated on the current connection.</summary>
    public int ProtocolVersion => Volatile.Read(ref _current)?.ProtocolVersion ?? 0;

    /// <summary>Commands sent and waiting for their reply.</summary>
    public long PendingCommands => Volatile.Read(ref _current)?.PendingCount ?? 0;

    internal long FlushCount => Volatile.Read(ref _current)?.FlushCount ?? 0;

    internal RedisEndPoint? CurrentEndPoint => Volatile.Read(ref _current)?.EndPoint;

    internal TimeSpan DefaultCommandTimeout => _options.CommandTimeout;

    internal TimeProvider TimeProvider => _timeProvider;

    internal int Database => _options.DefaultDatabase;

    public static Task<RedisConnection> ConnectAsync(string configuration, ILoggerFactory? loggerFactory = null)
    {
        var options = RedisOptions.Parse(configuration);
        options.LoggerFactory = loggerFactory;
        return ConnectAsync(options);
    }

    /// <summary>
    /// Opens the connection (AUTH, SELECT, CLIENT SETNAME included). If the server cannot be reached
    /// this throws, unless <see cref="RedisOptions.AbortOnConnectFail"/> is false: then the
    /// connection is returned and keeps retrying in the background.
    /// </summary>
    public static async Task<RedisConnection> ConnectAsync(RedisOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.EndPoints.Count == 0)
        {
            throw new ArgumentException("No Redis endpoint configured.", nameof(options));
        }

        var connection = new RedisConnection(options.Clone());
        try
        {
            var physical = await connection.ConnectOnceAsync(cancellationToken);
            connection.Publish(physical);
            return connection;
        }
        catch (RedisConnectionException ex) when (!options.AbortOnConnectFail && !cancellationToken.IsCancellationRequested)
        {
            Log.InitialConnectFailed(connection._logger, ex.Message);
            connection._lastFailure = ex;
            connection.StartReconnecting();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public RedisDatabase GetDatabase() => new(this);

    public RedisServer GetServer() => new(this);

    /// <summary>
    /// Loads the script now and after every reconnect, so EVALSHA finds it even on a restarted server.
    /// </summary>
    public async Task PreloadScriptAsync(RedisScript script)
    {
        ArgumentNullException.ThrowIfNull(script);
        _preloadedScripts[script.Sha1] = script;
        var sha = (string?)await ExecuteCommandAsync(["SCRIPT", "LOAD", script.Body], null);
        if (!string.Equals(sha, script.Sha1, StringComparison.OrdinalIgnoreCase))
        {
            throw new RedisException($"The server computed SHA1 {sha} for a script whose local SHA1 is {script.Sha1}.");
        }
    }

    public void Dispose()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        RedisTelemetry.Untrack(this);
        PhysicalConnection? current;
        lock (_stateLock)
        {
            current = _current;
            _current = null;
            _connected.TrySetCanceled();
        }

        current?.Close(ConnectionFailureType.ConnectionDisposed, "the connection was disposed");
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Sends one command; arguments[0] is the command name.</summary>
    internal Task<RedisResult> ExecuteCommandAsync(ReadOnlySpan<RedisValue> arguments, TimeSpan? timeout)
    {
        var name = arguments[0].ToString();
        RedisTelemetry.CountCommand(name);
        var activity = RedisTelemetry.StartCommandActivity(name, CurrentEndPoint, _options.DefaultDatabase);
        var task = SendCore(name, arguments, timeout ?? _options.CommandTimeout);
        return activity is null ? task : TraceAsync(task, activity);
    }

    /// <summary>Sends a batch's commands in one write once connected.</summary>
    internal void ExecuteBatch(List<BatchEntry> entries)
    {
        var current = Volatile.Read(ref _current);
        if (current is null || !current.TryEnqueueBatch(entries))
        {
            _ = SendBatchWhenConnectedAsync(entries);
        }
    }

    internal static async Task<RedisResult> TraceAsync(Task<RedisResult> task, Activity activity)
    {
        try
        {
            return await task;
        }
        catch (Exception ex)
        {
            activity.SetStatus(ActivityStatusCode.Error, ex.Message);
            activity.SetTag("error.type", ex.GetType().FullName);
            throw;
        }
        finally
        {
            activity.Dispose();
        }
    }

    private Task<RedisResult> SendCore(string name, ReadOnlySpan<RedisValue> arguments, TimeSpan timeout)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null)
        {
            var command = new PendingCommand(name, timeout);
            if (current.TryEnqueue(command, arguments))
            {
                return command.Task;
            }
        }

        return SendWhenConnectedAsync(name, arguments.ToArray(), timeout);
    }

    private async Task<RedisResult> SendWhenConnectedAsync(string name, RedisValue[] arguments, TimeSpan timeout)
    {
        var command = new PendingCommand(name, timeout);
        await WaitForConnectionAsync(name, current => current.TryEnqueue(command, arguments));
        return await command.Task;
    }

    private async Task SendBatchWhenConnectedAsync(List<BatchEntry> entries)
    {
        try
        {
            await WaitForConnectionAsync("batch", current => current.TryEnqueueBatch(entries));
        }
        catch (Exception ex)
        {
            foreach (var entry in entries)
            {
                entry.Command.TrySetException(ex);
            }
        }
    }

    /// <summary>
    /// Waits a short, configured time for a connection, then gives up so callers fail fast rather
    /// than pile up behind an outage.
    /// </summary>
    private async Task WaitForConnectionAsync(string name, Func<PhysicalConnection, bool> tryEnqueue)
    {
        var giveUpAt = _timeProvider.GetTimestamp() + (long)(_options.DisconnectedWaitTimeout.TotalSeconds * _timeProvider.TimestampFrequency);
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            var current = Volatile.Read(ref _current);
            if (current is not null)
            {
                if (tryEnqueue(current))
                {
                    return;
                }

                // The connection just broke and is being replaced: look again shortly.
                await Task.Yield();
            }
            else
            {
                var remaining = _timeProvider.GetElapsedTime(_timeProvider.GetTimestamp(), giveUpAt);
                Task connected;
                lock (_stateLock)
                {
                    connected = _connected.Task;
                }

                try
                {
                    await connected.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, _timeProvider);
                }
                catch (OperationCanceledException)
                {
                    throw new ObjectDisposedException(nameof(RedisConnection));
                }
                catch (TimeoutException)
                {
                    var reason = _lastFailure?.Message ?? "not connected yet";
                    RedisTelemetry.CountError(name, "connection");
                    throw new RedisConnectionException(
                        ConnectionFailureType.NotConnected,
                        CommandStatus.NotSent,
                        $"{name}: no connection to {string.Join(',', _options.EndPoints)} is available ({reason}); the command was not sent.",
                        _lastFailure);
                }
            }
        }
    }

    private async Task<PhysicalConnection> ConnectOnceAsync(CancellationToken cancellationToken)
    {
        Exception? lastError = null;
        foreach (var endPoint in _options.EndPoints)
        {
            using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken, _disposed.Token);
            PhysicalConnection? physical = null;
            try
            {
                physical = await PhysicalConnection.OpenAsync(endPoint, _timeProvider, _timeoutCheckInterval, OnConnectionLost, linked.Token);
                await HandshakeAsync(physical);
                return physical;
            }
            catch (RedisConnectionException ex) when (ex.FailureType == ConnectionFailureType.AuthenticationFailure)
            {
                physical?.Close(ConnectionFailureType.AuthenticationFailure, ex.Message);
                throw;
            }
            catch (Exception ex) when (!_disposed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                physical?.Close(ConnectionFailureType.UnableToConnect, ex.Message);
                lastError = timeout.IsCancellationRequested
                    ? new TimeoutException($"connect timed out after {_options.ConnectTimeout.TotalMilliseconds:0} ms", ex)
                    : ex;
            }
        }

        throw new RedisConnectionException(
            ConnectionFailureType.UnableToConnect,
            CommandStatus.NotSent,
            $"It was not possible to connect to {string.Join(',', _options.EndPoints)}: {lastError?.Message}",
            lastError);
    }

    /// <summary>Authenticates, names the client and selects the database; replayed on every reconnect.</summary>
    private async Task HandshakeAsync(PhysicalConnection physical)
    {
        var authenticated = false;
        var named = false;
        var sentAnything = false;
        if (_options.Protocol == RedisProtocol.Resp3)
        {
            List<RedisValue> hello = ["HELLO", 3];
            if (_options.Password is not null)
            {
                hello.AddRange(["AUTH", _options.User ?? "default", _options.Password]);
            }

            if (_options.ClientName is not null)
            {
                hello.AddRange(["SETNAME", _options.ClientName]);
            }

            sentAnything = true;
            try
            {
                await SendOnAsync(physical, [.. hello]);
                physical.ProtocolVersion = 3;
                authenticated = named = true;
            }
            catch (RedisServerException ex) when (IsAuthenticationError(ex))
            {
                throw AuthenticationFailed(physical, ex);
            }
            catch (RedisServerException ex) when (ex.Prefix == "NOPROTO" || ex.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase))
            {
                // A server older than Redis 6 speaks RESP2 only; carry on without HELLO.
            }
        }

        var pipeline = new List<Task<RedisResult>>();
        if (!authenticated && _options.Password is not null)
        {
            pipeline.Add(_options.User is null
                ? SendOnAsync(physical, ["AUTH", _options.Password])
                : SendOnAsync(physical, ["AUTH", _options.User, _options.Password]));
        }

        if (!named && _options.ClientName is not null)
        {
            pipeline.Add(SendOnAsync(physical, ["CLIENT", "SETNAME", _options.ClientName]));
        }

        if (_options.DefaultDatabase != 0)
        {
            pipeline.Add(SendOnAsync(physical, ["SELECT", _options.DefaultDatabase]));
        }

        foreach (var script in _preloadedScripts.Values)
        {
            pipeline.Add(SendOnAsync(physical, ["SCRIPT", "LOAD", script.Body]));
        }

        if (!sentAnything && pipeline.Count == 0)
        {
            // Proves the peer speaks RESP and lets us in before callers are handed the connection.
            pipeline.Add(SendOnAsync(physical, ["PING"]));
        }

        foreach (var step in pipeline)
        {
            try
            {
                await step;
            }
            catch (RedisServerException ex) when (IsAuthenticationError(ex))
            {
                throw AuthenticationFailed(physical, ex);
            }
        }
    }

    private Task<RedisResult> SendOnAsync(PhysicalConnection physical, ReadOnlySpan<RedisValue> arguments)
    {
        var command = new PendingCommand(arguments[0].ToString(), _options.ConnectTimeout);
        return physical.TryEnqueue(command, arguments)
            ? command.Task
            : Task.FromException<RedisResult>(new RedisConnectionException(ConnectionFailureType.SocketClosed, CommandStatus.NotSent, "The connection closed during the handshake."));
    }

    private static bool IsAuthenticationError(RedisServerException ex) =>
        ex.Prefix is "WRONGPASS" or "NOAUTH" or "NOPERM"
        || ex.Message.Contains("invalid password", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("AUTH", StringComparison.Ordinal) && ex.Message.Contains("password", StringComparison.OrdinalIgnoreCase);

    private static RedisConnectionException AuthenticationFailed(PhysicalConnection physical, RedisServerException ex) =>
        new(
            ConnectionFailureType.AuthenticationFailure,
            CommandStatus.NotSent,
            $"Authentication to Redis at {physical.EndPoint} failed: {ex.Message}. Check the password (and user) in the connection string.",
            ex);

    private void Publish(PhysicalConnection physical)
    {
        lock (_stateLock)
        {
            if (_disposed.IsCancellationRequested)
            {
                physical.Close(ConnectionFailureType.ConnectionDisposed, "the connection was disposed");
                throw new ObjectDisposedException(nameof(RedisConnection));
            }

            if (physical.IsClosed)
            {
                throw new RedisConnectionException(ConnectionFailureType.SocketClosed, CommandStatus.NotSent, $"The connection to {physical.EndPoint} closed right after the handshake.");
            }

            Volatile.Write(ref _current, physical);
            _connected.TrySetResult();
        }

        Log.Connected(_logger, physical.EndPoint, physical.ProtocolVersion);
    }

    private void OnConnectionLost(PhysicalConnection physical, RedisConnectionException reason)
    {
        lock (_stateLock)
        {
            if (!ReferenceEquals(_current, physical))
            {
                return;
            }

            Volatile.Write(ref _current, null);
            _lastFailure = reason;
            if (_connected.Task.IsCompleted)
            {
                _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        Log.ConnectionLost(_logger, physical.EndPoint, reason.Message);
        ConnectionFailed?.Invoke(this, new RedisConnectionEventArgs(physical.EndPoint, reason));
        StartReconnecting();
    }

    private void StartReconnecting()
    {
        if (Interlocked.CompareExchange(ref _reconnecting, 1, 0) == 0)
        {
            _ = Task.Run(ReconnectLoopAsync, CancellationToken.None);
        }
    }

    private async Task ReconnectLoopAsync()
    {
        var attempt = 0;
        try
        {
            while (!_disposed.IsCancellationRequested && Volatile.Read(ref _current) is null)
            {
                if (attempt > 0)
                {
                    await Task.Delay(BackoffDelay(attempt), _timeProvider, _disposed.Token);
                }

                attempt++;
                try
                {
                    var physical = await ConnectOnceAsync(_disposed.Token);
                    Publish(physical);
                    RedisTelemetry.CountReconnect(physical.EndPoint);
                    Log.Reconnected(_logger, physical.EndPoint, attempt);
                    ConnectionRestored?.Invoke(this, new RedisConnectionEventArgs(physical.EndPoint, null));
                    return;
                }
                catch (RedisConnectionException ex)
                {
                    _lastFailure = ex;
                    Log.ReconnectFailed(_logger, attempt, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            Volatile.Write(ref _reconnecting, 0);

            // A connection published by this loop may already have died while the flag was still set.
            if (!_disposed.IsCancellationRequested && Volatile.Read(ref _current) is null)
            {
                StartReconnecting();
            }
        }
    }

    /// <summary>Exponential backoff with jitter, so many clients do not reconnect in lockstep.</summary>
    private TimeSpan BackoffDelay(int attempt)
    {
        var exponent = Math.Min(attempt - 1, 20);
        var ceiling = Math.Min(_options.ReconnectBaseDelay.TotalMilliseconds * Math.Pow(2, exponent), _options.ReconnectMaxDelay.TotalMilliseconds);
#pragma warning disable CA5394 // Jitter needs spread, not unpredictability.
        var jittered = ceiling * (0.5 + (Random.Shared.NextDouble() * 0.5));
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(jittered);
    }
}
