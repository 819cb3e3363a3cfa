namespace RedisClient;

/// <summary>
/// Commands collected and then written in one go by <see cref="Execute"/>: one lock, one socket
/// write, consecutive places in the pipeline. Not a transaction — other callers' commands may run
/// on the server between them. Each call returns a task that completes once the batch has been
/// executed and the reply arrived.
/// </summary>
public sealed class RedisBatch : RedisCommands
{
    private readonly Lock _lock = new();
    private List<BatchEntry>? _entries = [];

    internal RedisBatch(RedisConnection connection)
        : base(connection)
    {
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries?.Count ?? 0;
            }
        }
    }

    /// <summary>Sends every collected command; a batch can be executed once.</summary>
    public void Execute()
    {
        List<BatchEntry> entries;
        lock (_lock)
        {
            entries = _entries ?? throw new InvalidOperationException("This batch has already been executed.");
            _entries = null;
        }

        if (entries.Count > 0)
        {
            Connection.ExecuteBatch(entries);
        }
    }

    private protected override Task<RedisResult> SendAsync(ReadOnlySpan<RedisValue> arguments, TimeSpan? timeout = null)
    {
        var name = arguments[0].ToString();
        var command = new PendingCommand(name, timeout ?? Connection.DefaultCommandTimeout);
        lock (_lock)
        {
            if (_entries is null)
            {
                throw new InvalidOperationException("This batch has already been executed; create a new one.");
            }

            _entries.Add(new BatchEntry(arguments.ToArray(), command));
        }

        RedisTelemetry.CountCommand(name);
        var activity = RedisTelemetry.StartCommandActivity(name, Connection.CurrentEndPoint, Connection.Database);
        return activity is null ? command.Task : RedisConnection.TraceAsync(command.Task, activity);
    }
}
