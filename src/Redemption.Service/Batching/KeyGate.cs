namespace Redemption.Service.Batching;

/// <summary>
/// Lets one call per key through at a time in this process; the others wait their turn, oldest first. Copies of one
/// request (a channel retrying on a timeout) then run one after another and each later copy finds the first's stored
/// answer. Held in memory because the hold must cost nothing on the redeem path; copies of one request reaching two
/// processes at once are kept apart by the database instead (the attempt row, the unique key of the answer).
/// </summary>
public sealed class KeyGate
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Turns> _held = new(StringComparer.Ordinal);

    /// <summary>Waits until the key is free, then holds it until the returned turn is disposed.</summary>
    public async Task<IDisposable> EnterAsync(string key, CancellationToken cancellationToken)
    {
        Turns turns;
        TaskCompletionSource? mine = null;
        lock (_gate)
        {
            if (!_held.TryGetValue(key, out turns!))
            {
                turns = new Turns();
                _held.Add(key, turns);
            }
            else
            {
                mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                turns.Waiting.Enqueue(mine);
            }
        }

        if (mine is not null)
        {
            try
            {
                await mine.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                lock (_gate)
                {
                    // Given the turn just as the wait was cancelled: pass it on, since nobody else will.
                    if (mine.Task.IsCompletedSuccessfully)
                    {
                        PassOn(key, turns);
                    }
                    else
                    {
                        mine.TrySetCanceled(cancellationToken);
                    }
                }

                throw;
            }
        }

        return new Turn(this, key, turns);
    }

    /// <summary>Hands the key to the next waiter still waiting, or frees it. Called under the gate.</summary>
    private void PassOn(string key, Turns turns)
    {
        while (turns.Waiting.TryDequeue(out var next))
        {
            if (next.TrySetResult())
            {
                return;
            }
        }

        _held.Remove(key);
    }

    private sealed class Turns
    {
        public Queue<TaskCompletionSource> Waiting { get; } = new();
    }

    private sealed class Turn(KeyGate owner, string key, Turns turns) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                lock (owner._gate)
                {
                    owner.PassOn(key, turns);
                }
            }
        }
    }
}
