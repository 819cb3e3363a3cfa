namespace Claim.Service.Persistence;

/// <summary>
/// Runs a background job on the injected clock's ticks until shutdown. A tick that fails with a fault the next tick may
/// not meet is reported and skipped: each job here is idempotent, so the next tick does the same work again.
/// </summary>
internal static class PeriodicWork
{
    public static async Task RunAsync(
        TimeSpan interval,
        TimeProvider time,
        Func<CancellationToken, Task> tick,
        Func<Exception, bool> isTransient,
        Action<Exception> reportFailure,
        CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await tick(stoppingToken);
                }
                catch (Exception ex) when (isTransient(ex))
                {
                    reportFailure(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
