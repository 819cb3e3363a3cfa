namespace Redemption.Service.Batching;

/// <summary>One item's answer from a batch: a value, or the error that item alone failed with.</summary>
public readonly record struct ItemResult<T>(T? Value, Exception? Error);

/// <summary>Builds <see cref="ItemResult{T}"/>s.</summary>
public static class ItemResult
{
    public static ItemResult<T> Of<T>(T value) => new(value, null);

    public static ItemResult<T> Failed<T>(Exception error) => new(default, error);
}

/// <summary>
/// Group commit for one kind of round trip. A call that finds a batch slot free first lets the work already queued on
/// the thread pool run (a few yields, no timer), then leaves with every call waiting by then; calls that arrive while
/// every slot is busy wait and leave together as the next batch. Under light load nothing waits, and
/// under heavy load the round trips (a gRPC call, a database transaction) are shared by as many callers as arrived
/// during the previous one, which is what lets throughput grow with load instead of being capped by per-call cost.
/// Items with the same key never travel in one batch, so a batch never has to order two changes of one row.
/// </summary>
public sealed class Coalescer<TItem, TResult>
{
    private readonly Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<ItemResult<TResult>>>> _run;
    private readonly Func<TItem, string> _key;
    private readonly int _maximumBatch;
    private readonly int _slots;
    private readonly TimeSpan _batchTimeout;
    private readonly Action<int>? _leaving;
    private readonly Lock _gate = new();
    private readonly List<Pending> _waiting = [];
    private int _busySlots;

    /// <param name="run">Runs one batch; answers every item, in order. An exception fails every item of the batch.</param>
    /// <param name="key">Items with equal keys go in different batches.</param>
    /// <param name="maximumBatch">At most this many items per batch.</param>
    /// <param name="slots">At most this many batches in flight at once.</param>
    /// <param name="batchTimeout">A batch still running after this long is cancelled (its callers see the cancellation).</param>
    /// <param name="leaving">Told the size of every batch as it leaves (for metrics).</param>
    public Coalescer(
        Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<ItemResult<TResult>>>> run,
        Func<TItem, string> key,
        int maximumBatch,
        int slots,
        TimeSpan batchTimeout,
        Action<int>? leaving = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        _run = run;
        _key = key;
        _maximumBatch = maximumBatch;
        _slots = slots;
        _batchTimeout = batchTimeout;
        _leaving = leaving;
    }

    /// <summary>
    /// Runs <paramref name="item"/> in the next batch. Cancelling stops the wait, not the item: once it has left, it
    /// happens or fails like a call whose caller gave up waiting.
    /// </summary>
    public Task<TResult> RunAsync(TItem item, CancellationToken cancellationToken)
    {
        var pending = new Pending(item, _key(item));
        var drive = false;
        lock (_gate)
        {
            _waiting.Add(pending);
            if (_busySlots < _slots)
            {
                _busySlots++;
                drive = true;
            }
        }

        if (drive)
        {
            _ = DriveAsync();
        }

        return pending.Answer.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Runs batches in one slot until nobody is waiting.</summary>
    private async Task DriveAsync()
    {
        while (true)
        {
            // Let the work already queued on the thread pool run first: under load it is mostly other calls on their
            // way here, which then leave in this batch instead of the next. When the pool is idle this costs nothing.
            var yields = 0;
            do
            {
                await Task.Yield();
            }
            while (++yields < 4 && ThreadPool.PendingWorkItemCount > 0);

            List<Pending> batch;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _busySlots--;
                    return;
                }

                batch = TakeBatch();
            }

            await RunBatchAsync(batch);
        }
    }

    private async Task RunBatchAsync(List<Pending> batch)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_batchTimeout);
            var items = new TItem[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                items[i] = batch[i].Item;
            }

            _leaving?.Invoke(items.Length);
            var results = await _run(items, timeout.Token);
            if (results.Count != batch.Count)
            {
                throw new InvalidOperationException($"a batch of {batch.Count} was answered with {results.Count} results");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                if (results[i].Error is { } error)
                {
                    batch[i].Answer.TrySetException(error);
                }
                else
                {
                    batch[i].Answer.TrySetResult(results[i].Value!);
                }
            }
        }
#pragma warning disable CA1031 // Whatever the batch failed with, every caller in it must hear of it rather than wait for ever.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            foreach (var pending in batch)
            {
                pending.Answer.TrySetException(ex);
            }
        }
    }

    /// <summary>Takes up to the batch size of waiting items, oldest first, one per key. Called under the gate.</summary>
    private List<Pending> TakeBatch()
    {
        var batch = new List<Pending>(Math.Min(_waiting.Count, _maximumBatch));
        HashSet<string>? keys = null;
        var index = 0;
        while (index < _waiting.Count && batch.Count < _maximumBatch)
        {
            var candidate = _waiting[index];
            keys ??= new HashSet<string>(StringComparer.Ordinal);
            if (keys.Add(candidate.Key))
            {
                batch.Add(candidate);
                _waiting.RemoveAt(index);
            }
            else
            {
                index++;
            }
        }

        return batch;
    }

    private sealed class Pending(TItem item, string key)
    {
        public TItem Item { get; } = item;

        public string Key { get; } = key;

        public TaskCompletionSource<TResult> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
