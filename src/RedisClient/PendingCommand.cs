namespace RedisClient;

/// <summary>
/// A command waiting for its reply. It stays in the connection's queue until the reply arrives (or
/// the connection breaks) even after its caller gave up, because replies are matched by position.
/// </summary>
internal sealed class PendingCommand : TaskCompletionSource<RedisResult>
{
    public PendingCommand(string name, TimeSpan timeout)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Name = name;
        Timeout = timeout;
    }

    public string Name { get; }

    public TimeSpan Timeout { get; }

    /// <summary>TimeProvider timestamp after which the caller is released with a timeout.</summary>
    public long Deadline { get; set; }
}
