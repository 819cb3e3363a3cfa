namespace GrpcRuntime.Client;

/// <summary>
/// Transparent retries as the gRPC retry design describes them: only while nothing of the response
/// has been committed (no response headers other than a Trailers-Only status), only for calls whose
/// request is fully buffered (unary and server streaming), with full-jitter exponential backoff and
/// within the call's deadline.
/// </summary>
public sealed class RetryPolicy
{
    /// <summary>Total attempts including the first one; at least 2 to retry at all.</summary>
    public int MaxAttempts { get; set; } = 4;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    public double BackoffMultiplier { get; set; } = 2.0;

    public ICollection<StatusCode> RetryableStatusCodes { get; } = new HashSet<StatusCode> { StatusCode.Unavailable };

    internal void Validate()
    {
        if (MaxAttempts < 1)
        {
            throw new InvalidOperationException("RetryPolicy.MaxAttempts must be at least 1.");
        }

        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("RetryPolicy backoffs must be positive.");
        }

        if (BackoffMultiplier <= 0 || double.IsNaN(BackoffMultiplier))
        {
            throw new InvalidOperationException("RetryPolicy.BackoffMultiplier must be positive.");
        }
    }

    /// <summary>The upper bound of the random delay before retry number <paramref name="retryNumber"/> (1-based).</summary>
    internal TimeSpan BackoffCeiling(int retryNumber)
    {
        var ceilingMs = InitialBackoff.TotalMilliseconds * Math.Pow(BackoffMultiplier, retryNumber - 1);
        return TimeSpan.FromMilliseconds(Math.Min(ceilingMs, MaxBackoff.TotalMilliseconds));
    }
}
