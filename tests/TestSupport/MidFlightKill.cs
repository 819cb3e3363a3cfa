using System.Collections.Concurrent;
using Grpc.Core;

namespace TestSupport;

/// <summary>What a load cut short by a kill left: the answers that came back (null where none did) and the calls that failed, by status.</summary>
public sealed record CutShortLoad<TAnswer>(TAnswer?[] Answers, IReadOnlyDictionary<StatusCode, int> Failed)
    where TAnswer : class
{
    public int Answered => Answers.Count(a => a is not null);

    public string Describe() =>
        $"answered before the kill: {Answered} of {Answers.Length}; failed: {string.Join(", ", Failed.Select(f => $"{f.Key}={f.Value}"))}";
}

/// <summary>
/// Load on a service process that is killed while calls are in flight, and the callers' retries afterwards: the
/// scaffolding of the crash tests, so each test states only what it sends, when to kill and what must hold after.
/// </summary>
public static class MidFlightKill
{
    /// <summary>
    /// Sends <paramref name="count"/> calls from <paramref name="callers"/> concurrent callers. Once a third of them are
    /// answered and <paramref name="readyToKill"/> holds (polled every millisecond), <paramref name="kill"/> runs; the
    /// calls then fail against the dead process and the load ends.
    /// </summary>
    public static async Task<CutShortLoad<TAnswer>> RunAsync<TAnswer>(int count, int callers, Func<int, Task<TAnswer>> call, Func<Task<bool>> readyToKill, Action kill)
        where TAnswer : class
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(readyToKill);
        ArgumentNullException.ThrowIfNull(kill);
        var answers = new TAnswer?[count];
        var failed = new ConcurrentDictionary<StatusCode, int>();
        var answered = 0;
        var next = -1;
        var loadEnded = false;
        var killer = Task.Run(async () =>
        {
            // A load that ends before the moment came still ends in a kill: the test then fails on what it asserts about
            // the cut-off calls instead of waiting for ever.
            while (!Volatile.Read(ref loadEnded) && (Volatile.Read(ref answered) < count / 3 || !await readyToKill()))
            {
                await Task.Delay(1);
            }

            kill();
        });
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                try
                {
                    answers[i] = await call(i);
                    Interlocked.Increment(ref answered);
                }
                catch (RpcException ex)
                {
                    failed.AddOrUpdate(ex.StatusCode, 1, (_, n) => n + 1);
                }
            }
        })));
        Volatile.Write(ref loadEnded, true);
        await killer;
        return new CutShortLoad<TAnswer>(answers, failed);
    }

    /// <summary>A caller retrying the same call, as the contracts tell it to, while the new copy answers <paramref name="retryable"/> (starting, or finishing what the dead one left).</summary>
    public static async Task<TAnswer> RetryUntilAnsweredAsync<TAnswer>(ServiceProcess process, Func<Task<TAnswer>> call, params StatusCode[] retryable)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(call);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException ex) when (retryable.Contains(ex.StatusCode) && DateTime.UtcNow < deadline)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"the service process exited:\n{process.Tail}", ex);
                }

                await Task.Delay(100);
            }
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, a minute at most.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string failure)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(failure);
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>The copy a crash test kills and the copy that takes over; disposing ends both.</summary>
public sealed class KilledAndRestarted : IDisposable
{
    public ServiceProcess? Killed { get; set; }

    public ServiceProcess? Restarted { get; set; }

    /// <summary>What both copies last wrote, for a failure message.</summary>
    public string Tails => $"the killed copy:\n{Killed?.Tail}\nthe copy started after it:\n{Restarted?.Tail}";

    /// <summary>Ends both copies; a second call does nothing.</summary>
    public void Dispose()
    {
        Killed?.Dispose();
        Restarted?.Dispose();
        Killed = Restarted = null;
    }
}
