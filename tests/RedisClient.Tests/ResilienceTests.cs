using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RedisClient.Tests;

/// <summary>Tests that own their redis-server (or a fake peer), since they break it on purpose.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task Server_killed_and_restarted_under_load_recovers_within_two_seconds_and_no_caller_gets_another_callers_answer()
    {
        await using var server = await RedisServerProcess.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync($"{server.EndPoint},syncTimeout=2000");
        var db = connection.GetDatabase();
        var load = Stopwatch.StartNew();
        var loadDuration = TimeSpan.FromSeconds(10);
        long correct = 0, failed = 0, wrong = 0, correctAfterRestart = 0;
        var restarted = false;

        var callers = Enumerable.Range(0, 32).Select(caller => Task.Run(async () =>
        {
            for (var sequence = 0; load.Elapsed < loadDuration; sequence++)
            {
                var payload = $"{caller}:{sequence}";
                try
                {
                    var echoed = (string?)await db.ExecuteAsync("ECHO", payload);
                    var counted = await db.StringIncrementAsync($"calls:{caller}:{sequence % 7}", caller);
                    if (echoed != payload || counted % Math.Max(caller, 1) != 0)
                    {
                        Interlocked.Increment(ref wrong);
                    }
                    else
                    {
                        Interlocked.Increment(ref correct);
                        if (Volatile.Read(ref restarted))
                        {
                            Interlocked.Increment(ref correctAfterRestart);
                        }
                    }
                }
                catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(3));
        var correctBeforeKill = Interlocked.Read(ref correct);
        server.Kill();
        await Task.Delay(TimeSpan.FromSeconds(1));
        await server.StartAgainAsync();
        var serverBack = Stopwatch.StartNew();
        Volatile.Write(ref restarted, true);
        TimeSpan? recoveredAfter = null;
        while (serverBack.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                await db.PingAsync();
                recoveredAfter = serverBack.Elapsed;
                break;
            }
            catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
            {
                await Task.Delay(10);
            }
        }

        var finished = Task.WhenAll(callers);
        Assert.Same(finished, await Task.WhenAny(finished, Task.Delay(TimeSpan.FromSeconds(30))));
        await finished;

        Assert.Equal(0, Interlocked.Read(ref wrong));
        Assert.True(correctBeforeKill > 0);
        Assert.True(Interlocked.Read(ref correctAfterRestart) > 0);
        Assert.True(Interlocked.Read(ref failed) > 0, "the outage should have failed some commands");
        Assert.NotNull(recoveredAfter);
        Assert.True(recoveredAfter < TimeSpan.FromSeconds(2), $"recovered after {recoveredAfter}");
        Assert.True(connection.IsConnected);
        Assert.Equal(0, connection.PendingCommands);
    }

    [Theory]
    [InlineData("protocol=resp2")]
    [InlineData("protocol=resp3")]
    public async Task Wrong_or_missing_password_fails_the_connect_with_a_clear_authentication_error(string protocol)
    {
        await using var server = await RedisServerProcess.StartAsync("--requirepass", "right-password");

        var wrong = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync($"{server.EndPoint},password=wrong,{protocol}"));
        Assert.Equal(ConnectionFailureType.AuthenticationFailure, wrong.FailureType);
        Assert.Contains("Authentication", wrong.Message);
        Assert.Contains("WRONGPASS", wrong.Message);
        Assert.DoesNotContain("wrong,", wrong.Message);

        var missing = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync($"{server.EndPoint},{protocol}"));
        Assert.Equal(ConnectionFailureType.AuthenticationFailure, missing.FailureType);
        Assert.Contains("NOAUTH", missing.Message);

        await using var right = await RedisConnection.ConnectAsync($"{server.EndPoint},password=right-password,{protocol}");
        Assert.Equal("PONG", (string?)await right.GetDatabase().ExecuteAsync("PING"));
    }

    [Theory]
    [InlineData("protocol=resp2")]
    [InlineData("protocol=resp3")]
    public async Task After_the_server_drops_the_connection_auth_database_and_name_are_replayed_and_in_flight_commands_report_unknown_outcome(string protocol)
    {
        await using var server = await RedisServerProcess.StartAsync("--requirepass", "pw");
        await using var connection = await RedisConnection.ConnectAsync($"{server.EndPoint},password=pw,defaultDatabase=2,name=claim-worker,{protocol}");
        await using var admin = await RedisConnection.ConnectAsync($"{server.EndPoint},password=pw");
        var db = connection.GetDatabase();
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionRestored += (_, _) => restored.TrySetResult();

        var clientId = (long)await db.ExecuteAsync("CLIENT", "ID");
        var inFlight = db.ExecuteAsync(TimeSpan.FromSeconds(30), "BLPOP", "never", 20);
        await WaitUntilAsync(async () => (string?)await admin.GetDatabase().ExecuteAsync("CLIENT", "LIST", "ID", clientId) is { } line && line.Contains("cmd=blpop"));
        Assert.Equal(1L, (long)await admin.GetDatabase().ExecuteAsync("CLIENT", "KILL", "ID", clientId));

        var lost = await Assert.ThrowsAsync<RedisConnectionException>(() => inFlight);
        Assert.Equal(CommandStatus.OutcomeUnknown, lost.CommandStatus);
        Assert.Contains("outcome is unknown", lost.Message);

        await restored.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotEqual(clientId, (long)await db.ExecuteAsync("CLIENT", "ID"));
        Assert.Equal("claim-worker", (string?)await db.ExecuteAsync("CLIENT", "GETNAME"));
        await db.StringSetAsync("where", "db2");
        Assert.False(await admin.GetDatabase().KeyExistsAsync("where"));
        Assert.Equal("db2", (string?)await admin.GetDatabase().ScriptEvaluateAsync("redis.call('SELECT', 2) return redis.call('GET', 'where')"));
    }

    [Fact]
    public async Task While_disconnected_new_commands_fail_fast_as_not_sent_and_the_health_check_reports_unhealthy()
    {
        await using var server = await RedisServerProcess.StartAsync();
        var options = RedisOptions.Parse(server.EndPoint);
        options.DisconnectedWaitTimeout = TimeSpan.FromMilliseconds(100);
        await using var connection = await RedisConnection.ConnectAsync(options);
        var health = new RedisHealthCheck(connection);
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("redis", health, HealthStatus.Unhealthy, null) };
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(context)).Status);

        server.Kill();
        await WaitUntilAsync(() => Task.FromResult(!connection.IsConnected));
        var refused = await Assert.ThrowsAsync<RedisConnectionException>(() => connection.GetDatabase().StringGetAsync("k"));
        Assert.Equal(CommandStatus.NotSent, refused.CommandStatus);
        Assert.Equal(ConnectionFailureType.NotConnected, refused.FailureType);
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync(context)).Status);

        await server.StartAgainAsync();
        await WaitUntilAsync(() => Task.FromResult(connection.IsConnected));
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(context)).Status);
    }

    [Fact]
    public async Task Connecting_to_a_port_where_nothing_listens_fails_with_unable_to_connect()
    {
        var port = RedisServerProcess.FreePort();
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync($"127.0.0.1:{port},connectTimeout=2000"));
        Assert.Equal(ConnectionFailureType.UnableToConnect, error.FailureType);
        Assert.Contains($"127.0.0.1:{port}", error.Message);
    }

    [Fact]
    public async Task With_abort_connect_off_the_connection_comes_up_once_the_server_starts()
    {
        var options = RedisOptions.Parse("127.0.0.1:1,abortConnect=false");
        await using var server = await RedisServerProcess.StartAsync();
        options.EndPoints[0] = new RedisEndPoint("127.0.0.1", server.Port);
        server.Kill();

        await using var connection = await RedisConnection.ConnectAsync(options);
        Assert.False(connection.IsConnected);
        await server.StartAgainAsync();
        await WaitUntilAsync(() => Task.FromResult(connection.IsConnected));
        Assert.Equal("ok", (string?)await connection.GetDatabase().ExecuteAsync("ECHO", "ok"));
    }

    [Fact]
    public async Task Preloaded_scripts_are_loaded_again_after_the_server_restarts()
    {
        await using var server = await RedisServerProcess.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(server.EndPoint);
        var script = new RedisScript("return 'preloaded'");
        await connection.PreloadScriptAsync(script);

        server.Kill();
        await server.StartAgainAsync();
        await WaitUntilAsync(() => Task.FromResult(connection.IsConnected));
        Assert.True(await connection.GetServer().ScriptExistsAsync(script));
    }

    [Theory]
    [InlineData("?garbage\r\n")]
    [InlineData("$abc\r\n")]
    [InlineData("*-7\r\n")]
    [InlineData("$3\r\nabcXY\r\n")]
    [InlineData(":1\n")]
    [InlineData("#maybe\r\n")]
    public async Task A_reply_stream_out_of_sync_resets_the_connection_and_fails_the_command_as_outcome_unknown(string malformed)
    {
        await using var peer = new FakeRedisPeer(_ => Encoding.ASCII.GetBytes(malformed));
        await using var connection = await RedisConnection.ConnectAsync($"127.0.0.1:{peer.Port},protocol=resp2");
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionRestored += (_, _) => restored.TrySetResult();

        var outcome = await Record.ExceptionAsync(async () =>
        {
            await connection.GetDatabase().ExecuteAsync("GET", "k");
            await connection.GetDatabase().ExecuteAsync("GET", "k");
        });

        var error = Assert.IsType<RedisConnectionException>(outcome);
        Assert.Equal(ConnectionFailureType.ProtocolFailure, error.FailureType);
        Assert.Equal(CommandStatus.OutcomeUnknown, error.CommandStatus);
        await restored.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(peer.Connections >= 2);
    }

    [Fact]
    public async Task Random_bytes_from_the_peer_never_hang_a_caller_and_force_resets()
    {
        var random = new Random(99);
        await using var peer = new FakeRedisPeer(_ =>
        {
            lock (random)
            {
                var bytes = new byte[random.Next(1, 40)];
                random.NextBytes(bytes);
                return bytes;
            }
        });
        var options = RedisOptions.Parse($"127.0.0.1:{peer.Port},protocol=resp2,syncTimeout=300");
        options.DisconnectedWaitTimeout = TimeSpan.FromSeconds(2);
        await using var connection = await RedisConnection.ConnectAsync(options);
        var db = connection.GetDatabase();

        for (var round = 0; round < 40; round++)
        {
            var call = db.ExecuteAsync("GET", $"k{round}");
            var finished = await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(10)));
            Assert.Same(call, finished);
            var failure = call.Exception?.InnerException;
            Assert.True(failure is null or RedisException or RedisTimeoutException, failure?.ToString());
        }

        Assert.True(peer.Connections > 5, $"only {peer.Connections} connections");
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(15), "condition not reached within 15 s");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// A TCP peer that answers the handshake PING properly and every later request with bytes from
    /// <c>reply</c>, to feed the client's parser what a real server never sends.
    /// </summary>
    private sealed class FakeRedisPeer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _acceptLoop;
        private int _connections;

        public FakeRedisPeer(Func<int, byte[]> reply)
        {
            _listener.Start();
            _acceptLoop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    var number = Interlocked.Increment(ref _connections);
                    _ = ServeAsync(client, reply, number);
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Connections => Volatile.Read(ref _connections);

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            await Task.WhenAny(_acceptLoop, Task.Delay(1000));
        }

        private async Task ServeAsync(TcpClient client, Func<int, byte[]> reply, int connection)
        {
            using (client)
            {
                var stream = client.GetStream();
                var buffer = new byte[4096];
                try
                {
                    for (var request = 0; !_stop.IsCancellationRequested; request++)
                    {
                        if (await stream.ReadAsync(buffer, _stop.Token) == 0)
                        {
                            return;
                        }

                        await stream.WriteAsync(request == 0 ? "+PONG\r\n"u8.ToArray() : reply(connection), _stop.Token);
                    }
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
                {
                }
            }
        }
    }
}
