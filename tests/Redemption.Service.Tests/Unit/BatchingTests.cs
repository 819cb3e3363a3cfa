using Redemption.Service.Batching;

namespace Redemption.Service.Tests.Unit;

public class BatchingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>A batch runner the test releases by hand, recording every batch it was given.</summary>
    private sealed class HeldRunner
    {
        private readonly Lock _gate = new();
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string[]> Batches { get; } = [];

        public Func<string, Exception?> FailItem { get; set; } = _ => null;

        public Exception? FailBatch { get; set; }

        public async Task<IReadOnlyList<ItemResult<string>>> RunAsync(IReadOnlyList<string> items, CancellationToken cancellationToken)
        {
            Task released;
            lock (_gate)
            {
                Batches.Add([.. items]);
                released = _release.Task;
            }

            await released.WaitAsync(cancellationToken);
            if (FailBatch is { } failure)
            {
                throw failure;
            }

            return [.. items.Select(i => FailItem(i) is { } error ? ItemResult.Failed<string>(error) : ItemResult.Of(i.ToUpperInvariant()))];
        }

        public void ReleaseAll()
        {
            lock (_gate)
            {
                _release.TrySetResult();
            }
        }

        public async Task WaitForBatchesAsync(int count)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                lock (_gate)
                {
                    if (Batches.Count >= count)
                    {
                        return;
                    }
                }

                Assert.True(DateTime.UtcNow < deadline, $"expected {count} batches");
                await Task.Delay(5);
            }
        }
    }

    private static Coalescer<string, string> Coalescer(HeldRunner runner, int maximumBatch = 64, int slots = 1) =>
        new(runner.RunAsync, item => item.Split('#')[0], maximumBatch, slots, TimeSpan.FromSeconds(30));

    [Fact]
    public async Task A_call_that_finds_a_slot_free_leaves_at_once_alone()
    {
        var runner = new HeldRunner();
        var coalescer = Coalescer(runner);
        var answer = coalescer.RunAsync("a", default);
        await runner.WaitForBatchesAsync(1);
        runner.ReleaseAll();
        Assert.Equal("A", await answer.WaitAsync(Patience));
        Assert.Equal(["a"], Assert.Single(runner.Batches));
    }

    [Fact]
    public async Task Calls_arriving_while_every_slot_is_busy_leave_together_as_the_next_batch_in_arrival_order()
    {
        var runner = new HeldRunner();
        var coalescer = Coalescer(runner);
        var first = coalescer.RunAsync("a", default);
        await runner.WaitForBatchesAsync(1);
        var later = new[] { "b", "c", "d" }.Select(i => coalescer.RunAsync(i, default)).ToList();
        runner.ReleaseAll();
        Assert.Equal(["A", "B", "C", "D"], await Task.WhenAll([first, .. later]).WaitAsync(Patience));
        Assert.Equal([["a"], ["b", "c", "d"]], runner.Batches);
    }

    [Fact]
    public async Task Two_slots_let_a_second_batch_leave_while_the_first_is_in_flight()
    {
        var runner = new HeldRunner();
        var coalescer = Coalescer(runner, slots: 2);
        var first = coalescer.RunAsync("a", default);
        await runner.WaitForBatchesAsync(1);
        var second = coalescer.RunAsync("b", default);
        await runner.WaitForBatchesAsync(2);
        var third = coalescer.RunAsync("c", default);
        runner.ReleaseAll();
        Assert.Equal(["A", "B", "C"], await Task.WhenAll(first, second, third).WaitAsync(Patience));
        Assert.Equal([["a"], ["b"], ["c"]], runner.Batches);
    }

    [Fact]
    public async Task A_call_that_finds_a_slot_free_first_lets_the_queued_work_run_so_calls_already_on_their_way_leave_with_it()
    {
        var runner = new HeldRunner();
        runner.ReleaseAll();
        var coalescer = Coalescer(runner);
        var queued = new QueuedContext();
        var previous = SynchronizationContext.Current;
        Task<string> first, second;
        SynchronizationContext.SetSynchronizationContext(queued);
        try
        {
            first = coalescer.RunAsync("a", default);
            second = coalescer.RunAsync("b", default);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        queued.RunPosted();
        Assert.Equal(["A", "B"], await Task.WhenAll(first, second).WaitAsync(Patience));
        Assert.Equal([["a", "b"]], runner.Batches);
    }

    /// <summary>Holds what is posted to it until told to run it, on the caller's thread.</summary>
    private sealed class QueuedContext : SynchronizationContext
    {
        private readonly Queue<(SendOrPostCallback Callback, object? State)> _posted = new();

        public override void Post(SendOrPostCallback d, object? state)
        {
            lock (_posted)
            {
                _posted.Enqueue((d, state));
            }
        }

        public void RunPosted()
        {
            while (true)
            {
                (SendOrPostCallback Callback, object? State) next;
                lock (_posted)
                {
                    if (!_posted.TryDequeue(out next))
                    {
                        return;
                    }
                }

                next.Callback(next.State);
            }
        }
    }

    [Fact]
    public async Task Items_with_the_same_key_never_share_a_batch_and_keep_their_order()
    {
        var runner = new HeldRunner();
        var coalescer = Coalescer(runner);
        var first = coalescer.RunAsync("x#0", default);
        await runner.WaitForBatchesAsync(1);
        var later = new[] { "v#1", "v#2", "w#1", "v#3" }.Select(i => coalescer.RunAsync(i, default)).ToList();
        runner.ReleaseAll();
        await Task.WhenAll([first, .. later]).WaitAsync(Patience);
        Assert.Equal([["x#0"], ["v#1", "w#1"], ["v#2"], ["v#3"]], runner.Batches);
    }

    [Fact]
    public async Task A_batch_never_holds_more_than_the_maximum()
    {
        var runner = new HeldRunner();
        var coalescer = Coalescer(runner, maximumBatch: 3);
        var first = coalescer.RunAsync("a", default);
        await runner.WaitForBatchesAsync(1);
        var later = Enumerable.Range(0, 7).Select(i => coalescer.RunAsync($"k{i}", default)).ToList();
        runner.ReleaseAll();
        await Task.WhenAll([first, .. later]).WaitAsync(Patience);
        Assert.Equal([1, 3, 3, 1], runner.Batches.Select(b => b.Length));
    }

    [Fact]
    public async Task An_item_that_fails_fails_alone_and_the_rest_of_its_batch_is_answered()
    {
        var runner = new HeldRunner { FailItem = i => i == "bad" ? new InvalidOperationException("bad item") : null };
        var coalescer = Coalescer(runner);
        var first = coalescer.RunAsync("a", default);
        await runner.WaitForBatchesAsync(1);
        var good = coalescer.RunAsync("good", default);
        var bad = coalescer.RunAsync("bad", default);
        runner.ReleaseAll();
        Assert.Equal("GOOD", await good.WaitAsync(Patience));
        Assert.Equal("bad item", (await Assert.ThrowsAsync<InvalidOperationException>(() => bad.WaitAsync(Patience))).Message);
        Assert.Equal("A", await first);
    }

    [Fact]
    public async Task A_batch_that_fails_fails_every_item_in_it_and_the_next_call_still_runs()
    {
        var runner = new HeldRunner { FailBatch = new TimeoutException("database gone") };
        var coalescer = Coalescer(runner);
        var first = coalescer.RunAsync("a", default);
        await runner.WaitForBatchesAsync(1);
        var second = coalescer.RunAsync("b", default);
        runner.ReleaseAll();
        await Assert.ThrowsAsync<TimeoutException>(() => first.WaitAsync(Patience));
        await Assert.ThrowsAsync<TimeoutException>(() => second.WaitAsync(Patience));
        runner.FailBatch = null;
        Assert.Equal("C", await coalescer.RunAsync("c", default).WaitAsync(Patience));
    }

    [Fact]
    public async Task A_caller_that_stops_waiting_does_not_take_its_item_out_of_the_batch()
    {
        var runner = new HeldRunner();
        var coalescer = Coalescer(runner);
        var first = coalescer.RunAsync("a", default);
        await runner.WaitForBatchesAsync(1);
        using var impatient = new CancellationTokenSource();
        var abandoned = coalescer.RunAsync("b", impatient.Token);
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        runner.ReleaseAll();
        await first.WaitAsync(Patience);
        await runner.WaitForBatchesAsync(2);
        Assert.Equal(["b"], runner.Batches[1]);
    }

    [Fact]
    public async Task A_key_held_in_the_gate_makes_the_next_holders_wait_their_turn_in_arrival_order()
    {
        var gate = new KeyGate();
        var order = new List<string>();
        var first = await gate.EnterAsync("k", default);
        var second = Take("second");
        var third = Take("third");
        await Task.Delay(50);
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);
        first.Dispose();
        await Task.WhenAll(second, third).WaitAsync(Patience);
        Assert.Equal(["second", "third"], order);

        async Task Take(string name)
        {
            using var turn = await gate.EnterAsync("k", default);
            lock (order)
            {
                order.Add(name);
            }

            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task A_different_key_passes_the_gate_while_another_is_held()
    {
        var gate = new KeyGate();
        using var held = await gate.EnterAsync("k1", default);
        using var other = await gate.EnterAsync("k2", default).WaitAsync(Patience);
        Assert.NotNull(other);
    }

    [Fact]
    public async Task A_waiter_that_gives_up_does_not_keep_the_key_from_the_waiters_behind_it()
    {
        var gate = new KeyGate();
        var first = await gate.EnterAsync("k", default);
        using var impatient = new CancellationTokenSource();
        var givesUp = gate.EnterAsync("k", impatient.Token);
        var patient = gate.EnterAsync("k", default);
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => givesUp);
        first.Dispose();
        using var turn = await patient.WaitAsync(Patience);
        turn.Dispose();
        using var again = await gate.EnterAsync("k", default).WaitAsync(Patience);
        Assert.NotNull(again);
    }
}
